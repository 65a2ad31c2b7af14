// API read throughput with 32 connections: bare node:http, /v1/health, small authenticated reads (GET /v1/instances,
// GET …/manage/segments), Get items (GET …/data/Customer?$top=10) and Get item on the demo workspace's profiles, all
// measured in one run with one load loop (bench/http-load.ts). The same reads again on a PostgreSQL control store
// when one is reachable, where the exact shared rate limit is part of every authenticated call.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { startRuntime, type Runtime } from '../src/http/runtime.ts';
import { load, type LoadResult } from './http-load.ts';
import type { Bench, BenchTable } from './lib.ts';
import { ms } from './lib.ts';

const connections = 32;
const adminKey = 'bench-admin-key-0123456789abcdef';
const postgresUrl = process.env.INSIGHTFLOW_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const I = '/v1/instances/default';

interface Measured {
  what: string;
  store: string;
  r: LoadResult;
}

/** Starts Insightflow with the demo workspace and waits until its full refresh has ended. */
async function startDemo(root: string, env: Record<string, string>, schema?: string): Promise<Runtime> {
  const config = loadConfig(
    {
      INSIGHTFLOW_DATA_DIR: root,
      INSIGHTFLOW_PORT: '0',
      INSIGHTFLOW_ADMIN_KEY: adminKey,
      INSIGHTFLOW_DEMO: '1',
      INSIGHTFLOW_LOG_LEVEL: 'silent',
      ...env,
    },
    root,
  );
  const rt = await startRuntime(config, { log: silentLogger, ...(schema ? { schema } : {}) });
  await rt.demo;
  for (let i = 0; i < 1200; i++) {
    const res = await fetch(`${rt.url}${I}/jobs`, { headers: { authorization: `Bearer ${adminKey}` } });
    const jobs = ((await res.json()) as { value: Array<{ status: string }> }).value;
    if (jobs.length > 0 && jobs.every((j) => j.status !== 'queued' && j.status !== 'running')) {
      if (jobs.some((j) => j.status !== 'succeeded')) throw new Error('the demo refresh failed');
      return rt;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the demo refresh did not end');
}

async function call(rt: Runtime, method: string, p: string, key: string, body?: unknown): Promise<any> {
  const res = await fetch(`${rt.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The reads of the benchmark on one running server, each with a connection of its own (own rate-limit window). */
async function measureReads(
  rt: Runtime,
  store: string,
  timing: { warmupMs: number; durationMs: number },
  log: (l: string) => void,
): Promise<Measured[]> {
  const viewer = async () =>
    (await call(rt, 'POST', `${I}/connections`, adminKey, { name: 'bench', role: 'viewer', rateLimit: 1_000_000 }))
      .key as string;
  const customer = (await call(rt, 'GET', `${I}/data/Customer?$top=1&$select=CustomerId`, adminKey)).value[0]
    .CustomerId as string;
  const profiles = (await call(rt, 'GET', `${I}/data/Customer?$top=0&$count=true`, adminKey))['@odata.count'] as number;
  // More distinct pages than the read cache keeps rows for (src/connector/read-cache.ts): every read is a query.
  const pages = Array.from({ length: profiles - 10 }, (_, i) => `${I}/data/Customer?$top=10&$skip=${i}`);
  const targets: Array<[string, string, boolean, string[]?]> = [
    ['GET /v1/health', '/v1/health', false],
    ['GET /v1/instances', '/v1/instances', true],
    ['GET …/manage/segments', `${I}/manage/segments`, true],
    ['Get items: GET …/data/Customer?$top=10', `${I}/data/Customer?$top=10`, true],
    [`Get items, ${pages.length.toLocaleString('en')} pages in turn ($skip)`, pages[0] as string, true, pages],
    ['Get item: GET …/data/Customer/{id}', `${I}/data/Customer/${encodeURIComponent(customer)}`, true],
  ];
  const out: Measured[] = [];
  for (const [what, p, auth, paths] of targets) {
    const headers: Record<string, string> = auth ? { authorization: `Bearer ${await viewer()}` } : {};
    const r = await load({ url: `${rt.url}${p}`, ...(paths ? { paths } : {}), headers, connections, ...timing });
    if (r.errors > 0) throw new Error(`${what} (${store}): ${r.errors} failed requests, first: ${r.firstError}`);
    log(`${what} (${store}): ${Math.round(r.perSecond)}/s, p50 ${ms(r.p50)}`);
    out.push({ what, store, r });
  }
  return out;
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const bench: Bench = async ({ dir, scale, log }) => {
  const timing = { warmupMs: 1000, durationMs: Math.max(1000, Math.round(4000 * scale)) };
  const rows: Measured[] = [];

  const rt = await startDemo(path.join(dir, 'sqlite'), {});
  try {
    const health = await (await fetch(`${rt.url}/v1/health`)).text();
    const bare = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(health) })
        .end(health),
    );
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    try {
      const r = await load({
        url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`,
        connections,
        ...timing,
      });
      log(`bare node:http: ${Math.round(r.perSecond)}/s`);
      rows.push({ what: 'bare node:http (the health body)', store: '—', r });
    } finally {
      await new Promise<void>((r) => bare.close(() => r()));
    }
    rows.push(...(await measureReads(rt, 'SQLite', timing, log)));
  } finally {
    await rt.stop();
  }

  const unreachable = await postgresReachable();
  if (unreachable === null) {
    const schema = `bench_api_reads_${Date.now().toString(36)}`;
    const root = path.join(dir, 'postgres');
    const prt = await startDemo(
      root,
      {
        INSIGHTFLOW_DATABASE_URL: postgresUrl,
        INSIGHTFLOW_SHARED_DIR: root,
        INSIGHTFLOW_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123',
      },
      schema,
    );
    try {
      rows.push(...(await measureReads(prt, 'PostgreSQL', timing, log)));
    } finally {
      await prt.stop();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  } else log(`PostgreSQL rows skipped: ${unreachable}`);

  const bare = rows[0]?.r.perSecond ?? NaN;
  const rate = (what: string, store = 'SQLite') => rows.find((x) => x.what.startsWith(what) && x.store === store);
  const smallReads = Math.min(
    rate('GET /v1/instances')?.r.perSecond ?? 0,
    rate('GET …/manage/segments')?.r.perSecond ?? 0,
  );
  const items = rate('Get items')?.r.perSecond ?? 0;
  const table: BenchTable = {
    title: 'API reads with 32 connections',
    description:
      `Requests per second with ${connections} kept-alive connections (one request in flight on each) for ` +
      `${timing.durationMs / 1000} s after a ${timing.warmupMs / 1000} s warm-up, from an undici load loop in a worker ` +
      'thread of the benchmark process (bench/http-load.ts), against the server in the main thread: the demo ' +
      'workspace (3,519 profiles) with its full refresh done; authenticated reads with a viewer key of their own. ' +
      'A page or item of a published snapshot is read from DuckDB once and then kept (read cache); the pages in ' +
      'turn are more than it keeps, so each of them is a DuckDB query. ' +
      'Baseline: bare node:http answering the health body in the same run — the ceiling of server and load loop ' +
      'sharing the 2 cores. Server CPU per request: the CPU time of the process less that of the load loop, per answer (less ' +
      'sensitive to other load on the machine than throughput). Every answer is checked to be 200.',
    columns: ['request', 'control store', 'requests/s', '× bare', 'server CPU per request', 'p50', 'p99'],
    rows: rows.map(({ what, store, r }) => [
      what,
      store,
      `${Math.round(r.perSecond)}/s`,
      `${(r.perSecond / bare).toFixed(2)}×`,
      `${Math.round(r.serverCpuUsPerRequest)} µs`,
      ms(r.p50),
      ms(r.p99),
    ]),
    targets: [
      {
        name: 'small authenticated reads ≥ 20,000/s (SQLite)',
        ok: smallReads >= 20_000,
        value: `${Math.round(smallReads)}/s`,
      },
      { name: 'Get items ≥ 3,000/s (SQLite)', ok: items >= 3000, value: `${Math.round(items)}/s` },
    ],
  };
  return [table];
};

export default bench;
