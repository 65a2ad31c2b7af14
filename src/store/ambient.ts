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
