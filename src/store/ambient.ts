// The ambient transaction: inside a transaction's callback, calls through the outer Db handle join the transaction
// (see sqlite.ts, postgres.ts). Work that must not join it — a worker woken from inside a request — starts detached.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './db.ts';

export interface AmbientTx {
  /** The adapter whose transaction this is (several stores may live in one process). */
  owner: object;
  /** False once the transaction ended: work that outlives it uses its own transactions again. */
  open: boolean;
  tx: Db;
}

export const ambient = new AsyncLocalStorage<AmbientTx>();

/** The open ambient transaction of `owner`, if the caller runs inside one. */
export function joinedTx(owner: object): Db | undefined {
  const a = ambient.getStore();
  return a?.open && a.owner === owner ? a.tx : undefined;
}

/** Runs fn outside any ambient transaction: fire-and-forget work started from inside one (waking a worker) must not
 * join it, or it would run on a connection about to be committed and released. */
export const detached = <T>(fn: () => T): T => ambient.exit(fn);

interface OpenBatch {
  value: unknown;
  flush: (tx: Db, batch: unknown) => Promise<void>;
}

/** A transaction's open batches (Db.batch), by key, in the order they were opened. */
export type Batches = Map<object, OpenBatch>;

/** The batch for `key` in `batches`, opened if it is not there yet. */
export function openBatch<T>(
  batches: Batches,
  key: object,
  open: () => T,
  flush: (tx: Db, batch: T) => Promise<void>,
): T {
  let b = batches.get(key);
  if (!b) {
    b = { value: open(), flush: flush as OpenBatch['flush'] };
    batches.set(key, b);
  }
  return b.value as T;
}

/** Flushes a transaction's batches until none is left; a flush may open a batch, which is flushed after it. */
export async function flushBatches(batches: Batches, tx: Db): Promise<void> {
  for (let i = 0; i < 1000 && batches.size > 0; i++) {
    const [key, b] = batches.entries().next().value as [object, OpenBatch];
    batches.delete(key);
    await b.flush(tx, b.value);
  }
  if (batches.size > 0) throw new Error('transaction batches kept opening new batches');
}
