// Many nodes (SPEC §10, ADR 0009). (1) The snapshot seam on 1 M rows in DuckDB: publishing a version as Parquet next
// to writing the DuckDB table (baseline), loading it on another node, and a page at depth 900,000 on the loaded copy,
// on the Parquet read in place and on the original table (baseline). (2) Three real server processes on one
// PostgreSQL and one shared directory: the first page on another node right after a 1 M-row refresh ended, signed
// deliveries per second with 1 and with 3 nodes, and the time from kill -9 of the node running a job to the job ended
// (default 30 s lease).
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import { exportVersion, loadVersion } from '../src/datastore/index.ts';
import { createOutbox } from '../src/events/index.ts';
import { webhookSink } from '../src/delivery/sink.ts';
import { openStore } from '../src/store/index.ts';
import type { Bench, BenchTable } from './lib.ts';
import { ms, summarize } from './lib.ts';
import type { CpuWindow } from './process-cpu.ts';
import { cpuWindow } from './process-cpu.ts';
import { unificationCompleted } from '../test/support/events.ts';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.ts';

const adminKey = 'bench-admin-key-0123456789abcdef';
const pgUrl = process.env.INSIGHTFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const U = '/v1/instances/default';

const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const pageAt = (conn: DuckDBConnection, from: string, row: string, start: number) =>
  time(() => conn.run(`SELECT * FROM ${from} WHERE ${row} >= ${start} AND ${row} < ${start + 101}`));
const pages = async (conn: DuckDBConnection, from: string, depth: number, row = 'rowid') => {
  const s: number[] = [];
  for (let i = 0; i < 30; i++) s.push(await pageAt(conn, from, row, depth));
  return summarize(s).p50;
};

async function seam(dir: string, rows: number, log: (l: string) => void): Promise<BenchTable> {
  const snapshotsDir = path.join(dir, 'snapshots');
  const a = await DuckDBInstance.create(path.join(dir, 'a.duckdb'), { preserve_insertion_order: 'true' });
  const b = await DuckDBInstance.create(path.join(dir, 'b.duckdb'), { preserve_insertion_order: 'true' });
  const ca = await a.connect();
  const cb = await b.connect();
  log(`seam: ${rows.toLocaleString('en')} rows`);
  const write = await time(() =>
    ca.run(`CREATE TABLE "Customer__v1" AS SELECT printf('C%09d', i) AS CustomerId, 'Name ' || i AS FullName,
      'n' || i || '@example.com' AS Email, i % 97 AS Segment, i * 1.5 AS Value FROM range(${rows}) t(i) ORDER BY 1`),
  );
  const opts = { snapshotsDir, instanceId: 'default', table: '"Customer__v1"' };
  const publish = await time(() => exportVersion(ca, opts));
  const load = await time(() => loadVersion(cb, opts));
  const depth = Math.floor(rows * 0.9);
  const file = path.join(snapshotsDir, 'default', 'Customer__v1', 'part0.parquet');
  const local = await pages(ca, '"Customer__v1"', depth);
  const copy = await pages(cb, '"Customer__v1"', depth);
  const inPlace = await pages(cb, `read_parquet('${file}', file_row_number = true)`, depth, 'file_row_number');
  ca.closeSync();
  cb.closeSync();
  a.closeSync();
  b.closeSync();
  return {
    title: 'Many nodes: publishing and loading a snapshot version (1 M rows)',
    description: `A ${rows.toLocaleString('en')}-row Customer table in key order. Publishing writes it as Parquet (row groups of 10,000) to the shared directory; another node loads it into its local DuckDB. Pages of 100 at depth ${depth.toLocaleString('en')} (rowid range, p50 of 30). Baselines: writing the DuckDB table itself, and the page on the node that wrote it.`,
    columns: ['measure', 'time'],
    rows: [
      ['write the DuckDB table (baseline)', ms(write, 0)],
      ['publish: export to Parquet', ms(publish, 0)],
      ['load on another node', ms(load, 0)],
      ['page on the writing node (baseline)', ms(local)],
      ['page on the loaded copy', ms(copy)],
      ['page on the Parquet read in place', ms(inPlace)],
    ],
  };
}

const until = async (check: () => Promise<boolean> | boolean, polls = 30_000) => {
  for (let i = 0; i < polls; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
};

/** CPU per delivery of each process group, in µs, for the 1-node and the 3-node run. */
function cpuTable(total: number, one: CpuWindow, three: CpuWindow): BenchTable {
  const us = (msUsed: number) => `${Math.round((msUsed * 1000) / total)} µs`;
  const nodes = (w: CpuWindow) => w.processes.reduce((a, b) => a + b, 0);
  return {
    title: 'Many nodes: CPU per signed delivery, by process',
    description: `CPU time (user + system, from /proc) each group of processes spent while the ${total.toLocaleString('en')} deliveries above went out, divided by their number. Server nodes: each node's process; PostgreSQL backends: the server processes of the benchmark's database (every node's connections); PostgreSQL shared: the postmaster, WAL writer, checkpointer and other background processes; benchmark process: the loopback receiver (and the idle emitter); rest: what else ran on the machine (other users, the kernel's interrupt work).`,
    columns: ['process group', '1 node', '3 nodes'],
    rows: [
      ['server nodes (all)', us(nodes(one)), us(nodes(three))],
      ...[0, 1, 2].map((i) => [`server node ${i + 1}`, us(one.processes[i] ?? 0), us(three.processes[i] ?? 0)]),
      ['PostgreSQL backends', us(one.pgDatabase), us(three.pgDatabase)],
      ['PostgreSQL shared processes', us(one.pgShared), us(three.pgShared)],
      ['benchmark process (receiver)', us(one.self), us(three.self)],
      ['rest of the machine', us(one.rest), us(three.rest)],
      ['machine (busy)', us(one.machineBusy), us(three.machineBusy)],
    ],
  };
}

async function cluster(dir: string, scale: number, log: (l: string) => void): Promise<BenchTable[]> {
  const dbName = `bench_nodes_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(pgUrl);
  url.pathname = `/${dbName}`;
  const shared = path.join(dir, 'shared');
  mkdirSync(path.join(shared, 'imports'), { recursive: true });
  // The receiver counts webhook-ids, so that a lost delivery keeps the run from ending and one sent twice is seen.
  const received = new Set<string>();
  let twice = 0;
  const rx = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    req.resume();
    req.on('end', () => {
      if (received.has(id)) twice++;
      else received.add(id);
      res.writeHead(200).end();
    });
  });
  rx.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', () => r()));
  const nodes: Array<{ base: string; server: ServerProcess | null; start: () => Promise<void> }> = [];
  for (let i = 0; i < 3; i++) {
    const n = {
      base: '',
      server: null as ServerProcess | null,
      start: async () => {
        n.server = await startServerProcess({
          env: {
            INSIGHTFLOW_DATA_DIR: path.join(dir, `n${i}`),
            INSIGHTFLOW_DATABASE_URL: url.toString(),
            INSIGHTFLOW_SHARED_DIR: shared,
            INSIGHTFLOW_SECRET_KEY: 'bench-secret-key-shared-by-every-node',
            INSIGHTFLOW_ADMIN_KEY: adminKey,
            INSIGHTFLOW_DEMO: '0',
            INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
            INSIGHTFLOW_LOG_LEVEL: 'error',
            INSIGHTFLOW_RATE_LIMIT: '1000000',
          },
          echoStderr: true,
        });
        n.base = n.server.base;
      },
    };
    nodes.push(n);
  }
  const call = async (base: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  };
  const store = await openStore({ dataDir: dir, databaseUrl: url.toString() });
  try {
    await nodes[0]!.start();
    const rxUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`;
    await call(nodes[0]!.base, 'POST', `${U}/subscriptions`, { url: rxUrl, eventTypes: ['unification.completed'] });
    const clock = { now: () => new Date() };
    const outbox = createOutbox({ clock, sinks: { webhook: webhookSink({ clock, wake: () => undefined }) } });
    const total = Math.max(1000, Math.round(10_000 * scale));
    // All events in one transaction: the nodes see them at once when it commits, so the clock runs from the commit to
    // the last arrival and measures delivery alone.
    const deliver = async (count: number) => {
      const before = received.size;
      await store.tx(async (tx) => {
        for (let j = 0; j < count; j++)
          await outbox.emit(tx, 'default', 'unification.completed', unificationCompleted('job_bench'));
      });
      const t0 = performance.now();
      const pids = nodes.flatMap((n) => (n.server?.child.pid ? [n.server.child.pid] : []));
      const end = await cpuWindow(admin, dbName, pids);
      await until(() => received.size >= before + count);
      const rate = (count / (performance.now() - t0)) * 1000;
      return { rate, cpu: await end() };
    };
    // Each set of nodes first delivers a fifth as many, untimed, so that every node's delivery path is compiled (the
    // nodes added for the second run start cold) and the runs measure the steady state.
    const warmUp = Math.round(total / 5);
    log(`deliveries: ${total} events with 1 node (after ${warmUp} to warm up)`);
    await deliver(warmUp);
    const { rate: one, cpu: oneCpu } = await deliver(total);
    await Promise.all([nodes[1]!.start(), nodes[2]!.start()]);
    log(`deliveries: ${total} events with 3 nodes (after ${warmUp} to warm up)`);
    await deliver(warmUp);
    const { rate: three, cpu: threeCpu } = await deliver(total);

    const rows = Math.round(1_000_000 * scale);
    log(`refresh of ${rows.toLocaleString('en')} rows, then the first page on another node`);
    const csv = createWriteStream(path.join(shared, 'imports', 'c.csv'));
    csv.write('ContactId,Name,City\n');
    for (let i = 0; i < rows; i += 10_000) {
      let chunk = '';
      for (let j = i; j < Math.min(rows, i + 10_000); j++)
        chunk += `C${String(j).padStart(8, '0')},Name ${j},City ${j % 97}\n`;
      if (!csv.write(chunk)) await new Promise<void>((r) => csv.once('drain', () => r()));
    }
    await new Promise<void>((r) => csv.end(() => r()));
    const ds = await call(nodes[0]!.base, 'POST', `${U}/manage/datasources`, {
      name: 'C',
      kind: 'csv',
      location: 'c.csv',
      primaryKey: 'ContactId',
      owners: ['o@x.io'],
    });
    const job = await call(nodes[0]!.base, 'POST', `${U}/manage/datasources/${ds.id}/refresh`);
    await until(
      async () => !['queued', 'running'].includes((await call(nodes[0]!.base, 'GET', `${U}/jobs/${job.id}`)).status),
    );
    const ranOn = (await store.get<{ claimed_by: string }>('SELECT claimed_by FROM jobs WHERE id = ?', [job.id]))
      ?.claimed_by;
    const finishedAt = Date.parse((await call(nodes[0]!.base, 'GET', `${U}/jobs/${job.id}`)).finishedAt as string);
    const ids = await Promise.all(nodes.map(async (n) => (await call(n.base, 'GET', '/v1/health')).node.id as string));
    const others = nodes.filter((_, i) => ids[i] !== ranOn);
    const other = others[0]!;
    // The third node gets no request for the data: the background follower alone brings it up to date.
    const third = others[1]!;
    const published = (await store.get<{ version: number }>(
      "SELECT version FROM snapshots WHERE instance_id = 'default'",
    ))!.version;
    const page = `${U}/data/C?$top=100&$skip=${Math.floor(rows * 0.9)}`;
    const first = await time(() => call(other.base, 'GET', page));
    const second = await time(() => call(other.base, 'GET', page));
    await until(async () => Number((await call(third.base, 'GET', '/v1/health')).snapshots.default) >= published);
    const servedInBackground = Date.now() - finishedAt;

    log('kill -9 of the node running a refresh (default lease 30 s)');
    const long = await call(nodes[0]!.base, 'POST', `${U}/manage/datasources/${ds.id}/refresh`);
    let holder: string | undefined;
    await until(async () => {
      holder = (
        await store.get<{ claimed_by: string }>(`SELECT claimed_by FROM jobs WHERE id = ? AND status = 'running'`, [
          long.id,
        ])
      )?.claimed_by;
      return holder !== undefined;
    });
    const victim = nodes[ids.indexOf(holder as string)]!;
    const survivor = nodes.find((n) => n !== victim)!;
    victim.server?.child.kill('SIGKILL');
    const k0 = performance.now();
    victim.server = null;
    await until(
      async () => !['queued', 'running'].includes((await call(survivor.base, 'GET', `${U}/jobs/${long.id}`)).status),
      12_000,
    );
    const killToEnd = performance.now() - k0;
    const summary: BenchTable = {
      title: 'Many nodes: three processes on one PostgreSQL and one shared directory',
      description: `${total.toLocaleString('en')} signed deliveries to one loopback receiver with 1 node, then with 3, from the commit of one transaction that emitted them all to the last arrival, each after an untimed fifth as many to warm the nodes up (each node 64 in flight; all processes share this machine's ${os.cpus().length} cores). A refresh of ${rows.toLocaleString('en')} rows on one node, then a page at depth 90% on another node: the first request (which may load the version) and the next; and the time from the job's end until the third node, asked for nothing but its health, serves the new version. kill -9 of the node running a refresh until another node reports the job ended (lease 30 s, swept every 10 s).`,
      columns: ['measure', 'value'],
      rows: [
        ['deliveries/s, 1 node', Math.round(one)],
        ['deliveries/s, 3 nodes', Math.round(three)],
        ['webhook-ids received twice', twice],
        // How busy the machine was: with its cores saturated, more nodes cannot deliver more.
        ['machine CPU busy while 1 node delivers', `${Math.round(oneCpu.busyShare * 100)} %`],
        ['machine CPU busy while 3 nodes deliver', `${Math.round(threeCpu.busyShare * 100)} %`],
        ['job end → served by a node that got no request (background)', ms(servedInBackground, 0)],
        ['first page on another node after the refresh', ms(first, 0)],
        ['next page on that node', ms(second, 1)],
        ['kill -9 → job ended', ms(killToEnd, 0)],
      ],
      targets: [
        { name: '3 nodes ≥ 2 × 1 node', ok: three >= 2 * one, value: `${(three / one).toFixed(2)} ×` },
        { name: 'job ended within a minute of kill -9', ok: killToEnd <= 60_000, value: ms(killToEnd, 0) },
        {
          name: 'every node serves the new version within 5 s of the job end',
          ok: servedInBackground <= 5000,
          value: ms(servedInBackground, 0),
        },
      ],
    };
    return [summary, cpuTable(total, oneCpu, threeCpu)];
  } finally {
    for (const n of nodes) n.server?.child.kill('SIGKILL');
    await store.close();
    await new Promise<void>((r) => rx.close(() => r()));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

const bench: Bench = async ({ dir, scale, log }) => [
  await seam(dir, Math.round(1_000_000 * scale), log),
  ...(await cluster(dir, scale, log)),
];

export default bench;
