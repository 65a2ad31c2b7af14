// Unification benchmark: synthetic customers (src/unify/synthetic) over three sources at 100,000 and 1,000,000 records
// (× scale), loaded into a file-backed DuckDB with the product's default 1 GB memory limit, then unified. Reports
// time, peak RSS and pairwise precision/recall/F1 against the known truth; the baseline is DuckDB reading the same
// CSV files into tables, in the same run.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from '../src/datastore/schema.ts';
import { runUnification, validateUnificationConfig } from '../src/unify/index.ts';
import type { UnificationStats } from '../src/unify/index.ts';
import type { BenchContext, BenchTable } from './lib.ts';
import { ms, peakRssMiB } from './lib.ts';
import { generateCustomers, syntheticUnificationConfig } from '../src/unify/synthetic/customers.ts';
import { loadSynthetic, pairwiseScores } from '../src/unify/synthetic/evaluate.ts';
import type { PairwiseScores } from '../src/unify/synthetic/evaluate.ts';

interface Measured {
  records: number;
  persons: number;
  loadMs: number;
  stats: UnificationStats;
  scores: PairwiseScores;
  rssMiB: number;
}

async function measure(ctx: BenchContext, conn: DuckDBConnection, records: number): Promise<Measured> {
  const data = generateCustomers({ dir: path.join(ctx.dir, `r${records}`), records, seed: 42 });
  ctx.log(`unify: generated ${data.records} records of ${data.persons} persons`);
  const t0 = performance.now();
  const sources = await loadSynthetic(conn, data, String(records));
  const loadMs = performance.now() - t0;
  const config = validateUnificationConfig(
    syntheticUnificationConfig,
    Object.values(sources).map((s) => s.schema),
  );
  const output = { customer: quoteIdent(`Customer_${records}`), conflationMap: quoteIdent(`ConflationMap_${records}`) };
  const stats = await runUnification(conn, { config, sources, output });
  const scores = await pairwiseScores(conn, output.conflationMap, quoteIdent(`truth_${records}`));
  ctx.log(`unify: ${data.records} records in ${stats.durationMs} ms, F1 ${scores.f1.toFixed(4)}`);
  return { records: data.records, persons: data.persons, loadMs, stats, scores, rssMiB: peakRssMiB() };
}

export default async function unifyBench(ctx: BenchContext): Promise<BenchTable[]> {
  const db = await DuckDBInstance.create(path.join(ctx.dir, 'bench.duckdb'), {
    memory_limit: '1GB',
    temp_directory: path.join(ctx.dir, 'duckdb.tmp'),
  });
  const conn = await db.connect();
  const results: Measured[] = [];
  try {
    for (const size of [100_000, 1_000_000])
      results.push(await measure(ctx, conn, Math.max(2000, Math.round(size * ctx.scale))));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  const largest = results[results.length - 1] as Measured;
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  return [
    {
      title: 'Unification (map, match, merge) of synthetic customers from three sources',
      description:
        'Seeded synthetic people over CrmContacts, ShopCustomers and LoyaltyMembers with typos, nicknames, swapped ' +
        'names, e-mail case/spaces, phone layouts, missing values, in-source duplicates and households sharing a ' +
        'landline; rules: same e-mail; same phone + similar names; same birth date + similar names. Baseline: DuckDB ' +
        'reading the same CSV files into tables (same run). Peak RSS is the whole process, generator included.',
      columns: [
        'records',
        'persons',
        'baseline: CSV → tables',
        'unification',
        'profiles',
        'matched',
        'precision',
        'recall',
        'F1',
        'peak RSS',
      ],
      rows: results.map((r) => [
        r.records,
        r.persons,
        ms(r.loadMs, 0),
        ms(r.stats.durationMs, 0),
        r.stats.unifiedProfiles,
        r.stats.matchedRecords,
        pct(r.scores.precision),
        pct(r.scores.recall),
        r.scores.f1.toFixed(4),
        `${r.rssMiB.toFixed(0)} MiB`,
      ]),
      targets: [
        { name: 'F1 ≥ 0.95', ok: results.every((r) => r.scores.f1 >= 0.95), value: largest.scores.f1.toFixed(4) },
        {
          name: `${largest.records} records ≤ 60 s`,
          ok: largest.stats.durationMs <= 60_000,
          value: ms(largest.stats.durationMs, 0),
        },
        { name: 'peak memory ≤ 2 GB', ok: largest.rssMiB <= 2048, value: `${largest.rssMiB.toFixed(0)} MiB` },
      ],
    },
  ];
}
