// The one place the server's external base URL comes from, so that every absolute URL it emits (connector host,
// Location, @odata.nextLink, @odata.context, partition, polling and event links, the UI) names the same address:
//   1. INSIGHTFLOW_PUBLIC_URL when set — the request is never consulted;
//   2. else, from a peer in INSIGHTFLOW_TRUSTED_PROXIES: its Forwarded / X-Forwarded-Proto, -Host, -Prefix headers;
//   3. else, when trusted proxies are set (the peer is not one): the address the connection reached, never the
//      Host header a client may forge;
//   4. else (neither set, one machine): the request's Host header.
import ipaddr from 'ipaddr.js';

export interface PublicUrlSettings {
  /** Normalized INSIGHTFLOW_PUBLIC_URL (no trailing slash), or undefined. */
  publicUrl: string | undefined;
  /** CIDRs whose forwarded headers are believed. */
  trustedProxies: string[];
}

/** What the resolver needs of a request. */
export interface IncomingRequest {
  /** The URL as the server received it (http, Host header). */
  url: string;
  header(name: string): string | undefined;
  /** The peer's address (a proxy or the client) and the local address and port it connected to, when known. */
  remoteAddress?: string | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/** A base URL: scheme, host, optional path prefix, never a trailing slash. */
export type BaseUrl = string;

const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const prefixPattern = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*\/?$/;

/** An absolute URL under `base` for a path of the API (starting with "/"), with optional query parameters. */
export function linkTo(base: BaseUrl, path: string, query?: Record<string, string | undefined>): string {
  const u = new URL(`${base}${path}`);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/** The resolver of a deployment's settings: request → base URL. */
export function createBaseUrlResolver(settings: PublicUrlSettings): (req: IncomingRequest) => BaseUrl {
  const fixed = settings.publicUrl;
  const trusted = trustedTest(settings.trustedProxies);
  return (req) => {
    if (fixed !== undefined) return fixed;
    const received = new URL(req.url);
    if (settings.trustedProxies.length === 0) return received.origin;
    if (!trusted(req.remoteAddress)) return localBase(req) ?? received.origin;
    const f = forwarded(req, trusted);
    const proto = f.proto === 'https' || f.proto === 'http' ? f.proto : 'http';
    const host = f.host !== undefined && hostPattern.test(f.host) ? f.host : received.host;
    const prefix = f.prefix !== undefined && prefixPattern.test(f.prefix) ? f.prefix.replace(/\/+$/, '') : '';
    return `${proto}://${host}${prefix}`;
  };
}

/** The client's address for logs: the peer's, or — from a trusted proxy — the first untrusted address of the
 * forwarded chain (X-Forwarded-For, else Forwarded for=). */
export function createClientResolver(settings: PublicUrlSettings): (req: IncomingRequest) => string | undefined {
  const trusted = trustedTest(settings.trustedProxies);
  return (req) => {
    if (!trusted(req.remoteAddress)) return req.remoteAddress;
    const chain = list(req.header('x-forwarded-for'));
    const hops = chain.length ? chain : parseForwarded(req.header('forwarded') ?? '').map((e) => e.for ?? '');
    for (let i = hops.length - 1; i >= 0; i--) if (!trusted(hops[i]) || i === 0) return hops[i] || req.remoteAddress;
    return req.remoteAddress;
  };
}

function trustedTest(cidrs: string[]): (addr: string | undefined) => boolean {
  const ranges = cidrs.map((c) => ipaddr.parseCIDR(c));
  return (addr) => {
    if (!addr || ranges.length === 0) return false;
    const bare = /^\[(.*)\](?::\d+)?$/.exec(addr)?.[1] ?? (/^[^:]+:\d+$/.test(addr) ? addr.replace(/:\d+$/, '') : addr);
    try {
      const a = ipaddr.process(bare);
      return ranges.some(([net, bits]) => a.kind() === net.kind() && a.match([net, bits]));
    } catch {
      return false;
    }
  };
}

function localBase(req: IncomingRequest): BaseUrl | undefined {
  if (!req.localAddress || req.localPort === undefined) return undefined;
  let addr = req.localAddress;
  try {
    const a = ipaddr.process(addr);
    addr = a.kind() === 'ipv6' ? `[${a.toString()}]` : a.toString();
  } catch {
    return undefined;
  }
  return `http://${addr}:${req.localPort}`;
}

interface Forwarded {
  proto?: string | undefined;
  host?: string | undefined;
  prefix?: string | undefined;
}

const list = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

/** The values the outermost trusted proxy saw: walking the chain from the right past trusted proxies. */
function forwarded(req: IncomingRequest, trusted: (addr: string | undefined) => boolean): Forwarded {
  const prefix = list(req.header('x-forwarded-prefix'));
  const standard = req.header('forwarded');
  if (standard !== undefined) {
    const elements = parseForwarded(standard);
    let i = elements.length - 1;
    while (i > 0 && trusted(elements[i]?.for)) i--;
    const e = elements[i];
    if (e) return { proto: e.proto?.toLowerCase(), host: e.host, prefix: prefix[prefix.length - 1] };
  }
  const chain = list(req.header('x-forwarded-for'));
  let hops = 0;
  while (hops < chain.length - 1 && trusted(chain[chain.length - 1 - hops])) hops++;
  const pick = (values: string[]) => values[Math.max(0, values.length - 1 - hops)];
  return {
    proto: pick(list(req.header('x-forwarded-proto')))?.toLowerCase(),
    host: pick(list(req.header('x-forwarded-host'))),
    prefix: pick(prefix),
  };
}

/** RFC 7239 elements: `for=…;proto=…;host=…, …` (quoted values allowed). */
function parseForwarded(value: string): Array<Record<string, string>> {
  const elements: Array<Record<string, string>> = [];
  for (const element of value.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const pairs: Record<string, string> = {};
    for (const pair of element.match(/(?:[^;"]|"[^"]*")+/g) ?? []) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const k = pair.slice(0, eq).trim().toLowerCase();
      pairs[k] = pair
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
    }
    elements.push(pairs);
  }
  return elements;
}
