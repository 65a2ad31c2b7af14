// SQLite adapter over node:sqlite. One connection in WAL mode; statements are synchronous, so a promise-chain lock
// keeps an open transaction from interleaving with other callers' statements. Code running inside a transaction's
// callback joins that transaction even when it uses the outer handle (an ambient transaction, tracked with
// AsyncLocalStorage): a request handler wrapped in one transaction (the audit seam, src/http/audit-seam.ts) then
// commits its change and its audit row together, whatever service handles it calls. A transaction that must survive
// a power failure is made durable by an fsync of the write-ahead log on libuv's thread pool (syncLog), not inside
// COMMIT on the event loop.
import { chmodSync, closeSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { backup, DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { boundedMemo } from '../core/memo.ts';
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
  const log = walOf(db) ? syncLog(`${file}-wal`) : undefined;
  const prepare = boundedMemo(500, (sql): StatementSync => {
    const st = db.prepare(sql);
    st.setReadBigInts(false);
    return st;
  });
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
  /** BEGIN … COMMIT around fn, holding the lock; batches are flushed before COMMIT; `durable` (the log's fsync) runs
   * after it, still holding the lock, and after-commit callbacks once that is done. */
  const transaction = async <T>(fn: (tx: Db) => Promise<T>, durable?: () => Promise<void>): Promise<T> => {
    db.exec('BEGIN IMMEDIATE');
    pending = [];
    batches = new Map();
    const state = { owner, open: true, tx: inner };
    let out: T;
    try {
      out = await ambient.run(state, async () => {
        const result = await fn(inner);
        await flushBatches(batches, inner);
        return result;
      });
      state.open = false;
      db.exec('COMMIT');
    } catch (err) {
      state.open = false;
      db.exec('ROLLBACK');
      pending = [];
      batches = new Map();
      throw err;
    }
    const run = pending;
    pending = [];
    await durable?.();
    for (const f of run) f();
    return out;
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
        // In WAL mode NORMAL writes the commit to the log without an fsync; the next fsync of the log (a full
        // commit's, or a checkpoint's) makes it durable together with everything before it. A full commit is one
        // written so and then synced off the event loop before the transaction resolves: no statement runs on this
        // connection (the only writer) before the commit is on disk, so nothing reads it or builds on it earlier.
        const lazy = opts?.flush === 'lazy';
        const normal = lazy || log !== undefined;
        if (normal) db.exec('PRAGMA synchronous = NORMAL');
        try {
          return await transaction(fn, lazy ? undefined : log?.sync);
        } finally {
          if (normal) db.exec('PRAGMA synchronous = FULL');
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
      await log?.close();
      db.close();
    },
  });
  const inner = direct(true);
  return direct(false);
}

/** Whether the connection writes a write-ahead log (not so for `:memory:`, or where WAL could not be enabled). */
const walOf = (db: DatabaseSync): boolean =>
  (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode === 'wal';

/** fsyncs the write-ahead log on libuv's thread pool: what `synchronous = FULL` does at the end of each commit, while
 * the event loop goes on. The log keeps its file while the database is open (checkpoints restart it in place). */
function syncLog(walFile: string): { sync: () => Promise<void>; close: () => Promise<void> } {
  let handle: FileHandle | undefined;
  return {
    sync: async () => {
      handle ??= await open(walFile, 'r+');
      await handle.sync();
    },
    close: async () => {
      await handle?.close();
      handle = undefined;
    },
  };
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
