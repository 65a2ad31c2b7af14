// One refresh of a data source into a new table version, for every kind: files through DuckDB's readers, databases
// through a cursor and DuckDB's appender, web APIs through an NDJSON file. An incremental refresh
// (options.incremental, once a previous version and a high-water mark exist) reads only rows above the mark — the
// databases filter them, files and APIs are filtered after reading — and upserts them by primary key into a copy of
// the previous version. The new mark is the largest value read; the caller stores it only when the refresh succeeds.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AllowList } from '../core/address-policy.ts';
import { TaskError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { countRows, describeTable, dropTable } from '../datastore/engine.ts';
import type { Attribute, AttributeType } from '../datastore/schema.ts';
import { backingName, quoteIdent, sqlString } from '../datastore/schema.ts';
import { readHttpRows } from './http-reader.ts';
import { checkPrimaryKey, ingestFile, loadFile } from './ingest.ts';
import type { DataSource } from './model.ts';
import { isDatabaseKind, isFileKind } from './model.ts';
import { openMysql } from './mysql-reader.ts';
import { openPostgres } from './postgres-reader.ts';
import type { RowReader } from './row-reader.ts';
import { appendRows } from './row-reader.ts';

type Source = Pick<DataSource, 'kind' | 'location' | 'options' | 'primaryKey' | 'name'>;

export interface LoadDeps {
  importDir: string;
  /** Where a web API's rows are staged as NDJSON while they load. */
  tempDir: string;
  allowList: AllowList;
  /** Deepest nesting accepted in JSON and NDJSON (files and web API rows); default 64. */
  maxJsonDepth?: number;
  isCanceled: () => boolean;
  /** Told the rows read so far while a database or web API is read, and once a file has been read (progress). */
  onRows?: (rows: number) => void;
}

export interface LoadResult {
  attributes: Attribute[];
  rowCount: number;
  /** Rows read from the source (above the mark, when incremental). */
  rowsRead: number;
  /** Rows inserted or replaced by primary key. */
  rowsUpserted: number;
  bytes: number;
  /** The high-water mark after this refresh (null when the source is not incremental). */
  mark: string | null;
}

/** Opens a reader on a database source: every row, or those above `mark`, at most `limit`. */
export function openDatabase(
  ds: Source,
  opts: { allow: AllowList; mark: string | null; limit?: number },
): Promise<RowReader> {
  return ds.kind === 'postgres' ? openPostgres(ds, opts) : openMysql(ds, opts);
}

/** Reads the source into `table`; returns rows read and bytes. `mark` filters databases at the source. */
async function readInto(
  conn: DuckDBConnection,
  ds: Source,
  table: string,
  deps: LoadDeps,
  opts: { mark: string | null; limit?: number; firstPageOnly?: boolean },
): Promise<{ rows: number; bytes: number }> {
  if (isFileKind(ds.kind)) {
    const r = await ingestFile(conn, {
      importDir: deps.importDir,
      dataSource: { ...ds, primaryKey: null },
      table,
      ...(deps.maxJsonDepth ? { maxJsonDepth: deps.maxJsonDepth } : {}),
    });
    deps.onRows?.(r.rowCount);
    return { rows: r.rowCount, bytes: r.bytes };
  }
  if (isDatabaseKind(ds.kind)) {
    const reader = await openDatabase(ds, {
      allow: deps.allowList,
      mark: opts.mark,
      ...(opts.limit ? { limit: opts.limit } : {}),
    });
    try {
      const rows = await appendRows(conn, reader, {
        table,
        types: (ds.options.types ?? {}) as Record<string, AttributeType>,
        isCanceled: deps.isCanceled,
        ...(deps.onRows ? { onRows: deps.onRows } : {}),
      });
      return { rows, bytes: 0 };
    } finally {
      await reader.close();
    }
  }
  const file = path.join(deps.tempDir, `${newId('req')}.ndjson`);
  try {
    const r = await readHttpRows(ds, {
      allow: deps.allowList,
      file,
      isCanceled: deps.isCanceled,
      ...(deps.onRows ? { onRows: deps.onRows } : {}),
      ...(opts.firstPageOnly ? { firstPageOnly: true } : {}),
      ...(opts.limit ? { maxRows: opts.limit } : {}),
    });
    if (r.rows === 0) throw new TaskError('NoRows', `${ds.location.slice(0, 200)} answered no rows`);
    await loadFile(conn, {
      file,
      dataSource: { ...ds, kind: 'ndjson', primaryKey: null, location: new URL(ds.location).pathname },
      table,
      maxJsonDepth: deps.maxJsonDepth,
    });
    return { rows: r.rows, bytes: r.bytes };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Loads the data source into `table` (quoted). `previous` is the published version's table, if any. */
export async function loadDataSource(
  conn: DuckDBConnection,
  ds: Source,
  opts: {
    table: string;
    previous: string | null;
    mark: string | null;
    /** Reads only this many rows (of a database, or of the first page of a web API): a test. */
    sample?: number;
  },
  deps: LoadDeps,
): Promise<LoadResult> {
  const column = ds.options.incremental?.column;
  const incremental = column !== undefined && ds.primaryKey !== null && opts.previous !== null && opts.mark !== null;
  const target = incremental ? backingName(opts.table, 'delta') : opts.table;
  try {
    const read = await readInto(conn, ds, target, deps, {
      mark: incremental ? opts.mark : null,
      ...(opts.sample ? { limit: opts.sample, firstPageOnly: true } : {}),
    });
    let mark: string | null = null;
    if (column !== undefined) {
      const cols = await describeTable(conn, target);
      if (!cols.some((c) => c.name === column))
        throw new TaskError('UnknownColumn', `options.incremental.column "${column}" is not a column of the source`);
      if (incremental && !isDatabaseKind(ds.kind))
        await conn.run(
          `DELETE FROM ${target} WHERE ${quoteIdent(column)} IS NULL OR ${quoteIdent(column)} <= ${sqlString(opts.mark!)}`,
        );
      const r = await conn.runAndReadAll(`SELECT CAST(max(${quoteIdent(column)}) AS VARCHAR) AS m FROM ${target}`);
      mark = (r.getRowObjectsJS()[0]?.m as string | null) ?? (incremental ? opts.mark : null);
    }
    const upserted = incremental ? await countRows(conn, target) : read.rows;
    if (incremental) {
      await checkPrimaryKey(conn, target, ds.primaryKey!, await describeTable(conn, target), ds.name);
      const key = quoteIdent(ds.primaryKey!);
      await conn.run(
        `CREATE OR REPLACE TABLE ${opts.table} AS SELECT * FROM ${opts.previous} p WHERE NOT EXISTS ` +
          `(SELECT 1 FROM ${target} d WHERE d.${key} = p.${key}) UNION ALL BY NAME SELECT * FROM ${target}`,
      );
    }
    const attributes = await describeTable(conn, opts.table);
    if (ds.primaryKey) await checkPrimaryKey(conn, opts.table, ds.primaryKey, attributes, ds.name);
    return {
      attributes,
      rowCount: await countRows(conn, opts.table),
      rowsRead: read.rows,
      rowsUpserted: upserted,
      bytes: read.bytes,
      mark,
    };
  } finally {
    if (incremental) await dropTable(conn, target);
  }
}
