// SQLite adapter over node:sqlite. One connection in WAL mode; statements are synchronous, so a promise-chain lock
// keeps an open transaction from interleaving with other callers' statements. Code running inside a transaction's
// callback joins that transaction even when it uses the outer handle (an ambient transaction, tracked with
// AsyncLocalStorage): a request handler wrapped in one transaction (the audit seam, src/http/audit-seam.ts) then
// commits its change and its audit row together, whatever service handles it calls.
import { chmodSync, closeSync, openSync } from 'node:fs';
import { backup, DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { Batches } from './ambient.ts';
import { ambient, flushBatches, joinedTx, openBatch } from './ambient.ts';
import type { Db, SqlValue, TxOptions } from './db.ts';

/** Opens (or creates) the database file, readable and writable by its owner only: SQLite gives its -wal and -shm
 * files the main file's mode. */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') {
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  }
  const db = new DatabaseSync(file);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(db, file);
  const cache = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      st.setReadBigInts(false);
      cache.set(sql, st);
      if (cache.size > 500) cache.delete(cache.keys().next().value as string);
    }
    return st;
  };
  let lock: Promise<unknown> = Promise.resolve();
  const locks = new Set<string>();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = lock.then(fn, fn);
    lock = result.catch(() => undefined);
    return result;
  };
  let pending: Array<() => void> = [];
  let batches: Batches = new Map();
  const owner = {};
  const joined = (inTx: boolean): boolean => inTx || joinedTx(owner) !== undefined;
  /** BEGIN … COMMIT around fn, holding the lock; batches are flushed before COMMIT, after-commit callbacks run once
   * it has committed. */
  const transaction = async <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    db.exec('BEGIN IMMEDIATE');
    pending = [];
    batches = new Map();
    const state = { owner, open: true, tx: inner };
    try {
      const out = await ambient.run(state, async () => {
        const result = await fn(inner);
        await flushBatches(batches, inner);
        return result;
      });
      state.open = false;
      db.exec('COMMIT');
      const run = pending;
      pending = [];
      for (const f of run) f();
      return out;
    } catch (err) {
      state.open = false;
      db.exec('ROLLBACK');
      pending = [];
      batches = new Map();
      throw err;
    }
  };
  const direct = (inTx: boolean): Db => ({
    dialect: 'sqlite',
    all: async <T>(sql: string, params: SqlValue[] = []) =>
      joined(inTx) ? (prepare(sql).all(...params) as T[]) : exclusive(async () => prepare(sql).all(...params) as T[]),
    get: async <T>(sql: string, params: SqlValue[] = []) =>
      joined(inTx)
        ? (prepare(sql).get(...params) as T | undefined)
        : exclusive(async () => prepare(sql).get(...params) as T | undefined),
    run: async (sql: string, params: SqlValue[] = []) => {
      const exec = () => ({ changes: Number(prepare(sql).run(...params).changes) });
      return joined(inTx) ? exec() : exclusive(async () => exec());
    },
    tx: async <T>(fn: (tx: Db) => Promise<T>, opts?: TxOptions): Promise<T> => {
      if (joined(inTx)) return fn(inner);
      return exclusive(async () => {
        // In WAL mode NORMAL writes the commit to the WAL without an fsync; the next FULL commit (or a checkpoint)
        // syncs it together with everything before it.
        const lazy = opts?.flush === 'lazy';
        if (lazy) db.exec('PRAGMA synchronous = NORMAL');
        try {
          return await transaction(fn);
        } finally {
          if (lazy) db.exec('PRAGMA synchronous = FULL');
        }
      });
    },
    withLock: async <T>(key: string, fn: () => Promise<T>): Promise<T | undefined> => {
      if (locks.has(key)) return undefined;
      locks.add(key);
      try {
        return await fn();
      } finally {
        locks.delete(key);
      }
    },
    afterCommit: (f) => {
      if (joined(inTx)) pending.push(f);
      else f();
    },
    batch: (key, open, flush) => {
      if (!joined(inTx)) throw new Error('batch() outside a transaction');
      return openBatch(batches, key, open, flush);
    },
    backup: async (file: string) => {
      await backup(db, file);
    },
    close: async () => {
      await lock;
      await checkpointer?.stop();
      db.close();
    },
  });
  const inner = direct(true);
  return direct(false);
}

/** Log pages after which the writing connection checkpoints by itself: only when the checkpoint thread falls far
 * behind or has stopped (SQLite's default is 1,000, checkpointed after every commit that reaches it). */
const backstopPages = 10_000;

/** Moves the write-ahead log's checkpoints off the event loop, to a thread of their own (checkpoint-thread.ts). */
function startCheckpointer(db: DatabaseSync, file: string): { stop(): Promise<void> } {
  db.exec(`PRAGMA wal_autocheckpoint = ${backstopPages}`);
  const thread = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), {
    workerData: { file, intervalMs: 100 },
  });
  thread.unref();
  let running = true;
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  // A thread that failed (its connection could not open, or a checkpoint failed) leaves checkpoints to the writer.
  thread.once('error', () => {
    if (running) db.exec('PRAGMA wal_autocheckpoint = 1000');
  });
  return {
    stop: async () => {
      running = false;
      thread.ref();
      thread.postMessage('stop');
      await exited;
    },
  };
}
