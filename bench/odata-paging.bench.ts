// A page of 100 rows of a 1,000,000-row entity at depth 0 and at depth 900,000, through Insightflow's compiled items
// query — following skiptokens (keyset) and with $skip — next to the same keyset SQL written by hand and run directly
// on DuckDB in the same run.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileItemsQuery, executeItemsQuery, encodeSkiptoken } from '../src/datastore/odata/index.ts';
import type { PublishedEntity } from '../src/datastore/schema.ts';
import type { Bench } from './lib.ts';
import { ms, summarize } from './lib.ts';

const bench: Bench = async ({ dir, scale, log }) => {
  const rows = Math.round(1_000_000 * scale);
  const depth = Math.round(900_000 * scale);
  const samples = 60;
  const db = await DuckDBInstance.create(path.join(dir, 'paging.duckdb'));
  const conn = await db.connect();
  log(`creating ${rows.toLocaleString('en')} profiles`);
  await conn.run(`CREATE TABLE "Customer__v1" AS SELECT 'cus_' || lpad(CAST(range AS VARCHAR), 8, '0') AS CustomerId,
    'First' || (range % 5000) AS FirstName, 'Last' || (range % 20011) AS LastName, 'user' || range || '@example.com' AS Email,
    ['DE', 'AT', 'CH', 'NL', 'FR'][CAST(range % 5 + 1 AS BIGINT)] AS Country, CAST(range % 5000 AS BIGINT) AS LoyaltyPoints FROM range(${rows})`);
  const entity: PublishedEntity = {
    name: 'Customer',
    kind: 'unified',
    table: '"Customer__v1"',
    version: 1,
    rowCount: rows,
    key: ['CustomerId'],
    attributes: [
      { name: 'CustomerId', type: 'string' },
      { name: 'FirstName', type: 'string' },
      { name: 'LastName', type: 'string' },
      { name: 'Email', type: 'string' },
      { name: 'Country', type: 'string' },
      { name: 'LoyaltyPoints', type: 'integer' },
    ],
  };
  const keyAt = async (n: number) =>
    (
      await conn.runAndReadAll(`SELECT CustomerId FROM "Customer__v1" ORDER BY CustomerId LIMIT 1 OFFSET ${n}`)
    ).getRowObjectsJS()[0]?.CustomerId as string;
  const deepKey = await keyAt(depth - 1);
  const time = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 5; i++) await fn();
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
    return summarize(out);
  };
  const fingerprint = compileItemsQuery({ top: '100' }, entity).fingerprint;
  const deepToken = encodeSkiptoken([deepKey], fingerprint);
  const viaToken = (token?: string) => () =>
    executeItemsQuery(conn, compileItemsQuery({ top: '100', skiptoken: token }, entity));
  const viaSkip = (skip: number) => () =>
    executeItemsQuery(conn, compileItemsQuery({ top: '100', skip: String(skip) }, entity));
  const bare = (key?: string) => () =>
    conn.runAndReadAll(
      `SELECT * FROM "Customer__v1"${key ? ' WHERE CustomerId > ?' : ''} ORDER BY CustomerId LIMIT 101`,
      key ? [key] : [],
    );
  const results = [
    ['bare DuckDB keyset SQL', 'depth 0', await time(bare())],
    ['bare DuckDB keyset SQL', `depth ${depth.toLocaleString('en')}`, await time(bare(deepKey))],
    ['Insightflow, nextLink (skiptoken)', 'depth 0', await time(viaToken())],
    ['Insightflow, nextLink (skiptoken)', `depth ${depth.toLocaleString('en')}`, await time(viaToken(deepToken))],
    ['Insightflow, $skip', `depth ${depth.toLocaleString('en')}`, await time(viaSkip(depth))],
  ] as const;
  conn.closeSync();
  db.closeSync();
  for (const [what, where, s] of results) log(`${what} @ ${where}: p50 ${ms(s.p50)}`);
  const deepToken50 = results[3][2].p50;
  return [
    {
      title: 'Reading a page of 100 profiles (Get items from an entity)',
      description: `${rows.toLocaleString('en')} Customer rows in DuckDB; ${samples} samples each after 5 warm-ups; the query is compiled from OData parameters, run, and converted to JSON rows (the HTTP layer is not included). Baseline: the same keyset query written by hand on DuckDB.`,
      columns: ['query', 'position', 'p50', 'p99'],
      rows: results.map(([what, where, s]) => [what, where, ms(s.p50), ms(s.p99)]),
      targets: [
        {
          name: 'p50 ≤ 5 ms at any depth via nextLink',
          ok: deepToken50 <= 5 && results[2][2].p50 <= 5,
          value: `${ms(results[2][2].p50)} / ${ms(deepToken50)}`,
        },
      ],
    },
  ];
};

export default bench;
