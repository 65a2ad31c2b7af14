// What a delivery attempt's result means for the delivery: done, try again later, give up, or give up and disable
// the subscription. Pure, so the rules are tested as a table.
//   2xx                          → succeeded
//   410 Gone                     → failed, and the subscription is disabled
//   refused address, invalid URL → failed at once (the address policy will not change its mind)
//   4xx except 408/409/425/429   → failed at once (the receiver rejects this request; sending it again won't help)
//   3xx, 408, 409, 425, 429, 5xx, timeouts, connection failures → retried on the schedule until the horizon
import type { HttpResult } from './http-sender.ts';
import { nextAttemptDelay, parseRetryAfter } from './retry-schedule.ts';

export type Verdict =
  | { kind: 'succeeded' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed'; reason: string; disableSubscription: boolean };

const retryable4xx = new Set([408, 409, 425, 429]);

export interface VerdictInput {
  result: HttpResult;
  /** Failed attempts of this round including this one (1 after the first failure). */
  attempt: number;
  firstAttemptAt: Date;
  now: Date;
  schedule: readonly number[];
  random: () => number;
}

export function judgeAttempt(i: VerdictInput): Verdict {
  const { result } = i;
  const code = result.statusCode;
  if (code !== null && code >= 200 && code < 300) return { kind: 'succeeded' };
  if (code === 410) return { kind: 'failed', reason: 'the target answered 410 Gone', disableSubscription: true };
  if (result.error?.code === 'TargetRefused' || result.error?.code === 'InvalidUrl')
    return { kind: 'failed', reason: result.error.message, disableSubscription: false };
  if (code !== null && code >= 400 && code < 500 && !retryable4xx.has(code))
    return { kind: 'failed', reason: `the target answered ${code}`, disableSubscription: false };
  const retryAfterMs = code === 429 || code === 503 ? parseRetryAfter(result.headers['retry-after'], i.now) : undefined;
  const delayMs = nextAttemptDelay({
    attempt: i.attempt,
    firstAttemptAt: i.firstAttemptAt,
    now: i.now,
    schedule: i.schedule,
    retryAfterMs,
    random: i.random,
  });
  if (delayMs === null)
    return { kind: 'failed', reason: 'gave up: the retry horizon has passed', disableSubscription: false };
  return { kind: 'retry', delayMs };
}

/** One line for the attempt log: the sender's error, or the status code. */
export const attemptError = (r: HttpResult): string | null =>
  r.error
    ? `${r.error.code}: ${r.error.message}`
    : r.statusCode !== null && (r.statusCode < 200 || r.statusCode >= 300)
      ? `HTTP ${r.statusCode}`
      : null;
