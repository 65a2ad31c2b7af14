// A page of 100 rows of a 1,000,000-row entity at depth 0 and at depth 900,000, through Insightflow's compiled items
// query — following skiptokens (keyset) and with $skip — next to the same keyset SQL written by hand and run directly
// on DuckDB in the same run; then the same pages through the whole server over HTTP (authentication, rate limit,
// catalog, JSON), next to bare node:http answering a page of the same size.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { isStoredInKeyOrder } from '../src/datastore/index.ts';
import { compileItemsQuery, executeItemsQuery, encodeSkiptoken } from '../src/datastore/odata/index.ts';
import type { PublishedEntity } from '../src/datastore/schema.ts';
import { startRuntime } from '../src/http/runtime.ts';
import type { Bench } from './lib.ts';
import { ms, summarize } from './lib.ts';

const samples = 60;

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

const bench: Bench = async ({ dir, scale, log }) => {
  const rows = Math.round(1_000_000 * scale);
  const depth = Math.round(900_000 * scale);
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
  const storedInKeyOrder = await isStoredInKeyOrder(conn, 'bench', entity);
  const first = compileItemsQuery({ top: '100' }, entity, { storedInKeyOrder });
  const deepToken = encodeSkiptoken([deepKey], first.fingerprint, { rowid: depth - 1, table: first.rowidTable ?? '' });
  const viaToken = (token?: string) => async () => {
    const ordered = await isStoredInKeyOrder(conn, 'bench', entity);
    return executeItemsQuery(
      conn,
      compileItemsQuery({ top: '100', skiptoken: token }, entity, { storedInKeyOrder: ordered }),
    );
  };
  const viaSkip = (skip: number) => () =>
    executeItemsQuery(conn, compileItemsQuery({ top: '100', skip: String(skip) }, entity, { storedInKeyOrder }));
  const viaSkipFiltered = (skip: number) => () =>
    executeItemsQuery(
      conn,
      compileItemsQuery({ top: '100', skip: String(skip), filter: 'LoyaltyPoints ge 0' }, entity, { storedInKeyOrder }),
    );
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
    [
      'Insightflow, $skip with a $filter (OFFSET)',
      `depth ${depth.toLocaleString('en')}`,
      await time(viaSkipFiltered(depth)),
    ],
  ] as const;
  const importDir = path.join(dir, 'server', 'imports');
  mkdirSync(importDir, { recursive: true });
  await conn.run(`COPY "Customer__v1" TO '${path.join(importDir, 'profiles.csv')}' (HEADER)`);
  conn.closeSync();
  db.closeSync();
  log(`serving ${rows.toLocaleString('en')} profiles over HTTP`);
  const http = await overHttp(path.join(dir, 'server'), depth);
  for (const [what, where, s] of results) log(`${what} @ ${where}: p50 ${ms(s.p50)}`);
  const deepToken50 = results[3][2].p50;
  const httpToken = Math.max(http.rows[1]![2].p50, http.rows[2]![2].p50);
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
    {
      title: 'GET /data/{entity}?$top=100 over HTTP',
      description: `The same ${rows.toLocaleString('en')} profiles ingested as a data source and read through the running server (API key, rate limit, catalog lookup, JSON), one request at a time on a kept-alive connection; ${samples} samples each after 5 warm-ups. Baseline: bare node:http answering a stored page of the same size (${http.pageBytes.toLocaleString('en')} bytes).`,
      columns: ['request', 'position', 'p50', 'p99'],
      rows: http.rows.map(([what, where, st]) => [what, where, ms(st.p50), ms(st.p99)]),
      targets: [{ name: 'HTTP p50 ≤ 5 ms at any depth via nextLink', ok: httpToken <= 5, value: ms(httpToken) }],
    },
  ];
};

type Row = [string, string, ReturnType<typeof summarize>];

/** Starts Insightflow on `root`, ingests profiles.csv and times pages over HTTP, next to bare node:http. */
async function overHttp(root: string, depth: number): Promise<{ rows: Row[]; pageBytes: number }> {
  const key = 'bench-admin-key-0123456789abcdef';
  const config = loadConfig(
    {
      INSIGHTFLOW_DATA_DIR: root,
      INSIGHTFLOW_PORT: '0',
      INSIGHTFLOW_ADMIN_KEY: key,
      INSIGHTFLOW_DEMO: '0',
      INSIGHTFLOW_LOG_LEVEL: 'silent',
      INSIGHTFLOW_RATE_LIMIT: '1000000',
    },
    root,
  );
  const rt = await startRuntime(config, { log: silentLogger });
  const agent = new Agent({ connections: 1 });
  const get = async (url: string) => {
    const res = await request(url, { dispatcher: agent, headers: { authorization: `Bearer ${key}` } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${text.slice(0, 200)}`);
    return text;
  };
  const post = async (p: string, body: unknown) => {
    const res = await request(`${rt.url}${p}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.body.json()) as { id: string };
  };
  try {
    const base = '/v1/instances/default';
    const ds = await post(`${base}/manage/datasources`, {
      name: 'Profiles',
      kind: 'csv',
      location: 'profiles.csv',
      entity: 'Profiles',
      primaryKey: 'CustomerId',
    });
    const job = await post(`${base}/manage/datasources/${ds.id}/refresh`, {});
    for (let i = 0; i < 600; i++) {
      const j = JSON.parse(await get(`${rt.url}${base}/jobs/${job.id}`)) as { status: string };
      if (j.status === 'succeeded') break;
      if (j.status !== 'queued' && j.status !== 'running') throw new Error(`ingest ${j.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const firstUrl = `${rt.url}${base}/data/Profiles?$top=100`;
    const firstPage = await get(firstUrl);
    const skipUrl = `${rt.url}${base}/data/Profiles?$top=100&$skip=${depth}`;
    const deep = JSON.parse(await get(`${rt.url}${base}/data/Profiles?$top=100&$skip=${depth - 100}`)) as {
      '@odata.nextLink': string;
    };
    const bare = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(firstPage));
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
    const plain = async (u: string) => {
      const res = await request(u, { dispatcher: agent });
      await res.body.text();
    };
    const rows: Row[] = [
      ['bare node:http, stored page', '—', await time(() => plain(bareUrl))],
      ['Insightflow', 'depth 0', await time(() => get(firstUrl))],
      ['Insightflow, nextLink', `depth ${depth.toLocaleString('en')}`, await time(() => get(deep['@odata.nextLink']))],
      ['Insightflow, $skip', `depth ${depth.toLocaleString('en')}`, await time(() => get(skipUrl))],
    ];
    await new Promise<void>((r) => bare.close(() => r()));
    return { rows, pageBytes: Buffer.byteLength(firstPage) };
  } finally {
    await agent.close();
    await rt.stop();
  }
}

export default bench;
