// The DuckDB data store: one database file per instance in <dataDir>/data, so one instance never sees another's
// tables. Entities live in versioned physical tables ("CrmContacts__v7"); the control store's entity catalog says
// which version is published, so a refresh writes new tables and readers switch only when the catalog row changes.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Attribute, AttributeType } from './schema.ts';
import { backingPattern, logPartPattern, quoteIdent, unquoteIdent } from './schema.ts';

export interface DataStoreOptions {
  /** Folder for the per-instance DuckDB files and spill space. */
  dir: string;
  /** DuckDB memory limit per instance database, e.g. "1GB". */
  memoryLimit: string;
  /** DuckDB worker threads per database; default: all cores. */
  threads?: number;
  /** Read connections per instance; default 4. */
  readers?: number;
}

export interface InstanceData {
  /** Runs a read on one of the pooled read connections. */
  read<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Runs write work (ingest, unify, evaluate) on the instance's single writer connection, one at a time. */
  write<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Interrupts the statement the writer is running (used to cancel a job). */
  interruptWriter(): void;
}

export interface DataStore {
  instance(instanceId: string): Promise<InstanceData>;
  /** Instances that have a database file in this node's folder. */
  localInstances(): string[];
  /** Removes an instance's database file. */
  dropInstance(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

export function createDataStore(opts: DataStoreOptions): DataStore {
  mkdirSync(opts.dir, { recursive: true });
  const open = new Map<
    string,
    Promise<{ db: DuckDBInstance; data: InstanceData; conns: DuckDBConnection[]; settle: () => Promise<void> }>
  >();

  const openInstance = async (instanceId: string) => {
    if (!/^[A-Za-z0-9_-]+$/.test(instanceId)) throw new Error(`invalid instance id ${instanceId}`);
    const tmp = path.join(opts.dir, `${instanceId}.tmp`);
    mkdirSync(tmp, { recursive: true });
    const db = await DuckDBInstance.create(path.join(opts.dir, `${instanceId}.duckdb`), {
      memory_limit: opts.memoryLimit,
      temp_directory: tmp,
      // Pages that walk rowids rely on scans coming back in insertion order (odata/items.ts).
      preserve_insertion_order: 'true',
      ...(opts.threads ? { threads: String(opts.threads) } : {}),
    });
    const writer = await db.connect();
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < (opts.readers ?? 4); i++) readers.push(await db.connect());
    const idle = [...readers];
    const waiting: Array<(c: DuckDBConnection) => void> = [];
    let writeChain: Promise<unknown> = Promise.resolve();
    const reading = new Set<Promise<unknown>>();
    const data: InstanceData = {
      read: (fn) => {
        const run = (async () => {
          const conn = idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => waiting.push(resolve)));
          try {
            return await fn(conn);
          } finally {
            const next = waiting.shift();
            if (next) next(conn);
            else idle.push(conn);
          }
        })();
        const tracked = run.catch(() => undefined).finally(() => reading.delete(tracked));
        reading.add(tracked);
        return run;
      },
      write: (fn) => {
        const out = writeChain.then(() => fn(writer));
        writeChain = out.catch(() => undefined);
        return out;
      },
      interruptWriter: () => writer.interrupt(),
    };
    // Closing a connection while a statement runs on it deadlocks DuckDB (the statement's end releases the
    // connection's context while holding its lock), so closing waits for the work under way, including writes
    // launched after a commit and not awaited by anyone (dropping replaced tables).
    const settle = async () => {
      for (let i = 0; i < 1000; i++) {
        const chain = writeChain;
        await Promise.all([chain, ...reading]);
        if (chain === writeChain && reading.size === 0) return;
      }
    };
    return { db, data, conns: [writer, ...readers], settle };
  };

  return {
    instance: async (instanceId) => {
      let p = open.get(instanceId);
      if (!p) {
        p = openInstance(instanceId);
        open.set(instanceId, p);
        p.catch(() => open.delete(instanceId));
      }
      return (await p).data;
    },
    localInstances: () =>
      readdirSync(opts.dir)
        .filter((f) => f.endsWith('.duckdb'))
        .map((f) => f.slice(0, -'.duckdb'.length)),
    dropInstance: async (instanceId) => {
      const p = open.get(instanceId);
      open.delete(instanceId);
      if (p) {
        const { db, conns, settle } = await p;
        await settle();
        for (const c of conns) c.closeSync();
        db.closeSync();
      }
      rmSync(path.join(opts.dir, `${instanceId}.duckdb`), { force: true });
      rmSync(path.join(opts.dir, `${instanceId}.duckdb.wal`), { force: true });
    },
    close: async () => {
      for (const p of open.values()) {
        const opened = await p.catch(() => undefined);
        if (!opened) continue;
        await opened.settle();
        for (const c of opened.conns) c.closeSync();
        opened.db.closeSync();
      }
      open.clear();
    },
  };
}

/** Physical table name of one version of an entity. */
export const physicalName = (entity: string, version: number): string => quoteIdent(`${entity}__v${version}`);

/** Maps a DuckDB column type to an attribute type; anything not numeric, boolean or temporal is a string. */
export function attributeTypeOf(duckType: string): AttributeType {
  const t = duckType.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t))
    return 'integer';
  if (/^(FLOAT|DOUBLE|REAL)$/.test(t) || t.startsWith('DECIMAL')) return 'decimal';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  return 'string';
}

/** The DuckDB type that stores an attribute type. */
export const duckTypeOf = (t: AttributeType): string =>
  ({
    integer: 'BIGINT',
    decimal: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    string: 'VARCHAR',
  })[t];

/** Column names and attribute types of a physical table. */
export async function describeTable(conn: DuckDBConnection, table: string): Promise<Attribute[]> {
  const r = await conn.runAndReadAll(`DESCRIBE ${table}`);
  return r
    .getRowObjectsJS()
    .map((row) => ({ name: row.column_name as string, type: attributeTypeOf(row.column_type as string) }));
}

export async function countRows(conn: DuckDBConnection, table: string): Promise<number> {
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${table}`);
  return Number(r.getRowObjectsJS()[0]?.n ?? 0);
}

export async function queryRows(
  conn: DuckDBConnection,
  sql: string,
  params: DuckDBValue[] = [],
): Promise<Record<string, unknown>[]> {
  const r = await conn.runAndReadAll(sql, params);
  return r.getRowObjectsJS();
}

/** Prepared statements kept per connection (the least recently used go first). */
export const preparedPerConnection = 64;

const prepared = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

/**
 * Runs a query through a prepared statement kept on its connection for the next run of the same SQL: a read then
 * skips parsing and planning, one round trip to DuckDB's threads in place of three. Only for SQL whose text names
 * what it reads (a versioned table): a statement whose run fails is dropped (e.g. its table was dropped).
 */
export async function runPrepared(
  conn: DuckDBConnection,
  sql: string,
  params: DuckDBValue[] = [],
): Promise<DuckDBResultReader> {
  let kept = prepared.get(conn);
  if (!kept) prepared.set(conn, (kept = new Map<string, DuckDBPreparedStatement>()));
  let ps = kept.get(sql);
  if (ps) kept.delete(sql);
  else ps = await conn.prepare(sql);
  try {
    ps.clearBindings();
    if (params.length > 0) ps.bind(params);
    const reader = await ps.runAndReadAll();
    kept.set(sql, ps);
    if (kept.size > preparedPerConnection) {
      const [oldest, statement] = kept.entries().next().value as [string, DuckDBPreparedStatement];
      kept.delete(oldest);
      statement.destroySync();
    }
    return reader;
  } catch (err) {
    ps.destroySync();
    throw err;
  }
}

export async function dropTable(conn: DuckDBConnection, table: string): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${table}`);
}

/**
 * Drops one version of an entity — a table, or a view over backing tables (SegmentMembership) — with its backing
 * tables. DuckDB refuses DROP TABLE on a view, hence the look-up of what the name is.
 */
export async function dropEntityVersion(conn: DuckDBConnection, table: string): Promise<void> {
  const name = unquoteIdent(table);
  const views = await queryRows(conn, 'SELECT 1 FROM duckdb_views() WHERE NOT internal AND view_name = ?', [name]);
  await conn.run(`${views.length ? 'DROP VIEW' : 'DROP TABLE'} IF EXISTS ${table}`);
  const backing = await queryRows(
    conn,
    'SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?) AND regexp_matches(table_name, ?)',
    [`${name}__`, backingPattern],
  );
  for (const r of backing) await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(r.table_name as string)}`);
  if (views.length) await dropUnreadParts(conn, name.replace(/__v[0-9]+$/, ''));
}

/** Drops the log parts (logPartPattern) of `entity` — of every entity when empty — that no view reads. */
export async function dropUnreadParts(conn: DuckDBConnection, entity: string): Promise<string[]> {
  const parts = await queryRows(
    conn,
    `SELECT t.table_name FROM duckdb_tables() AS t WHERE starts_with(t.table_name, ?) AND regexp_matches(t.table_name, ?)
       AND NOT EXISTS (SELECT 1 FROM duckdb_views() AS v
         WHERE NOT v.internal AND regexp_matches(v.sql, '\\b' || t.table_name || '\\b'))`,
    [entity ? `${entity}__log` : '', logPartPattern],
  );
  for (const r of parts) await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(r.table_name as string)}`);
  return parts.map((r) => r.table_name as string);
}
