// Rows read from a database, as text, appended into a DuckDB table whose column types come from the database's own
// types. Readers hand over bounded batches (a cursor's FETCH, a paused stream), so memory stays bounded whatever the
// table's size; DuckDB's appender casts each text value to its column's type exactly (decimals stay decimals).
import type { DuckDBConnection } from '@duckdb/node-api';
import { TaskError } from '../core/errors.ts';
import { duckTypeOf } from '../datastore/engine.ts';
import type { AttributeType } from '../datastore/schema.ts';
import { quoteIdent, unquoteIdent } from '../datastore/schema.ts';
import { attributeNames } from './ingest.ts';

export interface SourceColumn {
  name: string;
  /** The DuckDB type that keeps the database type's values. */
  duckType: string;
}

export interface RowReader {
  columns: SourceColumn[];
  /** Rows in bounded batches; each value is the database's text for it, or null. */
  batches(): AsyncIterable<Array<Array<string | null>>>;
  /** Ends the read (rolls back the read-only transaction) and closes the connection. */
  close(): Promise<void>;
}

/** Rows per batch read from a database. */
export const batchRows = 5000;

/** Creates `table` with the reader's columns and appends every row; returns the number of rows. */
export async function appendRows(
  conn: DuckDBConnection,
  reader: RowReader,
  opts: {
    table: string;
    types: Record<string, AttributeType>;
    isCanceled: () => boolean;
    /** Told the rows read so far after each batch (progress). */
    onRows?: (rows: number) => void;
  },
): Promise<number> {
  const names = attributeNames(reader.columns.map((c) => c.name));
  const types = reader.columns.map((c, i) => {
    const override = opts.types[c.name] ?? opts.types[names[i]!];
    return override ? duckTypeOf(override) : c.duckType;
  });
  for (const col of Object.keys(opts.types)) {
    if (!reader.columns.some((c) => c.name === col) && !names.includes(col))
      throw new TaskError('UnknownColumn', `options.types names column "${col}", which the source does not have`);
  }
  await conn.run(
    `CREATE OR REPLACE TABLE ${opts.table} (${names.map((n, i) => `${quoteIdent(n)} ${types[i]}`).join(', ')})`,
  );
  const appender = await conn.createAppender(unquoteIdent(opts.table));
  let rows = 0;
  try {
    for await (const batch of reader.batches()) {
      if (opts.isCanceled()) throw new TaskError('Canceled', 'the refresh was canceled');
      for (const row of batch) {
        for (let i = 0; i < row.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) appender.appendNull();
          else {
            try {
              appender.appendVarchar(v);
            } catch (err) {
              throw new TaskError(
                'InvalidValue',
                `row ${rows + 1}, column "${reader.columns[i]!.name}": ${(err as Error).message.split('\n')[0]}`,
              );
            }
          }
        }
        appender.endRow();
        rows++;
      }
      opts.onRows?.(rows);
    }
    appender.closeSync();
  } catch (err) {
    try {
      appender.closeSync();
    } catch {
      // The append already failed; that failure is the one to report.
    }
    throw err;
  }
  return rows;
}
