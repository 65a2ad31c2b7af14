// "Test connection": reads the first rows of a data source, saved or not, into a DuckDB of its own — exactly as a
// refresh would type them — and answers the columns and up to 20 rows, or a 400 naming what failed.
import { mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ErrorCode } from '../core/errors.ts';
import { AppError, TaskError } from '../core/errors.ts';
import { countRows } from '../datastore/engine.ts';
import type { Attribute } from '../datastore/schema.ts';
import { toJsonRow } from '../datastore/odata/items.ts';
import type { DataSource } from './model.ts';
import type { LoadDeps } from './load.ts';
import { loadDataSource } from './load.ts';

export const previewRows = 20;

export interface SourcePreview {
  columns: Attribute[];
  rows: Array<Record<string, unknown>>;
  /** Rows the preview read (at most 20 from a database or web API; the whole file for a file). */
  rowsRead: number;
}

/** The 400 code of a failed test for each task error code; anything else is SourceFailed. */
const clientCodes: Record<string, ErrorCode> = {
  Unreachable: 'Unreachable',
  Timeout: 'Unreachable',
  TargetRefused: 'TargetRefused',
  BadCredentials: 'BadCredentials',
  MissingTable: 'MissingTable',
  NotSelect: 'NotSelect',
};

export async function previewSource(
  ds: Pick<DataSource, 'kind' | 'location' | 'options' | 'primaryKey' | 'name'>,
  deps: Omit<LoadDeps, 'isCanceled'>,
): Promise<SourcePreview> {
  mkdirSync(deps.tempDir, { recursive: true });
  const duck = await DuckDBInstance.create(':memory:', { memory_limit: '256MB', threads: '1' });
  try {
    const conn = await duck.connect();
    try {
      const r = await loadDataSource(
        conn,
        { ...ds, primaryKey: null },
        { table: '"preview"', previous: null, mark: null, sample: previewRows },
        { ...deps, isCanceled: () => false },
      );
      const rows = (await conn.runAndReadAll(`SELECT * FROM "preview" LIMIT ${previewRows}`)).getRowObjectsJS();
      return {
        columns: r.attributes,
        rows: rows.map((row) => toJsonRow(row, r.attributes)),
        rowsRead: await countRows(conn, '"preview"'),
      };
    } finally {
      conn.closeSync();
    }
  } catch (err) {
    if (err instanceof TaskError) {
      throw new AppError(clientCodes[err.code] ?? 'SourceFailed', err.message);
    }
    throw err;
  } finally {
    duck.closeSync();
  }
}
