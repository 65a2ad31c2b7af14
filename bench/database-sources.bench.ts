// Data sources that are databases: 200,000, 1,000,000 and 2,000,000 rows read from PostgreSQL (server-side cursor)
// and MariaDB (paused stream) into DuckDB, next to the same rows from a CSV file, each load in a fresh process (its
// peak RSS is the load's own). Bounded memory means: from 200,000 to 2,000,000 rows, peak RSS grows ≤ 512 MiB and
// stays < 1.5 GiB.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Bench, BenchTable } from './lib.ts';

const postgresUrl = process.env.INSIGHTFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const mariadbUrl = process.env.INSIGHTFLOW_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The same rows in every engine: an id, two strings, an exact decimal, a boolean, a date, a timestamp. */
const columns = (n: string) => ({
  postgres: `SELECT g AS id, 'Given ' || (g % 9973) AS given, 'user' || g || '@example.com' AS email,
    ((g % 100000) / 100.0)::numeric(12,2) AS score, g % 3 = 0 AS active, DATE '2020-01-01' + (g % 2000) AS since,
    TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g % 86400) * INTERVAL '1 second' AS seen FROM generate_series(1, ${n}) g`,
  mariadb: `SELECT seq AS id, CONCAT('Given ', seq % 9973) AS given, CONCAT('user', seq, '@example.com') AS email,
    CAST((seq % 100000) / 100.0 AS DECIMAL(12,2)) AS score, seq % 3 = 0 AS active,
    DATE '2020-01-01' + INTERVAL (seq % 2000) DAY AS since,
    TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (seq % 86400) SECOND AS seen FROM seq_1_to_${n}`,
});

function load(dir: string, source: object): { ms: number; rows: number; peakMiB: number } {
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, 'source-load.child.ts')], {
    env: { ...process.env, SOURCE_LOAD_JOB: JSON.stringify({ dir, source }) },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`load failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { ms: number; rows: number; peakMiB: number };
}

const bench: Bench = async ({ dir, scale, log }) => {
  const sizes = [200_000, 1_000_000, 2_000_000].map((n) => Math.round(n * scale));
  const schema = `bench_${process.pid}`;
  const pgc = new pg.Client({ connectionString: postgresUrl });
  await pgc.connect();
  const my = await mysql.createConnection({ uri: mariadbUrl });
  const myDb = `bench_${process.pid}`;
  await pgc.query(`CREATE SCHEMA ${schema}`);
  await my.query(`CREATE DATABASE ${myDb}`);
  const rows: Array<Array<string | number>> = [];
  const peaks: Record<string, number[]> = { postgres: [], mysql: [], csv: [] };
  try {
    for (const n of sizes) {
      log(`generating ${n.toLocaleString('en')} rows`);
      const table = `rows_${n}`;
      await pgc.query(`CREATE TABLE ${schema}.${table} AS ${columns(String(n)).postgres}`);
      await pgc.query(`ALTER TABLE ${schema}.${table} ADD PRIMARY KEY (id)`);
      await my.query(`CREATE TABLE ${myDb}.${table} (PRIMARY KEY (id)) AS ${columns(String(n)).mariadb}`);
      const csv = `rows_${n}.csv`;
      // The CSV holds exactly what PostgreSQL holds.
      execFileSync('psql', [
        postgresUrl,
        '-qc',
        `\\copy (SELECT * FROM ${schema}.${table} ORDER BY id) TO '${path.join(dir, csv)}' CSV HEADER`,
      ]);
      const sources = {
        postgres: {
          kind: 'postgres',
          location: `${postgresUrl}`,
          options: { table: `${schema}.${table}`, sslmode: 'disable' },
        },
        mysql: {
          kind: 'mysql',
          location: mariadbUrl.replace(/\/[^/]*$/, `/${myDb}`),
          options: { table, sslmode: 'disable' },
        },
        csv: { kind: 'csv', location: csv, options: {} },
      } as const;
      for (const [label, source] of Object.entries(sources)) {
        const m = load(dir, { ...source, primaryKey: 'id', name: 'Bench' });
        if (m.rows !== n) throw new Error(`${label}: ${m.rows} rows instead of ${n}`);
        log(`${label} ${n}: ${(m.ms / 1000).toFixed(2)} s, peak ${m.peakMiB.toFixed(0)} MiB`);
        peaks[label]!.push(m.peakMiB);
        rows.push([
          n.toLocaleString('en'),
          label === 'mysql' ? 'MariaDB (mysql)' : label === 'postgres' ? 'PostgreSQL' : 'CSV file',
          `${(m.ms / 1000).toFixed(2)} s`,
          Math.round(n / (m.ms / 1000)).toLocaleString('en'),
          `${m.peakMiB.toFixed(0)} MiB`,
        ]);
      }
      await pgc.query(`DROP TABLE ${schema}.${table}`);
      await my.query(`DROP TABLE ${myDb}.${table}`);
    }
  } finally {
    await pgc.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pgc.end();
    await my.query(`DROP DATABASE IF EXISTS ${myDb}`);
    await my.end();
  }
  const targets: NonNullable<BenchTable['targets']> = [];
  for (const label of ['postgres', 'mysql'] as const) {
    const p = peaks[label]!;
    const growth = p[p.length - 1]! - p[0]!;
    targets.push({
      name: `${label}: peak RSS growth from ${sizes[0]!.toLocaleString('en')} to ${sizes[sizes.length - 1]!.toLocaleString('en')} rows ≤ 512 MiB`,
      ok: growth <= 512,
      value: `${growth.toFixed(0)} MiB`,
    });
    targets.push({
      name: `${label}: peak RSS < 1.5 GiB`,
      ok: Math.max(...p) < 1536,
      value: `${Math.max(...p).toFixed(0)} MiB`,
    });
  }
  return [
    {
      title: 'Data sources that are databases',
      description:
        "The same rows (id, two strings, DECIMAL(12,2), boolean, date, timestamp with time zone) read from PostgreSQL 15 through a server-side cursor and from MariaDB through a paused stream, each in a read-only transaction, appended into DuckDB with the database types; next to the same rows from a CSV file (strict RFC 4180, types inferred). Each load runs `loadDataSource` (the refresh code) in a fresh process with a fresh DuckDB file, memory limit 1 GB (the server default); peak RSS is that process's maximum resident set.",
      columns: ['rows', 'source', 'time', 'rows/s', 'peak RSS'],
      rows,
      targets,
    },
  ];
};

export default bench;
