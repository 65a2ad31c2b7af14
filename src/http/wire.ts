// How the application reads a request's headers and writes its answer without the costliest steps of the fetch API
// on Node (ADR 0075): a header is read from Node's raw request head (no Headers object of the whole request is built),
// and the headers every answer to a request carries (its request id, its connection's rate-limit state) are kept as
// a plain record and written with the answer, a Response with plain-object headers that @hono/node-server hands to
// node:http as they are. A Response built elsewhere (a sign-in page, the web UI, a handler's own Response) gets
// them added once its handler has run.
import type { Context } from 'hono';

interface NodeIncoming {
  rawHeaders: string[];
}

/** The headers of the answer to one request, and the answer when the application built it with them. */
interface Answer {
  headers: Record<string, string>;
  response: Response | undefined;
}

const answerKey = 'answer' as never;

/** A request header as the fetch API's Headers would give it (repeated fields joined with ", "), or undefined. */
export function headerOf(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const raw = incoming.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const field = raw[i] as string;
    if (field.length === name.length && field.toLowerCase() === name)
      value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  return value;
}

/** Starts the answer to a request: every answer carries `headers` (lower-case names). */
export function startAnswer(c: Context, headers: Record<string, string>): void {
  c.set(answerKey, { headers, response: undefined } satisfies Answer as never);
}

/** Adds a header (lower-case name) to the answer of the request. */
export function answerHeader(c: Context, name: string, value: string): void {
  (c.get(answerKey) as Answer).headers[name] = value;
}

/** The answer: `body` as JSON (or no body when undefined), with the request's headers and `extra` (lower-case). */
export function answer(c: Context, status: number, body: unknown, extra?: Record<string, string>): Response {
  const a = c.get(answerKey) as Answer | undefined;
  const headers = a ? a.headers : {};
  if (extra) Object.assign(headers, extra);
  if (body === undefined) {
    delete headers['content-type'];
    return remember(a, new Response(null, { status, headers }));
  }
  headers['content-type'] = 'application/json';
  return remember(a, new Response(JSON.stringify(body), { status, headers }));
}

const remember = (a: Answer | undefined, response: Response): Response => {
  if (a) a.response = response;
  return response;
};

/** Gives the request's headers to the response of its handler when it was built elsewhere than by `answer`. */
export function finishAnswer(c: Context, response: Response): void {
  const a = c.get(answerKey) as Answer | undefined;
  if (!a || response === a.response) return;
  for (const [k, v] of Object.entries(a.headers)) response.headers.set(k, v);
}
