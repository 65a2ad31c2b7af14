// Per-connection rate limit over any rolling 60 s: a call is admitted only when fewer than `limit` calls were admitted
// in the 60 s before it (a sliding log, exact). One process keeps the log in memory; several nodes on PostgreSQL
// share it in a table, serialized per connection by the row lock of its counter (ADR 0015).
import type { Db } from '../store/index.ts';

export const rateWindowMs = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a slot frees up (when refused) or until the window's oldest call leaves it. */
  resetSeconds: number;
  /** Set when the shared log found the connection revoked (by another node, after this one cached it). */
  revoked?: true;
}

export interface RateLimiter {
  /** The decision on a call; at once (no promise) when it needs no I/O, as with the in-memory log. */
  hit(connectionId: string, limit: number, nowMs: number): RateDecision | Promise<RateDecision>;
}

const decide = (oldest: number | undefined, count: number, limit: number, nowMs: number, admitted: boolean) => {
  const resetSeconds = oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + rateWindowMs - nowMs) / 1000));
  return { allowed: admitted, limit, remaining: Math.max(0, limit - count), resetSeconds };
};

/** One connection's admitted calls, oldest first, from `head` on (a queue: dropping the expired is O(1) a call). */
interface CallLog {
  times: number[];
  head: number;
}

export function memoryRateLimiter(): RateLimiter {
  const logs = new Map<string, CallLog>();
  return {
    hit: (connectionId, limit, nowMs) => {
      let log = logs.get(connectionId);
      if (!log) logs.set(connectionId, (log = { times: [], head: 0 }));
      const { times } = log;
      const from = nowMs - rateWindowMs;
      while (log.head < times.length && (times[log.head] as number) <= from) log.head++;
      if (log.head > 1024 && log.head * 2 > times.length) {
        times.splice(0, log.head);
        log.head = 0;
      }
      const count = times.length - log.head;
      if (count >= limit) return decide(times[log.head], count, limit, nowMs, false);
      times.push(nowMs);
      return decide(times[log.head], count + 1, limit, nowMs, true);
    },
  };
}

interface Waiting {
  nowMs: number;
  limit: number;
  resolve: (d: RateDecision) => void;
  reject: (err: unknown) => void;
}

interface HitRow {
  admitted: number;
  in_window: number;
  oldest_ms: number | null;
  revoked: boolean | null;
}

/** The shared log on PostgreSQL (ADR 0015): one call of the function rate_limit_hit (migration 0015) per round trip,
 * the connection's row lock held only while it runs. While a connection's call is under way, its next calls on this
 * node wait and then go together in one round trip, decided as simultaneous calls at the time of that round trip:
 * the first of them that fit under the limit are admitted, the rest refused — exact, without one round trip (and
 * one turn of the lock) per call. It also reads whether the connection was revoked, so that principals cached by
 * every node learn of a revocation on another node at once. */
export function sharedRateLimiter(db: Db): RateLimiter {
  const queues = new Map<string, Waiting[]>();

  const decideBatch = async (connectionId: string, batch: Waiting[]): Promise<void> => {
    const limit = Math.min(...batch.map((w) => w.limit));
    const nowMs = Math.max(...batch.map((w) => w.nowMs));
    try {
      const r = await db.get<HitRow>(
        'SELECT admitted, in_window, oldest_ms, revoked FROM rate_limit_hit(?, ?, ?, ?, ?)',
        [connectionId, nowMs, rateWindowMs, limit, batch.length],
      );
      if (!r) throw new Error('rate_limit_hit returned no row');
      const admitted = Number(r.admitted);
      const before = Number(r.in_window) - admitted;
      const oldest = r.oldest_ms === null ? undefined : Number(r.oldest_ms);
      batch.forEach((w, i) => {
        const d =
          i < admitted
            ? decide(oldest, before + i + 1, limit, nowMs, true)
            : decide(oldest, before + admitted, limit, nowMs, false);
        w.resolve(r.revoked === true ? { ...d, revoked: true } : d);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };

  const drain = async (connectionId: string): Promise<void> => {
    for (let queue = queues.get(connectionId); queue && queue.length > 0; queue = queues.get(connectionId)) {
      queues.set(connectionId, []);
      await decideBatch(connectionId, queue);
    }
    queues.delete(connectionId);
  };

  return {
    hit: (connectionId, limit, nowMs) =>
      new Promise<RateDecision>((resolve, reject) => {
        const queue = queues.get(connectionId);
        if (queue) {
          queue.push({ nowMs, limit, resolve, reject });
          return;
        }
        queues.set(connectionId, [{ nowMs, limit, resolve, reject }]);
        void drain(connectionId);
      }),
  };
}
