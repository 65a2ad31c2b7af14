// The one outbound HTTP client for webhooks and flow steps. Resolve, check, connect to the checked address: the
// connection's lookup resolves the host and refuses it if any address is not allowed, so DNS rebinding cannot slip a
// private address in; literal addresses are checked before connecting. Redirects are never followed; connect and
// response times are bounded; at most 4 KiB of a response is kept. Network failures are results, never throws.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import type { AllowList } from '../core/address-policy.ts';
import { classifyAddress, isAddressAllowed } from '../core/address-policy.ts';
import { boundedMemo } from '../core/memo.ts';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Time to establish the connection (TCP and TLS), ms; default 10,000. */
  connectTimeoutMs?: number;
  /** Time until the response headers, and again between body chunks, ms; default 15,000. The whole exchange is
   * also bounded by connectTimeoutMs + 2 × responseTimeoutMs. */
  responseTimeoutMs?: number;
}

export interface HttpResult {
  /** null when no response arrived. */
  statusCode: number | null;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The first 4 KiB of the response body (UTF-8). */
  body: string;
  latencyMs: number;
  /** Why the exchange failed: refused target, timeout, connection failure, a redirect (never followed), an invalid
   * URL or request. A non-2xx answer alone is not an error here. */
  error: {
    code: 'TargetRefused' | 'Timeout' | 'ConnectionFailed' | 'Redirect' | 'InvalidUrl' | 'InvalidRequest';
    message: string;
  } | null;
}

/** Sends one request; never throws for network failures. */
export type SendHttp = (req: HttpRequest) => Promise<HttpResult>;

/** A sender with its connection pools; close() ends them. */
export type HttpSender = SendHttp & { close(): Promise<void> };

export interface HttpSenderOptions {
  /** Networks targets may reach although not public (INSIGHTFLOW_ALLOWED_TARGETS). */
  allowList: AllowList;
  /** Kept-alive connections per origin; default 64. */
  maxConnectionsPerOrigin?: number;
}

const maxBody = 4096;
/** Bytes of a longer body read and dropped so the connection can be reused; beyond it the connection is closed. */
const maxDrain = 64 * 1024;
const defaultConnectMs = 10_000;
const defaultResponseMs = 15_000;

class RefusedError extends Error {}

const deadlineError = (ms: number): Error =>
  Object.assign(new Error(`no complete answer within ${ms} ms`), { name: 'TimeoutError' });

type Lookup = (
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** A dns.lookup that refuses a host when any of its addresses is not allowed, and hands net the checked ones. */
function guardedLookup(allow: AllowList): Lookup {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !isAddressAllowed(a.address, allow));
      if (refused) {
        const why = `${hostname} resolves to ${refused.address} (${classifyAddress(refused.address)})`;
        return callback(new RefusedError(`${why}, which targets may not reach`), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

type Failure = NonNullable<HttpResult['error']>;

/** Maps what undici or the lookup threw to a result error. */
function failureOf(err: unknown): Failure {
  const e = err as Error & { code?: string; cause?: unknown };
  const refused = e instanceof RefusedError ? e : e.cause instanceof RefusedError ? e.cause : null;
  if (refused) return { code: 'TargetRefused', message: refused.message };
  const code = e.code ?? '';
  const message = `${code ? `${code}: ` : ''}${e.message}`;
  if (/TIMEOUT/i.test(code) || /timeout/i.test(e.name)) return { code: 'Timeout', message };
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return { code: 'InvalidRequest', message };
  return { code: 'ConnectionFailed', message };
}

/** Where a request goes, as undici's dispatcher takes it. */
interface Target {
  origin: string;
  path: string;
}

/** A target URL as sent, or why it is not sent: not http(s), carrying credentials, or naming a refused address. */
function judgeTarget(raw: string, allow: AllowList): Target | Failure {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { code: 'InvalidUrl', message: `"${raw.slice(0, 200)}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { code: 'InvalidUrl', message: `only http and https URLs are sent, not ${url.protocol}` };
  }
  if (url.username || url.password) return { code: 'InvalidUrl', message: 'the URL carries credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isAddressAllowed(host, allow)) {
    return { code: 'TargetRefused', message: `${host} is ${classifyAddress(host)}, which targets may not reach` };
  }
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** The first 4 KiB of a response body (UTF-8), and the error that ended it early, if any. A longer body is read on and
 * dropped up to 64 KiB, so that the connection can be reused; past that the body is destroyed (its connection closes).
 * Events rather than an async iterator: this runs for every delivery. */
function readHead(body: Dispatcher.ResponseData['body']): Promise<{ text: string; error: unknown }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let read = 0;
    let ended = false;
    const finish = (error: unknown) => {
      if (ended) return;
      ended = true;
      resolve({ text: Buffer.concat(chunks).toString('utf8'), error });
    };
    body.on('data', (chunk: Buffer) => {
      if (kept < maxBody) {
        const part = chunk.subarray(0, maxBody - kept);
        chunks.push(part);
        kept += part.length;
      }
      read += chunk.length;
      if (read > maxDrain) {
        finish(null);
        body.destroy();
      }
    });
    body.once('end', () => finish(null));
    body.once('error', (err) => finish(err));
    body.once('close', () => {
      if (!ended) finish(Object.assign(new Error('the response body ended early'), { code: 'ECONNRESET' }));
    });
  });
}

export function createHttpSender(opts: HttpSenderOptions): HttpSender {
  const lookup = guardedLookup(opts.allowList);
  // The verdict on each target URL, kept: parsing the URL and an address in it costs microseconds a request, and a
  // worker sends to the same few URLs again and again. Names are checked each time they resolve (guardedLookup).
  const checkTarget = boundedMemo(1000, (raw): Target | Failure => judgeTarget(raw, opts.allowList));
  // undici fixes the connect timeout per agent, so each distinct connectTimeoutMs gets its own pool.
  const agents = new Map<number, Agent>();
  const agentFor = (connectMs: number): Agent => {
    let agent = agents.get(connectMs);
    if (!agent) {
      agent = new Agent({
        connections: opts.maxConnectionsPerOrigin ?? 64,
        keepAliveTimeout: 30_000,
        connect: { timeout: connectMs, lookup: lookup as never },
      });
      agents.set(connectMs, agent);
    }
    return agent;
  };

  const send: SendHttp = async (req) => {
    const t0 = performance.now();
    const done = (r: Omit<HttpResult, 'latencyMs'>): HttpResult => ({
      ...r,
      latencyMs: Math.round((performance.now() - t0) * 100) / 100,
    });
    const fail = (error: Failure) => done({ statusCode: null, headers: {}, body: '', error });
    const target = checkTarget(req.url);
    if ('code' in target) return fail(target);
    const connectMs = req.connectTimeoutMs ?? defaultConnectMs;
    const responseMs = req.responseTimeoutMs ?? defaultResponseMs;
    const deadline = new AbortController();
    const totalMs = connectMs + 2 * responseMs;
    const timer = setTimeout(() => deadline.abort(deadlineError(totalMs)), totalMs);
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await agentFor(connectMs).request({
          origin: target.origin,
          path: target.path,
          method: req.method,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          headersTimeout: responseMs,
          bodyTimeout: responseMs,
          signal: deadline.signal,
        });
      } catch (err) {
        return fail(failureOf(err));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const redirect = res.statusCode >= 300 && res.statusCode < 400;
      const body = await readHead(res.body);
      // A redirect is the failure to report; else a body that failed (the answer arrived, so a 2xx still counts).
      const error: Failure | null = redirect
        ? { code: 'Redirect', message: `redirect to ${headers.location ?? '(no location)'} not followed` }
        : body.error === null
          ? null
          : failureOf(body.error);
      return done({ statusCode: res.statusCode, headers, body: body.text, error });
    } finally {
      clearTimeout(timer);
    }
  };
  return Object.assign(send, {
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()));
      agents.clear();
    },
  });
}
