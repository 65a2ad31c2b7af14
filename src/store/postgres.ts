// PostgreSQL adapter over pg. `?` placeholders are numbered ($1, $2 …); BIGINT and NUMERIC come back as numbers.
// A transaction holds one pooled client; withLock uses a session advisory lock on a dedicated client. Code running
// inside a transaction's callback joins it even through the pool handle (an ambient transaction, tracked with
// AsyncLocalStorage; see sqlite.ts).
import pg from 'pg';
import type { Batches } from './ambient.ts';
import { ambient, flushBatches, joinedTx, openBatch } from './ambient.ts';
import type { Db, SqlValue, TxOptions } from './db.ts';

pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const numbered = new Map<string, string>();
function number(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    numbered.set(sql, out);
  }
  return out;
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

export interface PostgresOptions {
  connectionString: string;
  /** Schema for every table (created if missing); default "public". Tests use one schema each. */
  schema?: string;
  /** Pool size; default 10. */
  max?: number;
}

export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const schema = opts.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => undefined);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const owner = {};
  const current = (inTx: boolean): Db | undefined => (inTx ? undefined : joinedTx(owner));
  const make = (q: Queryable, inTx: boolean, pending: Array<() => void> = [], batches: Batches = new Map()): Db => {
    const self: Db = {
      dialect: 'postgres',
      all: async <T>(sql: string, params: SqlValue[] = []) =>
        current(inTx)?.all<T>(sql, params) ?? ((await q.query(number(sql), params)).rows as T[]),
      get: async <T>(sql: string, params: SqlValue[] = []) =>
        current(inTx)?.get<T>(sql, params) ?? ((await q.query(number(sql), params)).rows[0] as T | undefined),
      run: async (sql: string, params: SqlValue[] = []) =>
        current(inTx)?.run(sql, params) ?? { changes: (await q.query(number(sql), params)).rowCount ?? 0 },
      tx: async <T>(fn: (tx: Db) => Promise<T>, opts?: TxOptions): Promise<T> => {
        if (inTx) return fn(self);
        const joined = current(inTx);
        if (joined) return fn(joined);
        const client = await pool.connect();
        const after: Array<() => void> = [];
        const batches: Batches = new Map();
        const state = { owner, open: true, tx: make(client, true, after, batches) };
        try {
          // One round trip: a simple query may hold both statements.
          await client.query(opts?.flush === 'lazy' ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
          const out = await ambient.run(state, async () => {
            const result = await fn(state.tx);
            await flushBatches(batches, state.tx);
            return result;
          });
          state.open = false;
          await client.query('COMMIT');
          for (const f of after) f();
          return out;
        } catch (err) {
          state.open = false;
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
      },
      withLock: async <T>(key: string, fn: () => Promise<T>): Promise<T | undefined> => {
        const client = await pool.connect();
        try {
          const got = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`${schema}:${key}`]);
          if (!(got.rows[0] as { ok: boolean }).ok) return undefined;
          try {
            return await fn();
          } finally {
            await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`${schema}:${key}`]);
          }
        } finally {
          client.release();
        }
      },
      afterCommit: (f) => {
        const joined = current(inTx);
        if (joined) joined.afterCommit(f);
        else if (inTx) pending.push(f);
        else f();
      },
      batch: (key, open, flush) => {
        const joined = current(inTx);
        if (joined) return joined.batch(key, open, flush);
        if (!inTx) throw new Error('batch() outside a transaction');
        return openBatch(batches, key, open, flush);
      },
      close: async () => {
        await pool.end();
      },
    };
    return self;
  };
  return make(pool, false);
}
