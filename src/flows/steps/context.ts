// What a step executor gets: a renderer for its templated fields, the triggering event, and the services it may call.
import type { SendHttp } from '../../delivery/http-sender.ts';

export interface MailMessage {
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface ItemsQuery {
  entity: string;
  /** OData $filter. */
  filter?: string;
  /** OData $select. */
  select?: string;
  /** Rows wanted; the reader clamps it to its maximum. */
  top?: number;
}

export interface StepContext {
  /** Renders a Liquid template over { event, steps }. */
  render: (template: string) => string;
  /** The event envelope that started the run (Teams lists its key facts). */
  event?: unknown;
  /** The guarded HTTP sender (address policy, no redirects, bounded times). */
  send: SendHttp;
  sendMail: (msg: MailMessage) => Promise<{ messageId: string; accepted: string[] }>;
  readItems: (q: ItemsQuery) => Promise<{ value: unknown[]; '@odata.nextLink'?: string }>;
}

/** A step failure with a code; the flow worker ends a run at once on permanent codes (TargetRefused,
 * ValidationFailed, TemplateError …) and retries the others with backoff. */
export class StepError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Sends JSON with the shared sender and turns anything but a 2xx answer into a StepError. */
export async function postJson(
  ctx: StepContext,
  url: string,
  payload: unknown,
): Promise<{ statusCode: number; body: string }> {
  const r = await ctx.send({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return expect2xx(r, url);
}

/** The status and body of a 2xx answer; otherwise a StepError with the sender's error code or HttpError. */
export function expect2xx(r: Awaited<ReturnType<SendHttp>>, url: string): { statusCode: number; body: string } {
  const where = redact(url);
  if (r.statusCode === null) {
    const code = r.error?.code ?? 'ConnectionFailed';
    // A URL or request the sender cannot send will not work on a retry either.
    const permanent = code === 'InvalidUrl' || code === 'InvalidRequest';
    throw new StepError(permanent ? 'ValidationFailed' : code, `${where}: ${r.error?.message ?? 'no answer'}`);
  }
  if (r.statusCode < 200 || r.statusCode >= 300) {
    const detail = r.error?.code === 'Redirect' ? ` (${r.error.message})` : r.body ? `: ${r.body.slice(0, 200)}` : '';
    throw new StepError('HttpError', `${where} answered ${r.statusCode}${detail}`);
  }
  return { statusCode: r.statusCode, body: r.body };
}

/** Webhook URLs carry their secret in the path or query; errors show only scheme, host and port. */
export function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the URL';
  }
}
