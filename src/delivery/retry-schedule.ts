// When to try a failed delivery again: the schedule's steps (default 1s, 5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h, 8h), then
// the last step again and again until 72 h after the first attempt, each with ±10 % jitter. After a 429 or 503 with
// Retry-After the delay is max(step, Retry-After), the Retry-After capped at 2 h so a receiver cannot park deliveries.

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "1s,5s,30s,2m" (units ms, s, m, h, d) into milliseconds; throws naming the bad item. */
export function parseRetrySchedule(text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new Error('the retry schedule is empty; give durations such as 1s,5s,30s');
  return items.map((item, i) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(item);
    if (!m) {
      throw new Error(`retry schedule item ${i + 1} "${item}" is not a duration such as 500ms, 5s, 2m, 1h or 1d`);
    }
    return Math.round(Number(m[1]) * (units[m[2] as string] as number));
  });
}

export const defaultRetrySchedule: readonly number[] = Object.freeze(
  parseRetrySchedule('1s,5s,30s,2m,10m,30m,1h,2h,4h,8h'),
);

const hour = 3_600_000;

export interface NextAttemptInput {
  /** Failed attempts so far, 1-based (1 after the first failure). */
  attempt: number;
  firstAttemptAt: Date;
  now: Date;
  /** Delays in ms, at least one; the last repeats. */
  schedule: readonly number[];
  /** From a 429 or 503 response's Retry-After, ms. */
  retryAfterMs?: number | undefined;
  /** Returns a number in [0, 1); injected so tests control jitter. */
  random: () => number;
  /** Fraction of jitter either way; default 0.1 (±10 %). */
  jitter?: number;
  /** Give up once the next attempt would be later than this after the first attempt, ms; default 72 h. */
  horizonMs?: number;
  /** Largest honoured Retry-After, ms; default 2 h. */
  retryAfterCapMs?: number;
}

/** Delay before the next attempt in ms, or null when that attempt would fall beyond the horizon. */
export function nextAttemptDelay(i: NextAttemptInput): number | null {
  if (i.schedule.length === 0) throw new Error('the retry schedule is empty');
  if (!Number.isInteger(i.attempt) || i.attempt < 1) throw new Error(`attempt must be 1 or more, not ${i.attempt}`);
  const step = i.schedule[Math.min(i.attempt, i.schedule.length) - 1] as number;
  const jitter = i.jitter ?? 0.1;
  let delay = step * (1 + jitter * (2 * i.random() - 1));
  if (i.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(i.retryAfterMs, i.retryAfterCapMs ?? 2 * hour));
  const horizon = i.horizonMs ?? 72 * hour;
  if (i.now.getTime() + delay - i.firstAttemptAt.getTime() > horizon) return null;
  return Math.round(delay);
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now.getTime());
}
