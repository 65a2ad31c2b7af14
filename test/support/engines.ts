// Which control-store engines the tests run against: SQLite always; PostgreSQL on 127.0.0.1:5432 (user postgres,
// trust auth) when reachable. Under CI=true an unreachable PostgreSQL is a failure, not a skip.
import pg from 'pg';

export const postgresUrl = process.env.INSIGHTFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let reachable: Promise<string | null> | undefined;

/** null when PostgreSQL answers, else the reason it does not. */
export function postgresUnavailable(): Promise<string | null> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return null;
    } catch (err) {
      return `PostgreSQL at ${postgresUrl} is not reachable: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

export type Engine = 'sqlite' | 'postgres';

/** The engines to run a contract test on; prints why PostgreSQL is skipped, and throws under CI. */
export async function engines(): Promise<Engine[]> {
  const reason = await postgresUnavailable();
  if (reason === null) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') throw new Error(`CI must run the PostgreSQL tests: ${reason}`);
  process.stdout.write(`# skipping PostgreSQL tests: ${reason}\n`);
  return ['sqlite'];
}

/** A fresh schema name for one test. */
export const freshSchema = (): string => `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** MariaDB (or MySQL) for the mysql data source tests: root without a password on 127.0.0.1:3306. */
export const mariadbUrl = process.env.INSIGHTFLOW_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

let mariadbReachable: Promise<string | null> | undefined;

/** null when MariaDB answers; else the reason, and under CI=true a failure instead of a skip. */
export function mariadbUnavailable(): Promise<string | null> {
  mariadbReachable ??= (async () => {
    const mysql = await import('mysql2/promise');
    try {
      const conn = await mysql.createConnection({ uri: mariadbUrl, connectTimeout: 3000 });
      await conn.end();
      return null;
    } catch (err) {
      const reason = `MariaDB at ${mariadbUrl} is not reachable: ${(err as Error).message}`;
      if (process.env.CI === 'true') throw new Error(`CI must run the MariaDB tests: ${reason}`, { cause: err });
      process.stdout.write(`# skipping MariaDB tests: ${reason}\n`);
      return reason;
    }
  })();
  return mariadbReachable;
}
