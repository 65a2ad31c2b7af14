// Streaming ingest of one data source file into a new physical DuckDB table. DuckDB reads the file in a streaming
// fashion (bounded by its memory limit, spilling to disk), infers column types over the whole file (a CSV file in one
// sniffing pass before it is read), and the result is a staged table that is published only when the refresh
// succeeds.
import { statSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TaskError } from '../core/errors.ts';
import { attributeTypeOf, describeTable, duckTypeOf } from '../datastore/engine.ts';
import type { Attribute, AttributeType } from '../datastore/schema.ts';
import { namePattern, quoteIdent, sqlString } from '../datastore/schema.ts';
import { findCsvProblem, findCsvValueProblem } from './csv-check.ts';
import { resolveImportFile } from './import-path.ts';
import { checkJsonFile, defaultJsonMaxDepth, numberProblem } from './json-check.ts';
import type { DataSource, FileKind } from './model.ts';

export interface IngestResult {
  attributes: Attribute[];
  rowCount: number;
  bytes: number;
}

/** The table function reading a JSON or Parquet data source file; types are inferred over the whole file. */
function readerSql(file: string, kind: Exclude<FileKind, 'csv'>): string {
  const f = sqlString(file);
  switch (kind) {
    case 'ndjson':
      return `read_json(${f}, format='newline_delimited', sample_size=-1)`;
    case 'json':
      return `read_json(${f}, format='array', sample_size=-1)`;
    case 'parquet':
      return `read_parquet(${f})`;
  }
}

/** RFC 4180: double quotes, quotes escaped by doubling, every row as wide as the header. */
const csvOptions = (ds: Pick<DataSource, 'options'>): string =>
  `delim=${sqlString(ds.options.delimiter ?? ',')}, quote='"', escape='"', header=${ds.options.header ?? true}, ` +
  'strict_mode=true, null_padding=false';

/** Memory for sniffing a CSV file, in a DuckDB of its own: the buffers it fills while reading every row are released
 * with it, instead of staying cached in the instance's pool while the table is written. */
const sniffMemory = '256MB';

/** A CSV file is sniffed once over all its rows (column types, date and timestamp formats), then read with exactly
 * those settings: a second detection pass in the read itself would hold the file's buffers again. */
async function csvReaderSql(file: string, ds: Pick<DataSource, 'options'>): Promise<string> {
  const f = sqlString(file);
  const sniffer = await DuckDBInstance.create(':memory:', { memory_limit: sniffMemory });
  let r: { Columns: Array<{ name: string; type: string }>; DateFormat: string | null; TimestampFormat: string | null };
  try {
    const conn = await sniffer.connect();
    try {
      const sniffed = await conn.runAndReadAll(
        `SELECT Columns, DateFormat, TimestampFormat FROM sniff_csv(${f}, ${csvOptions(ds)}, sample_size=-1)`,
      );
      r = sniffed.getRowObjectsJS()[0] as typeof r;
    } finally {
      conn.closeSync();
    }
  } finally {
    sniffer.closeSync();
  }
  if (r.Columns.length === 0) throw new TaskError('MalformedFile', 'no columns could be read from the file');
  // A column the data source types as string is read as the file's text: the sniffed type (a double for integers
  // beyond 64 bits) would change it before the cast.
  const overrides = (ds.options.types ?? {}) as Record<string, AttributeType>;
  const names = attributeNames(r.Columns.map((c) => c.name));
  const readType = (c: { name: string; type: string }, i: number) =>
    (overrides[c.name] ?? overrides[names[i]!]) === 'string' ? 'VARCHAR' : c.type;
  const columns = r.Columns.map((c, i) => `${sqlString(c.name)}: ${sqlString(readType(c, i))}`).join(', ');
  const formats = [
    r.DateFormat ? `dateformat=${sqlString(r.DateFormat)}` : '',
    r.TimestampFormat ? `timestampformat=${sqlString(r.TimestampFormat)}` : '',
  ].filter(Boolean);
  return `read_csv(${f}, ${[csvOptions(ds), 'auto_detect=false', `columns={${columns}}`, ...formats].join(', ')})`;
}

/** Column names become attribute names: invalid characters turn into underscores; duplicates get a suffix. */
export function attributeNames(columns: string[]): string[] {
  const used = new Set<string>();
  return columns.map((c) => {
    let n = c
      .trim()
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^[^A-Za-z]+/, '');
    if (n === '') n = 'column';
    n = n.slice(0, 60);
    let candidate = n;
    for (let i = 2; used.has(candidate.toLowerCase()); i++) candidate = `${n}_${i}`;
    used.add(candidate.toLowerCase());
    if (!namePattern.test(candidate)) throw new TaskError('InvalidColumnName', `column "${c}" cannot be named`);
    return candidate;
  });
}

function columnExpr(column: string, duckType: string, override: AttributeType | undefined): string {
  const col = quoteIdent(column);
  if (override) return `CAST(${col} AS ${duckTypeOf(override)})`;
  const t = duckType.toUpperCase();
  if (t.startsWith('STRUCT') || t.endsWith('[]') || t.startsWith('MAP') || t === 'JSON' || t.startsWith('UNION'))
    return `CAST(to_json(${col}) AS VARCHAR)`;
  const mapped = attributeTypeOf(t);
  if (mapped === 'decimal' && t.startsWith('DECIMAL')) return `CAST(${col} AS DOUBLE)`;
  if (mapped === 'integer' && t !== 'BIGINT') return `CAST(${col} AS BIGINT)`;
  if (mapped === 'timestamp' && t !== 'TIMESTAMP') return `CAST(${col} AS TIMESTAMP)`;
  if (mapped === 'string' && t !== 'VARCHAR') return `CAST(${col} AS VARCHAR)`;
  return col;
}

/** Loads the data source's file into `table` (quoted), replacing any staged copy; checks the primary key. */
export async function ingestFile(
  conn: DuckDBConnection,
  opts: {
    importDir: string;
    dataSource: Pick<DataSource, 'kind' | 'location' | 'options' | 'primaryKey' | 'name'>;
    table: string;
    /** Deepest nesting a JSON or NDJSON file may hold; default 64. */
    maxJsonDepth?: number;
  },
): Promise<IngestResult> {
  const ds = opts.dataSource;
  const file = resolveImportFile(opts.importDir, ds.location);
  const bytes = statSync(file).size;
  if (bytes === 0) throw new TaskError('EmptyFile', `${ds.location}: the file is empty`);
  const r = await loadFile(conn, {
    file,
    dataSource: ds as FileSource,
    table: opts.table,
    maxJsonDepth: opts.maxJsonDepth,
  });
  return { ...r, bytes };
}

type FileSource = Pick<DataSource, 'location' | 'options' | 'primaryKey' | 'name'> & { kind: FileKind };

/** Loads a file of one of the file kinds into `table` (quoted), with inferred types; checks the primary key. Errors
 * name `dataSource.location` rather than the file's path. */
export async function loadFile(
  conn: DuckDBConnection,
  opts: { file: string; dataSource: FileSource; table: string; maxJsonDepth?: number | undefined },
): Promise<Omit<IngestResult, 'bytes'>> {
  const { file, dataSource: ds } = opts;
  if (ds.kind === 'json' || ds.kind === 'ndjson')
    await checkJsonFile(file, { maxDepth: opts.maxJsonDepth ?? defaultJsonMaxDepth, label: ds.location });
  let source: string;
  let columns: Array<{ name: string; type: string }>;
  try {
    source = ds.kind === 'csv' ? await csvReaderSql(file, ds) : readerSql(file, ds.kind);
    const d = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    columns = d.getRowObjectsJS().map((r) => ({ name: r.column_name as string, type: r.column_type as string }));
  } catch (err) {
    throw await explainReadError(err, file, ds);
  }
  const names = attributeNames(columns.map((c) => c.name));
  const overrides = (ds.options.types ?? {}) as Record<string, AttributeType>;
  for (const col of Object.keys(overrides)) {
    if (!columns.some((c) => c.name === col) && !names.includes(col)) {
      throw new TaskError('UnknownColumn', `options.types names column "${col}", which the file does not have`);
    }
  }
  const select = columns
    .map(
      (c, i) => `${columnExpr(c.name, c.type, overrides[c.name] ?? overrides[names[i]!])} AS ${quoteIdent(names[i]!)}`,
    )
    .join(', ');
  try {
    await conn.run(`CREATE OR REPLACE TABLE ${opts.table} AS SELECT ${select} FROM ${source}`);
  } catch (err) {
    throw await explainReadError(err, file, ds);
  }
  const attributes = await describeTable(conn, opts.table);
  if (ds.kind === 'csv') await checkCsvNumbers(conn, { file, table: opts.table, ds, attributes });
  const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${opts.table}`);
  const rowCount = Number(count.getRowObjectsJS()[0]?.n ?? 0);
  // An empty export never replaces good data: the refresh fails and the previous version stays served.
  if (rowCount === 0) throw new TaskError('EmptyFile', `${ds.location}: the file holds no records`);
  if (ds.primaryKey) await checkPrimaryKey(conn, opts.table, ds.primaryKey, attributes, ds.name);
  return { attributes, rowCount };
}

/** Values that did not fit their inferred type: DuckDB's CSV reader types a column holding an integer beyond 64 bits
 * as a double (inexact), and reads 1e400 as infinity. A cheap query over the loaded doubles finds the candidates; only
 * then is the file scanned to tell a literal that did not fit (the refresh fails naming line and column) from one
 * that did (an exact 1e19, a written "inf"). */
async function checkCsvNumbers(
  conn: DuckDBConnection,
  opts: { file: string; table: string; ds: FileSource; attributes: Attribute[] },
): Promise<void> {
  const doubles = opts.attributes.flatMap((a, i) => (a.type === 'decimal' ? [i] : []));
  if (doubles.length === 0) return;
  const suspect = doubles
    .map((i) => quoteIdent(opts.attributes[i]!.name))
    .map((c) => `(isinf(${c}) OR (${c} = trunc(${c}) AND abs(${c}) >= 9223372036854775807))`)
    .join(' OR ');
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${opts.table} WHERE ${suspect}`);
  if (Number(r.getRowObjectsJS()[0]?.n ?? 0) === 0) return;
  const found = await findCsvValueProblem(opts.file, {
    delimiter: opts.ds.options.delimiter ?? ',',
    header: opts.ds.options.header ?? true,
    columns: doubles,
    problem: numberProblem,
  });
  if (!found) return;
  const name = opts.attributes[found.column - 1]!.name;
  throw new TaskError(
    'ValueOutOfRange',
    `${opts.ds.location}: line ${found.line}, column ${found.column} ("${name}"): ${found.message}; ` +
      `set options.types.${name} to "string" to keep the column as text`,
  );
}

export async function checkPrimaryKey(
  conn: DuckDBConnection,
  table: string,
  key: string,
  attributes: Attribute[],
  label: string,
): Promise<void> {
  if (!attributes.some((a) => a.name === key)) {
    throw new TaskError(
      'UnknownPrimaryKey',
      `${label}: primary key "${key}" is not a column (columns: ${attributes.map((a) => a.name).join(', ')})`,
    );
  }
  const k = quoteIdent(key);
  const nulls = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${table} WHERE ${k} IS NULL`);
  const nullCount = Number(nulls.getRowObjectsJS()[0]?.n ?? 0);
  const dups = await conn.runAndReadAll(
    `SELECT CAST(${k} AS VARCHAR) AS k, count(*) AS n FROM ${table} WHERE ${k} IS NOT NULL GROUP BY ${k} HAVING count(*) > 1 ORDER BY 1 LIMIT 10`,
  );
  const dupRows = dups.getRowObjectsJS();
  if (nullCount === 0 && dupRows.length === 0) return;
  const parts: string[] = [];
  if (dupRows.length > 0)
    parts.push(
      `duplicate keys ${dupRows.map((r) => `${r.k as string} (×${Number(r.n)})`).join(', ')}${dupRows.length === 10 ? ' …' : ''}`,
    );
  if (nullCount > 0) parts.push(`${nullCount} row(s) with an empty key`);
  throw new TaskError(
    'PrimaryKeyViolation',
    `${label}: primary key "${key}" must be unique and non-null: ${parts.join('; ')}`,
  );
}

async function explainReadError(
  err: unknown,
  file: string,
  ds: Pick<DataSource, 'kind' | 'options' | 'location'>,
): Promise<TaskError> {
  if (err instanceof TaskError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  if (/INTERRUPT/i.test(raw)) return new TaskError('Canceled', 'the refresh was canceled');
  if (ds.kind === 'csv') {
    const problem = await findCsvProblem(file, { delimiter: ds.options.delimiter ?? ',' });
    if (problem) return new TaskError('MalformedFile', `${ds.location}: line ${problem.line}: ${problem.message}`);
  }
  const firstLine = raw.split('\n').find((l) => l.trim() !== '') ?? raw;
  const cleaned = firstLine.replace(/^[A-Za-z ]+Error: /, '').replaceAll(file, ds.location);
  return new TaskError('MalformedFile', `${ds.location}: ${cleaned}`);
}
