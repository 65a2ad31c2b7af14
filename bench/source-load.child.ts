// One measured load for bench/database-sources.bench.ts, in a process of its own so that its peak RSS is its own:
// reads a source (PostgreSQL, MariaDB or a CSV file) through loadDataSource — the refresh's code — into a fresh DuckDB
// file with the server's default memory limit, and prints {ms, rows, peakMiB} as JSON.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseAllowedTargets } from '../src/core/address-policy.ts';
import { loadDataSource } from '../src/sources/load.ts';
import type { DataSource } from '../src/sources/model.ts';

const job = JSON.parse(process.env.SOURCE_LOAD_JOB as string) as {
  dir: string;
  source: Pick<DataSource, 'kind' | 'location' | 'options' | 'primaryKey' | 'name'>;
};
const db = await DuckDBInstance.create(path.join(job.dir, `load-${process.pid}.duckdb`), {
  memory_limit: '1GB',
  temp_directory: path.join(job.dir, `load-${process.pid}.tmp`),
});
const conn = await db.connect();
const t0 = performance.now();
const r = await loadDataSource(
  conn,
  job.source,
  { table: '"Bench__v1"', previous: null, mark: null },
  {
    importDir: job.dir,
    tempDir: job.dir,
    allowList: parseAllowedTargets('127.0.0.0/8'),
    isCanceled: () => false,
  },
);
const ms = performance.now() - t0;
conn.closeSync();
db.closeSync();
process.stdout.write(JSON.stringify({ ms, rows: r.rowCount, peakMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
