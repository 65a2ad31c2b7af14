// Reads a PostgreSQL table or query through a server-side cursor (DECLARE … FETCH) inside a READ ONLY transaction,
// one batch at a time. Values come back as PostgreSQL's own text (no client-side parsing), in UTC, ISO dates, hex
// bytea; each column's DuckDB type follows its PostgreSQL type.
import pg from 'pg';
import type { AllowList } from '../core/address-policy.ts';
import type { DataSource } from './model.ts';
import { connectAddress, databaseTarget } from './remote-location.ts';
import type { RowReader, SourceColumn } from './row-reader.ts';
import { batchRows } from './row-reader.ts';
import { postgresDialect, selectSql } from './select-sql.ts';
import { networkFailure, scrub, sourceError } from './source-errors.ts';

const text = (v: string) => v;
const rawTypes = { getTypeParser: () => text } as unknown as pg.CustomTypesConfig;

/** The DuckDB type for a PostgreSQL type (by OID and type modifier). */
export function postgresColumnType(oid: number, modifier: number): string {
  switch (oid) {
    case 16:
      return 'BOOLEAN';
    case 20:
    case 21:
    case 23:
    case 26:
      return 'BIGINT';
    case 700:
    case 701:
      return 'DOUBLE';
    case 1700: {
      if (modifier < 4) return 'VARCHAR'; // numeric without precision: any number of digits, kept exactly as text
      const precision = ((modifier - 4) >> 16) & 0xffff;
      const scale = (modifier - 4) & 0xffff;
      return precision <= 38 ? `DECIMAL(${precision},${scale})` : 'VARCHAR';
    }
    case 1082:
      return 'DATE';
    case 1114:
    case 1184:
      return 'TIMESTAMP';
    default:
      return 'VARCHAR';
  }
}

function explain(err: unknown, where: string, password: string | undefined, timeoutMs: number) {
  const e = err as Error & { code?: string };
  const message = scrub(e.message ?? String(err), [password]);
  switch (e.code) {
    case '28P01':
    case '28000':
      return sourceError('BadCredentials', `${where}: ${message}`);
    case '3D000':
    case '42P01':
    case '3F000':
      return sourceError('MissingTable', `${where}: ${message}`);
    case '25006':
    case '0A000':
      return sourceError('NotSelect', `${where}: only a read-only SELECT may run: ${message}`);
    case '57014':
      return sourceError('Timeout', `${where}: the query ran longer than the statement timeout: ${message}`);
  }
  return networkFailure(err, where, timeoutMs) ?? sourceError('QueryFailed', `${where}: ${message}`);
}

export async function openPostgres(
  ds: Pick<DataSource, 'kind' | 'location' | 'options'>,
  opts: { allow: AllowList; mark: string | null; limit?: number },
): Promise<RowReader> {
  const t = databaseTarget(ds);
  const where = `PostgreSQL ${t.host}:${t.port}/${t.database}`;
  const fail = (err: unknown) => explain(err, where, t.password, t.connectTimeoutMs);
  const address = await connectAddress(t, opts.allow, fail);
  const client = new pg.Client({
    host: address,
    port: t.port,
    user: t.user,
    ...(t.password !== undefined ? { password: t.password } : {}),
    database: t.database,
    ssl:
      t.sslmode === 'disable'
        ? false
        : { rejectUnauthorized: t.sslmode === 'verify-full', servername: t.host === address ? undefined : t.host },
    connectionTimeoutMillis: t.connectTimeoutMs,
    application_name: 'insightflow',
    types: rawTypes,
  });
  client.on('error', () => undefined);
  const run = (sql: string) => client.query({ text: sql, rowMode: 'array' });
  let fields: pg.FieldDef[];
  let first: string[][];
  try {
    await client.connect();
    await run('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await run(`SET LOCAL statement_timeout = ${t.statementTimeoutMs}`);
    await run("SET LOCAL TimeZone = 'UTC'");
    await run("SET LOCAL DateStyle = 'ISO, YMD'");
    await run("SET LOCAL bytea_output = 'hex'");
    await run('SET LOCAL extra_float_digits = 3');
    const dialect = { ...postgresDialect, literal: (v: string) => client.escapeLiteral(v) };
    const sql = selectSql(ds.options, dialect, { mark: opts.mark, ...(opts.limit ? { limit: opts.limit } : {}) });
    await run(`DECLARE insightflow_read NO SCROLL CURSOR FOR ${sql}`);
    const r = await run(`FETCH FORWARD ${batchRows} FROM insightflow_read`);
    fields = r.fields;
    first = r.rows as string[][];
  } catch (err) {
    await client.end().catch(() => undefined);
    throw fail(err);
  }
  const bytea = fields.map((f) => f.dataTypeID === 17);
  const hex = (rows: string[][]) =>
    bytea.some(Boolean)
      ? rows.map((row) => row.map((v, i) => (bytea[i] && v !== null ? v.replace(/^\\x/, '') : v)))
      : rows;
  const columns: SourceColumn[] = fields.map((f) => ({
    name: f.name,
    duckType: postgresColumnType(f.dataTypeID, f.dataTypeModifier),
  }));
  return {
    columns,
    async *batches() {
      let rows = first;
      yield hex(rows);
      while (rows.length === batchRows) {
        try {
          rows = (await run(`FETCH FORWARD ${batchRows} FROM insightflow_read`)).rows as string[][];
        } catch (err) {
          throw fail(err);
        }
        if (rows.length > 0) yield hex(rows);
      }
    },
    close: async () => {
      await run('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
