// The control-store interface both engines implement: SQLite (node:sqlite) and PostgreSQL (pg). Queries are written
// once with `?` placeholders; the PostgreSQL adapter numbers them. Data-access functions take a Db (or a transaction,
// which is a Db too) as their first argument, so transactions compose.

export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | bigint | null | Uint8Array;

export interface TxOptions {
  /** 'lazy': the commit may reach the disk shortly after it returns (SQLite `synchronous = NORMAL` for this
   * transaction, PostgreSQL `synchronous_commit = off`): it survives a crash of this process, but a power failure or
   * a crash of the machine (PostgreSQL: of its server) may lose it. Only for bookkeeping whose loss repeats work
   * that may be repeated (a delivery's claim and recorded outcome: the delivery is sent again). Default 'full'. */
  flush?: 'full' | 'lazy';
}

export interface Db {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
  /** Runs fn in one transaction; nested calls join the outer transaction (and its options). */
  tx<T>(fn: (tx: Db) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Runs fn holding a cluster-wide lock named `key` if it is free; returns undefined when another holder has it.
   * SQLite: process-wide. PostgreSQL: a session advisory lock held on one connection for the duration of fn. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Runs fn once the current transaction has committed (at once outside a transaction); used to wake workers. */
  afterCommit(fn: () => void): void;
  /** The current transaction's batch for `key`: made by `open` on first use, and written by `flush` inside the
   * transaction once its callback has returned, just before it commits (flush may open further batches). Lets many
   * small writes in one transaction become a few multi-row statements. Throws outside a transaction. */
  batch<T>(key: object, open: () => T, flush: (tx: Db, batch: T) => Promise<void>): T;
  /** SQLite only: a consistent copy of the live database into `file` (SQLite's online backup), while it runs. */
  backup?(file: string): Promise<void>;
  close(): Promise<void>;
}

/** `FOR UPDATE SKIP LOCKED` where the engine has it (PostgreSQL); SQLite serializes writers anyway. */
/** Rows of a multi-row statement, 500 at a time: well under the bind-parameter limits of SQLite and PostgreSQL. */
export function inChunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += 500) out.push(rows.slice(i, i + 500));
  return out;
}

export const skipLocked = (db: Db): string => (db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '');

export const toJson = (v: unknown): string => JSON.stringify(v ?? null);

export function fromJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
