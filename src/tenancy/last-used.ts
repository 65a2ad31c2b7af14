// Records when a connection was last used without a write per request: each node writes a connection's time at most
// once per interval (one UPDATE a minute per key at most, by default), so "last used" is exact to that interval.
import type { Db } from '../store/index.ts';

export interface LastUsedRecorder {
  /** Notes a use of the connection at `now`; returns the write when one is due (this node has not written it within
   * the interval), so that the calls in between need no await. */
  touch(connectionId: string, now: Date): Promise<void> | undefined;
}

/** Largest number of connections whose last write a node remembers; the oldest are forgotten first. */
const remembered = 10_000;

export function lastUsedRecorder(db: Db, opts: { intervalMs?: number } = {}): LastUsedRecorder {
  const intervalMs = opts.intervalMs ?? 60_000;
  const written = new Map<string, number>();
  return {
    touch: (connectionId, now) => {
      const at = now.getTime();
      const last = written.get(connectionId);
      if (last !== undefined && at - last < intervalMs) return undefined;
      written.delete(connectionId);
      written.set(connectionId, at);
      if (written.size > remembered) written.delete(written.keys().next().value as string);
      return db
        .run('UPDATE connections SET last_used_at = ? WHERE id = ?', [now.toISOString(), connectionId])
        .then(() => undefined);
    },
  };
}
