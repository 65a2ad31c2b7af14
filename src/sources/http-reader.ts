// Reads the rows of a web API into an NDJSON file, page by page: a JSON array, an object holding the rows in
// options.rowsPath, or NDJSON. Pages follow Link rel="next", the next-link field options.nextPath, or a cursor
// (options.cursorPath read from the answer, sent back as options.cursorParam), at most options.maxPages. 429 and 5xx
// answers and network failures are retried with backoff, honouring Retry-After. Every connection resolves its host and
// refuses it when any address is not allowed (target policy); literal addresses are checked before connecting.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import type { AllowList } from '../core/address-policy.ts';
import { checkTargetUrl, resolveTarget } from '../core/address-policy.ts';
import { TaskError } from '../core/errors.ts';
import type { DataSource } from './model.ts';
import { networkFailure, sourceError } from './source-errors.ts';

export const httpDefaults = {
  maxPages: 100,
  maxBytes: 1024 ** 3,
  timeoutMs: 60_000,
  retries: 3,
  /** A JSON page is parsed whole; NDJSON is read line by line whatever its size. */
  maxJsonPage: 256 * 1024 ** 2,
  /** Longest wait a Retry-After may ask for. */
  maxRetryAfterMs: 60_000,
};

type HttpSource = Pick<DataSource, 'location' | 'options'>;

export interface HttpReadResult {
  rows: number;
  bytes: number;
  pages: number;
}

function agentFor(allow: AllowList, timeoutMs: number): Agent {
  const lookup = (
    hostname: string,
    options: { all?: boolean },
    cb: (err: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void,
  ) => {
    resolveTarget(hostname, allow).then(
      (address) => {
        const family = address.includes(':') ? 6 : 4;
        if (options.all) cb(null, [{ address, family }]);
        else cb(null, address, family);
      },
      (err: Error) => cb(err, []),
    );
  };
  return new Agent({ connections: 1, connect: { timeout: timeoutMs, lookup } });
}

const retryable = (status: number) => status === 429 || status >= 500;

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or null. */
export function retryAfterMs(header: string | undefined, now: number): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The URL of Link: <…>; rel="next", resolved against the page's URL. */
export function linkNext(header: string | undefined, base: URL): URL | null {
  for (const part of (header ?? '').split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!)) return new URL(m[1]!, base);
  }
  return null;
}

interface Page {
  next: URL | null;
  bytes: number;
}

async function fetchPage(
  url: URL,
  ds: HttpSource,
  deps: { agent: Agent; allow: AllowList; budget: number; onRow: (row: unknown) => Promise<void> },
): Promise<Page> {
  const o = ds.options;
  const timeoutMs = o.timeoutMs ?? httpDefaults.timeoutMs;
  const where = `${url.origin}${url.pathname}`;
  for (let attempt = 0; ; attempt++) {
    checkTargetUrl(url.toString(), deps.allow);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        dispatcher: deps.agent,
        method: 'GET',
        headers: { accept: 'application/json, application/x-ndjson', ...o.headers },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs * 4),
      });
    } catch (err) {
      const failure =
        networkFailure(err, where, timeoutMs) ?? sourceError('Unreachable', `${where}: ${(err as Error).message}`);
      if (failure.code === 'TargetRefused' || attempt >= (o.retries ?? httpDefaults.retries)) throw failure;
      await wait(backoff(attempt));
      continue;
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return readPage(res, url, ds, deps);
    await res.body.dump().catch(() => undefined);
    const status = res.statusCode;
    if (retryable(status) && attempt < (o.retries ?? httpDefaults.retries)) {
      const asked = retryAfterMs(res.headers['retry-after'] as string | undefined, Date.now());
      if (asked !== null && asked > httpDefaults.maxRetryAfterMs)
        throw sourceError('Unreachable', `${where} answered ${status} and asks to retry after ${asked / 1000} s`);
      await wait(asked ?? backoff(attempt));
      continue;
    }
    if (status === 401 || status === 403) throw sourceError('BadCredentials', `${where} answered ${status}`);
    if (status === 404 || status === 410) throw sourceError('MissingTable', `${where} answered ${status}`);
    if (status >= 300 && status < 400)
      throw sourceError('QueryFailed', `${where} answered a redirect (${status}), which is not followed`);
    throw sourceError(status === 429 || status >= 500 ? 'Unreachable' : 'QueryFailed', `${where} answered ${status}`);
  }
}

const backoff = (attempt: number) => Math.min(500 * 2 ** attempt, 10_000);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readPage(
  res: Awaited<ReturnType<typeof request>>,
  url: URL,
  ds: HttpSource,
  deps: { budget: number; onRow: (row: unknown) => Promise<void> },
): Promise<Page> {
  const o = ds.options;
  const type = String(res.headers['content-type'] ?? '');
  const ndjson = o.format ? o.format === 'ndjson' : /ndjson|jsonl|json-seq/i.test(type);
  const tooLarge = () =>
    sourceError(
      'QueryFailed',
      `the answers are larger than ${o.maxBytes ?? httpDefaults.maxBytes} bytes (options.maxBytes)`,
    );
  let bytes = 0;
  if (ndjson) {
    let rest = '';
    let line = 0;
    const take = async (text: string) => {
      line++;
      if (text.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch {
        throw new TaskError('MalformedAnswer', `${url.pathname}: line ${line} is not JSON`);
      }
      await deps.onRow(row);
    };
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > deps.budget) throw tooLarge();
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) await take(p);
    }
    await take(rest);
    return { next: linkNext(res.headers.link as string | undefined, url), bytes };
  }
  const chunks: Buffer[] = [];
  const limit = Math.min(deps.budget, httpDefaults.maxJsonPage);
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > limit) throw tooLarge();
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new TaskError('MalformedAnswer', `${url.pathname}: the answer is not JSON`);
  }
  let rows: unknown;
  if (o.rowsPath) {
    rows =
      body && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)[o.rowsPath]
        : undefined;
    if (!Array.isArray(rows))
      throw new TaskError('MalformedAnswer', `the answer has no array in field "${o.rowsPath}" (options.rowsPath)`);
  } else if (Array.isArray(body)) rows = body;
  else
    throw new TaskError(
      'MalformedAnswer',
      'the answer is not a JSON array; name the field holding the rows in options.rowsPath',
    );
  for (const row of rows as unknown[]) await deps.onRow(row);
  return { next: nextOf(body, url, ds, res.headers.link as string | undefined, (rows as unknown[]).length), bytes };
}

function nextOf(body: unknown, url: URL, ds: HttpSource, link: string | undefined, rows: number): URL | null {
  const o = ds.options;
  const field = (name: string) =>
    body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;
  if (o.nextPath) {
    const next = field(o.nextPath);
    return typeof next === 'string' && next !== '' ? new URL(next, url) : null;
  }
  if (o.cursorParam && o.cursorPath) {
    const cursor = field(o.cursorPath);
    if ((typeof cursor !== 'string' && typeof cursor !== 'number') || cursor === '' || rows === 0) return null;
    const next = new URL(url);
    next.searchParams.set(o.cursorParam, String(cursor));
    return next;
  }
  return linkNext(link, url);
}

/** Reads every page (or the first only) and writes each row as one line of NDJSON into `file`. */
export async function readHttpRows(
  ds: HttpSource,
  opts: {
    allow: AllowList;
    file: string;
    firstPageOnly?: boolean;
    maxRows?: number;
    isCanceled?: () => boolean;
    /** Told the rows read so far after each page (progress). */
    onRows?: (rows: number) => void;
  },
): Promise<HttpReadResult> {
  const o = ds.options;
  const start = checkTargetUrl(ds.location, opts.allow);
  const agent = agentFor(opts.allow, o.timeoutMs ?? httpDefaults.timeoutMs);
  const out = createWriteStream(opts.file);
  let rows = 0;
  let bytes = 0;
  let pages = 0;
  const onRow = async (row: unknown) => {
    if (opts.maxRows !== undefined && rows >= opts.maxRows) return;
    if (!row || typeof row !== 'object' || Array.isArray(row))
      throw new TaskError('MalformedAnswer', `row ${rows + 1} is not a JSON object`);
    rows++;
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  };
  try {
    let url: URL | null = start;
    while (url) {
      if (opts.isCanceled?.()) throw new TaskError('Canceled', 'the refresh was canceled');
      if (pages >= (o.maxPages ?? httpDefaults.maxPages))
        throw sourceError('QueryFailed', `the API has more than ${pages} pages (options.maxPages)`);
      if (url.origin !== start.origin)
        throw sourceError(
          'TargetRefused',
          `the next page ${url.origin} is on another origin than ${start.origin}; it is not followed`,
        );
      const page: Page = await fetchPage(url, ds, {
        agent,
        allow: opts.allow,
        budget: (o.maxBytes ?? httpDefaults.maxBytes) - bytes,
        onRow,
      });
      bytes += page.bytes;
      pages++;
      opts.onRows?.(rows);
      url = opts.firstPageOnly || (opts.maxRows !== undefined && rows >= opts.maxRows) ? null : page.next;
    }
  } catch (err) {
    if (err instanceof TaskError) throw err;
    throw sourceError(errCode(err), (err as Error).message);
  } finally {
    out.end();
    await once(out, 'close');
    await agent.close();
  }
  return { rows, bytes, pages };
}

const errCode = (err: unknown) =>
  (err as { code?: string }).code === 'TargetRefused' ? 'TargetRefused' : 'QueryFailed';
