// Answers of reads on a published snapshot, kept for the next identical read: a published snapshot never changes, so
// a page of items (or one item) read once is the same for every later read of that snapshot version, and the next
// read needs no DuckDB query. Kept per local instance database and snapshot version (a new version empties it);
// reads of an entity with live real-time data are never kept. At most `maxRows` rows per instance (default 20,000;
// the least recently read answers go first).
import type { InstanceData } from '../datastore/index.ts';

/** Rows of kept answers per instance database. */
export const readCacheRows = 20_000;

interface Kept {
  version: number;
  rows: number;
  answers: Map<string, { value: unknown; rows: number }>;
}

const caches = new WeakMap<InstanceData, Kept>();

function keptFor(data: InstanceData, version: number): Kept {
  let kept = caches.get(data);
  if (!kept || kept.version !== version) {
    kept = { version, rows: 0, answers: new Map() };
    caches.set(data, kept);
  }
  return kept;
}

/** The kept answer of `key` on this snapshot version, computing and keeping it when there is none; `rows` says how
 * many rows an answer holds (its weight). */
export async function readThrough<T>(
  at: { data: InstanceData; version: number },
  key: string,
  compute: () => Promise<T>,
  rows: (value: T) => number,
  maxRows = readCacheRows,
): Promise<T> {
  const kept = keptFor(at.data, at.version);
  const hit = kept.answers.get(key);
  if (hit) {
    kept.answers.delete(key);
    kept.answers.set(key, hit);
    return hit.value as T;
  }
  const value = await compute();
  const weight = Math.max(1, rows(value));
  if (weight > maxRows || keptFor(at.data, at.version) !== kept) return value;
  kept.answers.set(key, { value, rows: weight });
  kept.rows += weight;
  for (const [k, v] of kept.answers) {
    if (kept.rows <= maxRows) break;
    kept.answers.delete(k);
    kept.rows -= v.rows;
  }
  return value;
}
