// Ingest of a generated CSV (5,000,000 rows at scale 1) through Insightflow's ingest — RFC 4180 options, type
// inference over the whole file, column normalization and the primary-key check — next to bare DuckDB reading the
// same file with its defaults, each in a fresh database. Peak memory is sampled during each phase.
import path from 'node:path';
import { rmSync, statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFile } from '../src/sources/ingest.ts';
import type { Bench, BenchTable } from './lib.ts';

async function measure<T>(fn: () => Promise<T>): Promise<{ ms: number; peakMiB: number; result: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  try {
    const result = await fn();
    return { ms: performance.now() - t0, peakMiB: Math.max(peak, process.memoryUsage().rss) / 1024 ** 2, result };
  } finally {
    clearInterval(timer);
  }
}

const bench: Bench = async ({ dir, scale, log }) => {
  const sizes = [5_000_000, 14_000_000].map((n) => Math.round(n * scale));
  const rowsOut: Array<Array<string | number>> = [];
  const targets: NonNullable<BenchTable['targets']> = [];
  for (const rows of sizes) {
    const file = path.join(dir, `customers-${rows}.csv`);
    const gen = await DuckDBInstance.create(':memory:');
    const g = await gen.connect();
    log(`generating ${rows.toLocaleString('en')} rows`);
    await g.run(`COPY (
      SELECT range AS customer_no,
             'Given ' || (range % 9973) AS given,
             'Family, ' || (range % 7919) AS family,
             'user' || range || '@example.com' AS email,
             (range % 1000) / 10.0 AS score,
             range % 3 = 0 AS active,
             DATE '2020-01-01' + CAST(range % 2000 AS INTEGER) AS since
      FROM range(${rows})) TO '${file}' (HEADER, DELIMITER ',')`);
    g.closeSync();
    gen.closeSync();
    const mib = statSync(file).size / 1024 ** 2;
    const duck = async (
      label: string,
      work: (c: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<unknown>,
    ) => {
      const db = await DuckDBInstance.create(path.join(dir, `${label}-${rows}.duckdb`), {
        memory_limit: '1GB',
        temp_directory: path.join(dir, `${label}.tmp`),
      });
      const c = await db.connect();
      try {
        return await measure(() => work(c));
      } finally {
        c.closeSync();
        db.closeSync();
      }
    };
    const baseline = await duck('baseline', (c) => c.run(`CREATE TABLE t AS SELECT * FROM read_csv('${file}')`));
    const ours = await duck('insightflow', (c) =>
      ingestFile(c, {
        importDir: dir,
        dataSource: {
          kind: 'csv',
          location: path.basename(file),
          options: {},
          primaryKey: 'customer_no',
          name: 'Customers',
        },
        table: '"Customers__v1"',
      }),
    );
    log(`${mib.toFixed(0)} MiB: bare DuckDB ${baseline.ms.toFixed(0)} ms, Insightflow ${ours.ms.toFixed(0)} ms`);
    const rate = (ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en');
    const size = `${rows.toLocaleString('en')} rows, ${mib.toFixed(0)} MiB`;
    rowsOut.push([
      size,
      'bare DuckDB read_csv',
      `${(baseline.ms / 1000).toFixed(2)} s`,
      rate(baseline.ms),
      `${baseline.peakMiB.toFixed(0)} MiB`,
    ]);
    rowsOut.push([
      size,
      'Insightflow ingest',
      `${(ours.ms / 1000).toFixed(2)} s`,
      rate(ours.ms),
      `${ours.peakMiB.toFixed(0)} MiB`,
    ]);
    targets.push({
      name: `${size}: peak RSS stays bounded (< 2 GiB)`,
      ok: ours.peakMiB < 2048,
      value: `${ours.peakMiB.toFixed(0)} MiB`,
    });
    targets.push({
      name: `${size}: within 3× of bare DuckDB`,
      ok: ours.ms / baseline.ms <= 3,
      value: `${(ours.ms / baseline.ms).toFixed(2)}×`,
    });
    rmSync(file);
  }
  return [
    {
      title: 'Ingest of a CSV file',
      description:
        'Generated CSV with 7 columns (integers, strings with quoted commas, decimals, booleans, dates). Baseline: bare DuckDB `read_csv` with auto-detection into a table, in a fresh database. Insightflow: strict RFC 4180 options, types inferred over the whole file, column names normalized, primary key checked unique and non-null. DuckDB memory limit 1 GB in both. Peak memory is the process RSS sampled every 20 ms (the file is never held in memory).',
      columns: ['file', 'reader', 'time', 'rows/s', 'peak RSS'],
      rows: rowsOut,
      targets,
    },
  ];
};

export default bench;
