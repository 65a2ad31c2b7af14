// Segment membership changes at scale: a segment holding half of 1,000,000 profiles (× scale), then a refresh in
// which 10 % of the profiles change sides (5 % enter, 5 % leave: 100,000 changes). Measured through the product on
// a real runtime (embedded store): the segment job with the changes recorded in SegmentMembershipChanges and the
// events of a summary subscription and a per-profile subscription at the largest cap, and how fast the worker then
// delivers those signed events to a loopback receiver. Baseline in the same run: the segment's evaluation SQL on
// DuckDB directly, and the diff statement alone on the same two versions.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import {
  backingName,
  describeTable,
  getEntity,
  publishEntities,
  type PublishedEntity,
} from '../src/datastore/index.ts';
import { maxProfilesLimit } from '../src/events/index.ts';
import { startRuntime } from '../src/http/runtime.ts';
import { compileFilter } from '../src/datastore/odata/index.ts';
import { changesPartSql, filterOptions, flagPlaces } from '../src/insights/index.ts';
import { definitionScope, getJob, submitJob } from '../src/jobs/index.ts';
import type { Bench } from './lib.ts';
import { ms } from './lib.ts';

const adminKey = 'bench-admin-key-0123456789abcdef';
const instance = 'default';
const query = 'Points lt 5000';

/** Customer version `v`: in version 2 every tenth profile moves its points by half the range (changes sides). */
const customerSql = (v: number, profiles: number) =>
  `CREATE TABLE "Customer__v${v}" AS SELECT 'c' || i AS CustomerId, 'First' || i AS FirstName,
     'user' || i || '@example.com' AS Email,
     CAST(${v === 2 ? `CASE WHEN i % 10 = 0 THEN ((i * 7919) % 10000 + 5000) % 10000 ELSE (i * 7919) % 10000 END` : '(i * 7919) % 10000'} AS BIGINT) AS Points
   FROM range(${profiles}) t(i)`;

async function receiver() {
  let count = 0;
  let waiter: { n: number; resolve: (t: number) => void } | null = null;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200).end();
      if (waiter && count >= waiter.n) {
        const w = waiter;
        waiter = null;
        w.resolve(performance.now());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrival: (n: number) =>
      new Promise<number>((resolve) => {
        if (count >= n) resolve(performance.now());
        else waiter = { n, resolve };
      }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const bench: Bench = async ({ dir, scale, log }) => {
  const profiles = Math.max(10_000, Math.round(1_000_000 * scale));
  const rx = await receiver();
  const config = loadConfig(
    {
      INSIGHTFLOW_DATA_DIR: path.join(dir, 'data'),
      INSIGHTFLOW_PORT: '0',
      INSIGHTFLOW_ADMIN_KEY: adminKey,
      INSIGHTFLOW_DEMO: '0',
      INSIGHTFLOW_LOG_LEVEL: 'silent',
      INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
      INSIGHTFLOW_RATE_LIMIT: '1000000',
    },
    dir,
  );
  const rt = await startRuntime(config, { log: silentLogger });
  const { db, dataStore, clock } = rt.services;
  const api = async (method: string, p: string, body: unknown) => {
    const res = await fetch(`${rt.url}/v1/instances/${instance}${p}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const data = await dataStore.instance(instance);
  const publishCustomer = async (v: number) => {
    const entity: PublishedEntity = await data.write(async (conn: DuckDBConnection) => {
      await conn.run(customerSql(v, profiles));
      return {
        name: 'Customer',
        kind: 'unified',
        table: `"Customer__v${v}"`,
        key: ['CustomerId'],
        rowCount: profiles,
        version: v,
        attributes: await describeTable(conn, `"Customer__v${v}"`),
      };
    });
    await publishEntities(db, instance, [entity], { jobId: null, now: clock.now() });
  };
  const runSegments = async () => {
    const t0 = performance.now();
    const job = await submitJob(rt.services.jobs, instance, { operationType: 'segments' }, 'onDemand');
    for (let i = 0; i < 100_000; i++) {
      const done = await getJob(db, instance, job.id);
      if (done && !['queued', 'running'].includes(done.status)) {
        if (done.status !== 'succeeded') throw new Error(`job ${done.status}: ${JSON.stringify(done.tasks)}`);
        const took = (t: (typeof done.tasks)[number] | undefined) =>
          t?.startedAt && t.finishedAt ? Date.parse(t.finishedAt) - Date.parse(t.startedAt) : NaN;
        return {
          wallMs: performance.now() - t0,
          segmentMs: took(done.tasks.find((t) => t.operationType === 'segment')),
          publishMs: took(done.tasks.find((t) => t.operationType === 'publish')),
        };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('the job did not end');
  };
  try {
    await publishCustomer(1);
    const segment = await api('POST', '/manage/segments', { name: 'Half', query, owners: [] });
    await api('POST', '/triggers/segment-membership-changed/subscriptions', {
      callbackUrl: rx.url,
      segmentId: segment.id,
    });
    await api('POST', '/triggers/segment-membership-changed/subscriptions', {
      callbackUrl: rx.url,
      segmentId: segment.id,
      perProfile: true,
      maxProfiles: maxProfilesLimit,
    });
    log(`membership changes: ${profiles} profiles, baseline evaluation`);
    const first = await runSegments();
    const before = await getEntity(db, instance, 'SegmentMembership');
    // A copy of the first membership for the direct diff: the job drops the version it replaces.
    await data.write(async (conn) => {
      await conn.run(`CREATE TABLE bench_previous AS SELECT * FROM ${before!.table}`);
      await conn.run(`CREATE TABLE bench_previous_flags AS SELECT * FROM ${backingName(before!.table, 'flags')}`);
    });
    await publishCustomer(2);
    log('membership changes: 10 % churn');
    const second = await runSegments();
    const jobEnd = performance.now();
    const changes = await getEntity(db, instance, 'SegmentMembershipChanges');
    const changed = changes?.rowCount ?? 0;
    // The summary, the per-profile events, and the truncated summary when the changes exceed the cap.
    const expected = 1 + Math.min(changed, maxProfilesLimit) + (changed > maxProfilesLimit ? 1 : 0);
    log(`membership changes: ${changed} changes, waiting for ${expected} deliveries`);
    const deliveredMs = (await rx.arrival(expected)) - jobEnd;
    const after = await getEntity(db, instance, 'SegmentMembership');

    log('baseline: the segment SQL and the diff alone on DuckDB');
    const scope = await definitionScope(db, instance);
    // A flags table and where its columns hold each segment's flag.
    const flagsOf = async (conn: DuckDBConnection, table: string) => {
      const columns = await conn.runAndReadAll(
        'SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?',
        [table.replaceAll('"', '')],
      );
      const places = flagPlaces(
        columns.getRows().map(([name, type]) => ({ name: name as string, type: type as string })),
      );
      return { table, places };
    };
    const direct = await data.write(async (conn) => {
      const f = compileFilter(query, scope.customer!, filterOptions(scope));
      const t0 = performance.now();
      await conn.run(
        `CREATE TEMP TABLE bench_members AS SELECT CAST(t.rowid AS INTEGER) AS "CustomerIx" FROM ${scope.customer!.table} AS t WHERE ${f.sql}`,
        f.params as DuckDBValue[],
      );
      const evaluateMs = performance.now() - t0;
      const diff = changesPartSql({
        part: '"bench_changes"',
        jobId: 'job_bench',
        previous: { view: 'bench_previous', flags: await flagsOf(conn, 'bench_previous_flags') },
        next: { view: after!.table, flags: await flagsOf(conn, backingName(after!.table, 'flags')) },
        segments: [{ id: segment.id as string, name: 'Half', evaluatedAt: new Date().toISOString() }],
        merge: [],
        retainFrom: new Date(0),
      });
      const t1 = performance.now();
      await conn.run(diff.sql, diff.params as DuckDBValue[]);
      const diffMs = performance.now() - t1;
      await conn.run('DROP TABLE "bench_changes"');
      // The same diff through the member rows of both versions (what a version without named flags takes).
      const rowsDiff = changesPartSql({
        part: '"bench_changes"',
        jobId: 'job_bench',
        previous: { view: 'bench_previous' },
        next: { view: after!.table },
        segments: [{ id: segment.id as string, name: 'Half', evaluatedAt: new Date().toISOString() }],
        merge: [],
        retainFrom: new Date(0),
      });
      const t2 = performance.now();
      await conn.run(rowsDiff.sql, rowsDiff.params as DuckDBValue[]);
      const rowsDiffMs = performance.now() - t2;
      await conn.run('DROP TABLE "bench_changes"');
      return { evaluateMs, diffMs, rowsDiffMs };
    });
    const rate = (expected / deliveredMs) * 1000;
    return [
      {
        title: 'Segment membership changes: 10 % churn of the profiles',
        description:
          `A segment holding half of ${profiles.toLocaleString('en')} profiles is evaluated once (baseline: nothing ` +
          'recorded), then again after every tenth profile changed sides: the job records every change in ' +
          'SegmentMembershipChanges in one pass and stores the events of a summary subscription and of a per-profile ' +
          `subscription at the largest cap (${maxProfilesLimit.toLocaleString('en')} events, then a truncated summary), ` +
          "which the worker then delivers, signed, to a loopback receiver. Baseline: the first evaluation's publish " +
          'task (no diff), and the segment SQL and the diff statement alone on DuckDB (against a copy of the first ' +
          "membership): a full join of the two flags tables, and — as before — of the two versions' member rows.",
        columns: ['measure', 'value'],
        rows: [
          ['changes recorded', changed],
          ['segment job, first evaluation (baseline, no changes)', ms(first.wallMs, 0)],
          ['segment job with 10 % churn', ms(second.wallMs, 0)],
          ['· segment task', ms(second.segmentMs, 0)],
          ['· publish task (diff, profiles, events)', ms(second.publishMs, 0)],
          ['· publish task of the first evaluation (no diff)', ms(first.publishMs, 0)],
          ['direct: segment SQL', ms(direct.evaluateMs, 0)],
          ['direct: diff of the flags tables (time added)', ms(direct.diffMs, 0)],
          ['direct: diff of the member rows (before)', ms(direct.rowsDiffMs, 0)],
          ['events delivered', expected],
          ['delivered in', ms(deliveredMs, 0)],
          ['events/s delivered', Math.round(rate)],
        ],
      },
    ];
  } finally {
    await rt.stop();
    await rx.close();
  }
};

export default bench;
