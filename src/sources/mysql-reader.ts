// Reads a MySQL or MariaDB table or query as a stream inside a READ ONLY transaction of a read-only session. The
// stream pauses the connection while a batch is written, so memory stays bounded. Values come back as the server's
// text (UTC for TIMESTAMP), binary columns as hex; each column's DuckDB type follows its MySQL type.
import { Buffer } from 'node:buffer';
import mysql from 'mysql2';
import type { Connection, FieldPacket } from 'mysql2';
import type { AllowList } from '../core/address-policy.ts';
import type { DataSource } from './model.ts';
import { connectAddress, databaseTarget } from './remote-location.ts';
import type { RowReader, SourceColumn } from './row-reader.ts';
import { batchRows } from './row-reader.ts';
import { mysqlDialect, selectSql } from './select-sql.ts';
import { networkFailure, scrub, sourceError } from './source-errors.ts';

const binaryCharset = 63;
const unsignedFlag = 32;

/** The DuckDB type for a MySQL column, and whether its bytes are binary (kept as hex). */
export function mysqlColumnType(f: FieldPacket): { duckType: string; binary: boolean } {
  const type = f.columnType ?? 253;
  const unsigned = typeof f.flags === 'number' && (f.flags & unsignedFlag) !== 0;
  const length = f.columnLength ?? 0;
  const binary = f.characterSet === binaryCharset;
  switch (type) {
    case 1:
      return { duckType: length === 1 ? 'BOOLEAN' : 'BIGINT', binary: false };
    case 2:
    case 3:
    case 9:
    case 13:
      return { duckType: 'BIGINT', binary: false };
    case 8:
      return { duckType: unsigned ? 'UBIGINT' : 'BIGINT', binary: false };
    case 0:
    case 246: {
      const scale = f.decimals;
      const precision = length - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      return {
        duckType: precision >= 1 && precision <= 38 ? `DECIMAL(${precision},${scale})` : 'VARCHAR',
        binary: false,
      };
    }
    case 4:
    case 5:
      return { duckType: 'DOUBLE', binary: false };
    case 10:
    case 14:
      return { duckType: 'DATE', binary: false };
    case 7:
    case 12:
      return { duckType: 'TIMESTAMP', binary: false };
    case 16:
    case 255:
      return { duckType: 'VARCHAR', binary: true };
    case 249:
    case 250:
    case 251:
    case 252:
    case 253:
    case 254:
      return { duckType: 'VARCHAR', binary };
    default:
      return { duckType: 'VARCHAR', binary: false };
  }
}

function explain(err: unknown, where: string, password: string | undefined, timeoutMs: number) {
  const e = err as Error & { code?: string; errno?: number };
  const message = scrub(e.message ?? String(err), [password]);
  switch (e.errno) {
    case 1045:
    case 1044:
    case 1698:
      return sourceError('BadCredentials', `${where}: ${message}`);
    case 1049:
    case 1146:
      return sourceError('MissingTable', `${where}: ${message}`);
    case 1792:
    case 1290:
      return sourceError('NotSelect', `${where}: only a read-only SELECT may run: ${message}`);
    case 3024:
    case 1969:
      return sourceError('Timeout', `${where}: the query ran longer than the statement timeout: ${message}`);
  }
  return networkFailure(err, where, timeoutMs) ?? sourceError('QueryFailed', `${where}: ${message}`);
}

const promised = <T>(f: (cb: (err: Error | null, r?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, r) => (err ? reject(err) : resolve(r as T))));

export async function openMysql(
  ds: Pick<DataSource, 'kind' | 'location' | 'options'>,
  opts: { allow: AllowList; mark: string | null; limit?: number },
): Promise<RowReader> {
  const t = databaseTarget(ds);
  const where = `MySQL ${t.host}:${t.port}/${t.database}`;
  const fail = (err: unknown) => explain(err, where, t.password, t.connectTimeoutMs);
  const address = await connectAddress(t, opts.allow, fail);
  const conn: Connection = mysql.createConnection({
    host: address,
    port: t.port,
    user: t.user,
    ...(t.password !== undefined ? { password: t.password } : {}),
    database: t.database,
    connectTimeout: t.connectTimeoutMs,
    ...(t.sslmode === 'disable'
      ? {}
      : {
          ssl: {
            rejectUnauthorized: t.sslmode === 'verify-full',
            ...(t.host !== address ? { servername: t.host } : {}),
          },
        }),
    charset: 'utf8mb4',
    timezone: 'Z',
    multipleStatements: false,
    typeCast: false,
    rowsAsArray: true,
  });
  conn.on('error', () => undefined);
  const run = (sql: string) => promised<unknown>((cb) => conn.query(sql, (err, r) => cb(err, r)));
  const close = async () => {
    await run('ROLLBACK').catch(() => undefined);
    await promised<void>((cb) => conn.end((err) => cb(err ?? null))).catch(() => conn.destroy());
  };
  let sql: string;
  try {
    await promised<void>((cb) => conn.connect((err) => cb(err ?? null)));
    const version = (await run('SELECT VERSION() AS v')) as Array<[Buffer]>;
    const mariadb = /mariadb/i.test(String(version[0]?.[0] ?? ''));
    await run(
      mariadb
        ? `SET SESSION max_statement_time = ${t.statementTimeoutMs / 1000}`
        : `SET SESSION max_execution_time = ${t.statementTimeoutMs}`,
    );
    await run("SET SESSION time_zone = '+00:00'");
    await run('SET SESSION TRANSACTION READ ONLY');
    await run('START TRANSACTION READ ONLY');
    const dialect = { ...mysqlDialect, literal: (v: string) => conn.escape(v) };
    sql = selectSql(ds.options, dialect, { mark: opts.mark, ...(opts.limit ? { limit: opts.limit } : {}) });
  } catch (err) {
    conn.destroy();
    throw fail(err);
  }
  const query = conn.query(sql);
  const stream = query.stream({ highWaterMark: batchRows });
  let fields: FieldPacket[];
  try {
    fields = await new Promise<FieldPacket[]>((resolve, reject) => {
      query.once('fields', (f: FieldPacket[]) => resolve(f));
      stream.once('error', reject);
      stream.once('end', () => reject(new Error('the query returned no result set')));
    });
  } catch (err) {
    conn.destroy();
    throw fail(err);
  }
  const kinds = fields.map(mysqlColumnType);
  const columns: SourceColumn[] = fields.map((f, i) => ({ name: f.name, duckType: kinds[i]!.duckType }));
  const toText = (row: Array<Buffer | null>) =>
    row.map((v, i) => (v === null ? null : kinds[i]!.binary ? v.toString('hex') : v.toString('utf8')));
  let finished = false;
  return {
    columns,
    async *batches() {
      let batch: Array<Array<string | null>> = [];
      try {
        for await (const row of stream as AsyncIterable<Array<Buffer | null>>) {
          batch.push(toText(row));
          if (batch.length >= batchRows) {
            yield batch;
            batch = [];
          }
        }
      } catch (err) {
        throw fail(err);
      }
      finished = true;
      if (batch.length > 0) yield batch;
    },
    // A result set left half-read keeps the connection busy: destroy it (the server rolls the transaction back).
    close: async () => (finished ? close() : conn.destroy()),
  };
}
