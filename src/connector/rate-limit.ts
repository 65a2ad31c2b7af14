// Per-connection rate limit over any rolling 60 s: a call is admitted only when fewer than `limit` calls were admitted
// in the 60 s before it (a sliding log, exact). One process keeps the log in memory; several nodes on PostgreSQL
// share it in a table, serialized per connection by a transaction-scoped advisory lock.
import type { Db } from '../store/index.ts';

export const rateWindowMs = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a slot frees up (when refused) or until the window's oldest call leaves it. */
  resetSeconds: number;
}

export interface RateLimiter {
  hit(connectionId: string, limit: number, nowMs: number): Promise<RateDecision>;
}

const decide = (times: number[], limit: number, nowMs: number, admitted: boolean): RateDecision => {
  const oldest = times[0];
  const resetSeconds = oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + rateWindowMs - nowMs) / 1000));
  return { allowed: admitted, limit, remaining: Math.max(0, limit - times.length), resetSeconds };
};

export function memoryRateLimiter(): RateLimiter {
  const logs = new Map<string, number[]>();
  return {
    hit: async (connectionId, limit, nowMs) => {
      let times = logs.get(connectionId);
      if (!times) logs.set(connectionId, (times = []));
      const from = nowMs - rateWindowMs;
      let drop = 0;
      while (drop < times.length && (times[drop] as number) <= from) drop++;
      if (drop > 0) times.splice(0, drop);
      if (times.length >= limit) return decide(times, limit, nowMs, false);
      times.push(nowMs);
      return decide(times, limit, nowMs, true);
    },
  };
}

export function sharedRateLimiter(db: Db): RateLimiter {
  let calls = 0;
  return {
    hit: (connectionId, limit, nowMs) =>
      db.tx(async (tx) => {
        await tx.get('SELECT pg_advisory_xact_lock(hashtext(?))', [`rate:${connectionId}`]);
        const from = nowMs - rateWindowMs;
        if (++calls % 100 === 0) await tx.run('DELETE FROM rate_limit_calls WHERE at_ms <= ?', [from]);
        const rows = await tx.all<{ at_ms: number }>(
          'SELECT at_ms FROM rate_limit_calls WHERE connection_id = ? AND at_ms > ? ORDER BY at_ms',
          [connectionId, from],
        );
        const times = rows.map((r) => Number(r.at_ms));
        if (times.length >= limit) return decide(times, limit, nowMs, false);
        await tx.run('INSERT INTO rate_limit_calls (connection_id, at_ms) VALUES (?, ?)', [connectionId, nowMs]);
        times.push(nowMs);
        return decide(times, limit, nowMs, true);
      }),
  };
}
