// Fuzz-style hostile input (SPEC §11): a real server process gets generated hostile requests on every route of the
// API (odd path ids, bodies with bad encodings, nesting, NUL and control characters, huge literals, malformed OData)
// and hostile files for every file data source kind (uploaded and refreshed). After each batch: no answer was a 5xx,
// the process is alive, and — with what the batch created removed and the good files back — a full refresh of the
// baseline workspace succeeds. The generator is seeded: the seed is printed, and INSIGHTFLOW_FUZZ_SEED repeats a run.
// SQLite and PostgreSQL (skipped with the reason when unreachable).
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { Agent, fetch } from 'undici';
import { routes } from '../src/http/routes/index.ts';
import { engines, postgresUrl } from './support/engines.ts';
import type { FileKind, Rand } from './support/hostile.ts';
import { hostileBody, hostileFile, hostileId, hostileODataQuery, rand } from './support/hostile.ts';
import { startServerProcess } from './support/server-process.ts';

const adminKey = 'fuzz-test-admin-key-0123456789';
const U = '/v1/instances/default';
const seed = Number(process.env.INSIGHTFLOW_FUZZ_SEED ?? randomInt(2 ** 31));
process.stdout.write(`# hostile fuzz seed ${seed} (repeat with INSIGHTFLOW_FUZZ_SEED=${seed})\n`);

const batches = 3;
const requestsPerBatch = 80;

/** The baseline workspace's files, one per file kind. */
async function goodFiles(dir: string): Promise<Record<FileKind, Buffer>> {
  const parquet = path.join(dir, 'scores.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT * FROM (VALUES (1, 0.5), (2, 1.5)) t(id, score)) TO '${parquet}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
  return {
    csv: Buffer.from('id,email,name\n1,ann@example.com,Ann\n2,bob@example.com,Bob\n'),
    ndjson: Buffer.from('{"order_id":1,"id":1,"amount":10}\n{"order_id":2,"id":2,"amount":20.5}\n'),
    json: Buffer.from('[{"event_id":1,"kind":"visit"},{"event_id":2,"kind":"buy"}]'),
    parquet: readFileSync(parquet),
  };
}

const sources: Array<{ kind: FileKind; name: string; primaryKey: string }> = [
  { kind: 'csv', name: 'Crm', primaryKey: 'id' },
  { kind: 'ndjson', name: 'Orders', primaryKey: 'order_id' },
  { kind: 'json', name: 'Events', primaryKey: 'event_id' },
  { kind: 'parquet', name: 'Scores', primaryKey: 'id' },
];
const contentType: Record<FileKind, string> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
  parquet: 'application/octet-stream',
};
const unification = {
  map: [{ entity: 'Crm', primaryKey: 'id', attributes: { email: 'Email', name: 'Name' } }],
  match: { order: ['Crm'] },
  merge: {},
};

interface Call {
  status: number;
  body: any;
}

function client(base: string) {
  const send = async (
    method: string,
    p: string,
    o: { body?: Buffer | string; type?: string; key?: string | null; ownConnection?: boolean } = {},
  ): Promise<Call> => {
    const key = o.key === undefined ? adminKey : o.key;
    // A body the server refuses while it is still being sent ends its connection: such a request gets a connection
    // of its own, so that the pooled ones stay usable for the next requests.
    const own = o.ownConnection ? new Agent({ pipelining: 0 }) : undefined;
    const res = await fetch(base + p, {
      ...(own ? { dispatcher: own } : {}),
      method,
      headers: {
        ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
        ...(o.body !== undefined ? { 'content-type': o.type ?? 'application/json' } : {}),
      },
      ...(o.body !== undefined ? { body: o.body } : {}),
    });
    const text = await res.text();
    await own?.close();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body };
  };
  const json = async (method: string, p: string, body?: unknown, expect?: number): Promise<any> => {
    const r = await send(method, p, body === undefined ? {} : { body: JSON.stringify(body) });
    if (expect !== undefined) assert.equal(r.status, expect, `${method} ${p}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return { send, json };
}

type Client = ReturnType<typeof client>;

async function waitForJob(c: Client, id: string): Promise<any> {
  for (let i = 0; i < 3000; i++) {
    const job = await c.json('GET', `${U}/jobs/${id}`);
    if (!['queued', 'running'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not end`);
}

/** Paths outside the API routes: the UI's files, sign-in, metrics. */
const otherPaths = [
  '/',
  '/assets/..%2f..%2f..%2fetc%2fpasswd',
  '/assets/%00.js',
  '/segments/%2e%2e/%2e%2e/control.sqlite',
  '/v1/../../etc/passwd',
  '/auth/login?returnTo=https%3A%2F%2Fevil.example.com',
  '/auth/callback?state=%00&code=x',
  '/auth/logout',
  '/metrics',
  '/v1/nope',
];

/** One generated request on a random route: path ids hostile (real only for reads and collection writes). */
function generatedRequest(r: Rand): { method: string; path: string; body?: ReturnType<typeof hostileBody> } {
  if (r.chance(0.05)) return { method: r.pick(['GET', 'POST']), path: r.pick(otherPaths) };
  const candidates = routes.filter((x) => x.path !== '/v1/backup');
  const route = r.pick(candidates);
  const method = route.method.toUpperCase();
  const read = method === 'GET';
  let p = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'instanceId' && r.chance(0.8)) return 'default';
    if (read && name === 'entity' && r.chance(0.6)) return r.pick(['Customer', 'Crm', 'Orders', 'SegmentMembership']);
    return hostileId(r);
  });
  if (read && r.chance(0.6)) p += `?${hostileODataQuery(r)}`;
  if (r.chance(0.02)) p += `${p.includes('?') ? '&' : '?'}x=${'y'.repeat(20_000)}`;
  return { method, path: p, ...(read || method === 'DELETE' ? {} : { body: hostileBody(r) }) };
}

/** Removes what a batch created and puts the baseline's configuration and files back. */
async function restoreBaseline(c: Client, base: Baseline, files: Record<FileKind, Buffer>): Promise<void> {
  const drop = async (list: string, keep: Set<string>, item = list) => {
    for (const x of (await c.json('GET', list)).value as Array<{ id: string }>)
      if (!keep.has(x.id)) await c.json('DELETE', `${item}/${x.id}`, undefined, 204);
  };
  await drop(`${U}/flows`, new Set());
  await drop(`${U}/subscriptions`, new Set());
  await drop(`${U}/manage/measures`, base.measures);
  // Segments referring to others go first (a segment in use cannot be deleted).
  for (let round = 0; round < 5; round++) {
    const extra = ((await c.json('GET', `${U}/manage/segments`)).value as Array<{ id: string }>).filter(
      (x) => !base.segments.has(x.id),
    );
    for (const x of extra) await c.send('DELETE', `${U}/manage/segments/${x.id}`);
  }
  await drop(`${U}/manage/segments`, base.segments);
  await drop(`${U}/manage/datasources`, base.dataSources);
  for (const s of base.sourceIds)
    await c.send('PUT', `${U}/manage/datasources/${s.id}/content`, { body: files[s.kind], type: contentType[s.kind] });
  // The good files are ingested before the unification is put back: it is checked against the columns of the data.
  const job = await c.json('POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
  assert.equal((await waitForJob(c, job.id)).status, 'succeeded', 'the good files load again');
  await c.json('PUT', `${U}/manage/unification`, unification, 200);
}

interface Baseline {
  dataSources: Set<string>;
  segments: Set<string>;
  measures: Set<string>;
  sourceIds: Array<{ id: string; kind: FileKind }>;
}

for (const engine of await engines()) {
  test(`hostile fuzz against a server process (${engine}), seed ${seed}`, async () => {
    const r = rand(seed + (engine === 'postgres' ? 1 : 0));
    const work = mkdtempSync(path.join(os.tmpdir(), 'insightflow-fuzz-'));
    const dataDir = path.join(work, 'data');
    mkdirSync(path.join(dataDir, 'imports'), { recursive: true });
    let dbName: string | null = null;
    let dbUrl = '';
    if (engine === 'postgres') {
      dbName = `if_fuzz_${Date.now().toString(36)}_${randomInt(1e6)}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
      const u = new URL(postgresUrl);
      u.pathname = `/${dbName}`;
      dbUrl = u.toString();
    }
    const server = await startServerProcess({
      env: {
        INSIGHTFLOW_DATA_DIR: dataDir,
        INSIGHTFLOW_ADMIN_KEY: adminKey,
        INSIGHTFLOW_DEMO: '0',
        INSIGHTFLOW_LOG_LEVEL: 'error',
        INSIGHTFLOW_RATE_LIMIT: '1000000',
        INSIGHTFLOW_DUCKDB_MEMORY: '512MB',
        INSIGHTFLOW_DATABASE_URL: dbUrl,
        ...(dbUrl
          ? { INSIGHTFLOW_SHARED_DIR: dataDir, INSIGHTFLOW_SECRET_KEY: 'fuzz-secret-key-0123456789abcdef' }
          : {}),
      },
    });
    const { child, base, exited } = server;
    const c = client(base);
    const alive = async (what: string) => {
      assert.equal(child.exitCode, null, `${what}: the server process exited (seed ${seed})\n${server.stderr()}`);
      assert.equal((await c.send('GET', '/v1/health', { key: null })).status, 200, what);
    };
    try {
      const files = await goodFiles(work);
      const sourceIds: Baseline['sourceIds'] = [];
      for (const s of sources) {
        const ds = await c.json('POST', `${U}/manage/datasources`, { ...s, entity: s.name }, 201);
        const up = await c.send('PUT', `${U}/manage/datasources/${ds.id}/content`, {
          body: files[s.kind],
          type: contentType[s.kind],
        });
        assert.equal(up.status, 200, JSON.stringify(up.body));
        sourceIds.push({ id: ds.id, kind: s.kind });
      }
      await c.json('PUT', `${U}/manage/unification`, unification, 200);
      const seg = await c.json('POST', `${U}/manage/segments`, { name: 'Everyone', query: "Email ne ''" }, 201);
      const msr = await c.json(
        'POST',
        `${U}/manage/measures`,
        { name: 'P', aggregation: 'count', entity: 'Customer' },
        201,
      );
      const baseline: Baseline = {
        dataSources: new Set(sourceIds.map((s) => s.id)),
        segments: new Set([seg.id]),
        measures: new Set([msr.id]),
        sourceIds,
      };
      const fullRefresh = async (what: string) => {
        const job = await c.json('POST', `${U}/jobs`, { operationType: 'all' }, 202);
        const done = await waitForJob(c, job.id);
        assert.equal(done.status, 'succeeded', `${what} (seed ${seed}): ${JSON.stringify(done.tasks)}`);
        const customers = await c.json('GET', `${U}/data/Customer?$count=true`, undefined, 200);
        assert.equal(customers['@odata.count'], 2, what);
      };
      await fullRefresh('baseline');

      for (let b = 1; b <= batches; b++) {
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        for (let i = 0; i < requestsPerBatch; i++) {
          const req = generatedRequest(r);
          const key = r.chance(0.9) ? adminKey : r.pick([null, 'ifk_forged', 'x'.repeat(300)]);
          try {
            const res = await c.send(req.method, req.path, {
              key,
              ...(req.body
                ? { body: req.body.bytes, type: req.body.contentType, ownConnection: req.body.mayReset === true }
                : {}),
            });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status >= 500)
              failures.push(`${req.method} ${req.path.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body)}`);
          } catch (err) {
            if (!req.body?.mayReset) {
              const sent = req.body
                ? ` (${req.body.contentType}: ${JSON.stringify(req.body.bytes.subarray(0, 200).toString('latin1'))})`
                : '';
              failures.push(
                `${req.method} ${req.path.slice(0, 300)}${sent} → ${String(err)} ${String((err as Error).cause)}`,
              );
            }
          }
        }
        for (const s of sourceIds) {
          const f = hostileFile(r, s.kind, files[s.kind]);
          const what = `${s.kind} file "${f.name}"`;
          const up = await c.send('PUT', `${U}/manage/datasources/${s.id}/content`, {
            body: f.bytes,
            type: contentType[s.kind],
          });
          if (up.status >= 500) failures.push(`upload of ${what} → ${up.status} ${JSON.stringify(up.body)}`);
          const job = await c.send('POST', `${U}/manage/datasources/${s.id}/refresh`);
          if (job.status !== 202) failures.push(`refresh after ${what} → ${job.status} ${JSON.stringify(job.body)}`);
          else {
            const done = await waitForJob(c, job.body.id);
            if (done.tasks.some((t: any) => t.error?.code === 'Internal'))
              failures.push(`${what}: an unexpected task error ${JSON.stringify(done.tasks)}`);
          }
          await alive(`after ${what}`);
        }
        const seen = [...statuses].sort((x, y) => x[0] - y[0]).map(([k, n]) => `${k}×${n}`);
        process.stdout.write(`# ${engine} batch ${b}: ${seen.join(' ')}\n`);
        assert.deepEqual(failures, [], `batch ${b} (seed ${seed}):\n${failures.join('\n')}\n${server.stderr()}`);
        await alive(`batch ${b}`);
        await restoreBaseline(c, baseline, files);
        await fullRefresh(`the baseline refresh after batch ${b}`);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (dbName) {
        const admin = new pg.Client({ connectionString: postgresUrl });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
      rmSync(work, { recursive: true, force: true });
    }
  });
}
