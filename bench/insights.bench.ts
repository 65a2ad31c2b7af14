// Segment and measure evaluation: 100 segments and 50 measures (10 of them customer measures) over 1,000,000
// profiles (× scale) and twice as many orders, evaluated by one job through the product — job runner, staging of
// SegmentMembership and CustomerMeasures, publish with history and threshold evaluation in the control store —
// next to the same SQL, built by the same functions, run directly on DuckDB in the same run.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { backingName, describeTable, publishEntities, type PublishedEntity } from '../src/datastore/index.ts';
import { createServices } from '../src/http/runtime.ts';
import type { InsightsScope, MeasureColumn, MeasureIn, ScopedEntity } from '../src/insights/index.ts';
import {
  businessMeasureSql,
  createMeasure,
  createSegment,
  customerMeasureSql,
  customerMeasuresTableSql,
  customerValuesTableSql,
  evaluationOrder,
  listMeasures,
  listSegments,
  relatedEntities,
} from '../src/insights/index.ts';
import { compileFilter } from '../src/datastore/odata/index.ts';
import { definitionScope, getJob, submitJob } from '../src/jobs/index.ts';
import { bootstrap } from '../src/tenancy/index.ts';
import type { Bench } from './lib.ts';
import { mib, ms } from './lib.ts';

const instance = 'default';

async function createData(conn: DuckDBConnection, profiles: number): Promise<void> {
  await conn.run(`CREATE TABLE "Customer__v1" AS SELECT 'c' || i AS CustomerId, 'C' || (i % 10) AS Country,
      CAST(18 + i % 70 AS BIGINT) AS Age, CAST((i * 7919) % 10000 AS BIGINT) AS Points,
      ['Gold', 'Silver', 'Bronze', 'None'][1 + i % 4] AS Tier, 'user' || i || '@mail' || (i % 50) || '.example' AS Email,
      'City' || (i % 100) AS City, CAST((i * 31) % 100000 AS DOUBLE) / 100 AS Spend
    FROM range(${profiles}) t(i)`);
  await conn.run(`CREATE TABLE "Orders__v1" AS SELECT 'o' || i AS order_id, 'c' || ((i * 48271) % ${profiles}) AS CustomerId,
      CAST((i * 13) % 50000 AS DOUBLE) / 100 AS amount, ['web', 'app', 'store', 'phone'][1 + i % 4] AS channel,
      'cat' || (i % 10) AS category
    FROM range(${profiles * 2}) t(i)`);
}

function segmentQueries(): string[] {
  const q: string[] = [];
  for (let i = 0; i < 10; i++) q.push(`Country eq 'C${i}'`);
  for (let i = 0; i < 20; i++) q.push(`Points gt ${i * 500}`);
  for (let i = 0; i < 15; i++) q.push(`Age ge ${18 + i * 4} and Age lt ${28 + i * 4} and Tier ne 'None'`);
  for (let i = 0; i < 15; i++) q.push(`Tier in ('Gold', 'Silver') and (Country eq 'C${i % 10}' or Spend gt ${i * 60})`);
  for (let i = 0; i < 10; i++) q.push(`endswith(Email, '@mail${i}.example') or startswith(City, 'City${i}')`);
  for (let i = 0; i < 10; i++) q.push(`contains(tolower(Email), 'user${i}') and Points le ${5000 + i * 100}`);
  for (let i = 0; i < 5; i++) q.push(`Orders/any(o: o/amount gt ${480 - i * 5} and o/channel eq 'web')`);
  for (let i = 0; i < 15; i++) q.push(`IsMemberOfSegment('S${i}') and not IsMemberOfSegment('S${10 + i}')`);
  return q;
}

function measureDefinitions(): MeasureIn[] {
  const base = { kind: 'business' as const, attribute: null, filter: null, dimensions: [], link: null, owners: [] };
  const m: MeasureIn[] = [];
  const add = (name: string, d: Partial<MeasureIn>) =>
    m.push({ ...base, name, entity: 'Customer', aggregation: 'count', ...d });
  add('Profiles', {});
  for (let i = 0; i < 8; i++)
    add(`Spend by country ${i}`, {
      aggregation: 'sum',
      attribute: 'Spend',
      dimensions: ['Country'],
      filter: `Age gt ${20 + i * 5}`,
    });
  for (let i = 0; i < 6; i++)
    add(`Points by tier ${i}`, {
      aggregation: 'avg',
      attribute: 'Points',
      dimensions: ['Tier'],
      filter: `Country ne 'C${i}'`,
    });
  for (let i = 0; i < 5; i++)
    add(`Cities ${i}`, { aggregation: 'countDistinct', attribute: 'City', filter: `Points gt ${i * 1000}` });
  for (let i = 0; i < 10; i++)
    add(`Revenue ${i}`, {
      entity: 'Orders',
      aggregation: i % 2 ? 'max' : 'sum',
      attribute: 'amount',
      dimensions: i % 3 ? ['channel'] : ['channel', 'category'],
    });
  for (let i = 0; i < 10; i++)
    add(`Orders ${i}`, { entity: 'Orders', aggregation: 'count', filter: `amount gt ${i * 40}` });
  const aggs = ['count', 'sum', 'avg', 'max', 'min'] as const;
  for (let i = 0; i < 10; i++)
    add(`PerCustomer${i}`, {
      kind: 'customer',
      entity: 'Orders',
      aggregation: aggs[i % 5],
      attribute: i % 5 ? 'amount' : null,
      filter: i > 4 ? `channel eq 'web'` : null,
    });
  return m;
}

/** The 150 queries one by one on DuckDB directly: each segment's members stored in a compact table (SegmentIx,
 * CustomerIx = rowid of Customer; IsMemberOfSegment tests rowids), each measure aggregated by its own query, customer
 * values stored then joined into CustomerMeasures once. */
async function direct(
  conn: DuckDBConnection,
  scope: InsightsScope,
  segments: Awaited<ReturnType<typeof listSegments>>,
  measures: Awaited<ReturnType<typeof listMeasures>>,
): Promise<number> {
  const t0 = performance.now();
  const customer = scope.customer as ScopedEntity;
  const members = '"direct_members"';
  await conn.run(`CREATE TABLE ${members} ("SegmentIx" SMALLINT, "CustomerIx" INTEGER)`);
  const ixByName = new Map<string, number>();
  const segmentColumn = (name: string) => {
    const ix = ixByName.get(name);
    return ix === undefined
      ? undefined
      : `(t.rowid IN (SELECT "CustomerIx" FROM ${members} WHERE "SegmentIx" = ${ix}))`;
  };
  for (const [ix, seg] of evaluationOrder(segments).entries()) {
    const f = compileFilter(seg.query, customer, { alias: 't', segmentColumn, related: relatedEntities(scope) });
    await conn.run(
      `INSERT INTO ${members} SELECT ${ix}, CAST(t.rowid AS INTEGER) FROM ${customer.table} AS t WHERE ${f.sql}`,
      f.params as DuckDBValue[],
    );
    ixByName.set(seg.name, ix);
  }
  const s: InsightsScope = { ...scope, membershipTable: undefined };
  const columns: MeasureColumn[] = [];
  for (const m of measures) {
    const entity = (m.entity === 'Customer' ? customer : scope.entities.get(m.entity)) as ScopedEntity;
    if (m.kind === 'business') {
      const q = businessMeasureSql(m, entity, s);
      await conn.runAndReadAll(q.sql, q.params as DuckDBValue[]);
    } else {
      const table = backingName('"direct_cm__v1"', `measure${columns.length}`);
      const values = customerMeasureSql(m, entity, { column: 'CustomerId', via: null }, s);
      const q = customerValuesTableSql(table, customer.table, values);
      await conn.run(q.sql, q.params as DuckDBValue[]);
      columns.push({ name: m.name, table, aggregation: m.aggregation });
      const total = businessMeasureSql({ ...m, kind: 'business', dimensions: [] }, entity, s);
      await conn.runAndReadAll(total.sql, total.params as DuckDBValue[]);
    }
  }
  await conn.run(customerMeasuresTableSql('"direct_cm__v1"', customer.table, columns, undefined));
  return performance.now() - t0;
}

/** Where the job's time went: the sum of its tasks' durations by operation type. */
function taskTimes(tasks: Array<{ operationType: string; startedAt: string | null; finishedAt: string | null }>) {
  const sums = new Map<string, { total: number; longest: number }>();
  for (const t of tasks) {
    if (!t.startedAt || !t.finishedAt) continue;
    const took = Date.parse(t.finishedAt) - Date.parse(t.startedAt);
    const s = sums.get(t.operationType) ?? { total: 0, longest: 0 };
    sums.set(t.operationType, { total: s.total + took, longest: Math.max(s.longest, took) });
  }
  return [...sums].map(([k, v]) => `${k} ${v.total} ms (longest ${v.longest} ms)`).join(', ');
}

const insightsBench: Bench = async (ctx) => {
  const profiles = Math.max(10_000, Math.round(1_000_000 * ctx.scale));
  const config = loadConfig(
    { INSIGHTFLOW_DATA_DIR: ctx.dir, INSIGHTFLOW_LOG_LEVEL: 'silent', INSIGHTFLOW_DEMO: '0' },
    ctx.dir,
  );
  const services = await createServices(config, { log: silentLogger });
  try {
    await bootstrap(services.db, services.clock, { adminKey: undefined, serverKey: services.secretKey });
    const data = await services.dataStore.instance(instance);
    const entities = await data.write(async (conn) => {
      await createData(conn, profiles);
      const entity = async (
        name: string,
        kind: PublishedEntity['kind'],
        key: string,
        rowCount: number,
      ): Promise<PublishedEntity> => ({
        name,
        kind,
        table: `"${name}__v1"`,
        key: [key],
        rowCount,
        version: 1,
        attributes: await describeTable(conn, `"${name}__v1"`),
      });
      return [
        await entity('Customer', 'unified', 'CustomerId', profiles),
        await entity('Orders', 'source', 'order_id', profiles * 2),
      ];
    });
    await publishEntities(services.db, instance, entities, { jobId: null, now: services.clock.now() });
    ctx.log(`insights: ${profiles} profiles, ${profiles * 2} orders`);
    const scope = await definitionScope(services.db, instance);
    for (const [i, query] of segmentQueries().entries())
      await createSegment(
        services.db,
        services.clock,
        instance,
        { name: `S${i}`, query, state: 'active', owners: [] },
        scope,
      );
    for (const m of measureDefinitions()) await createMeasure(services.db, services.clock, instance, m, scope);
    const segments = await listSegments(services.db, instance);
    const measures = await listMeasures(services.db, instance);
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const job = await submitJob(services.jobs, instance, { operationType: 'unification' }, 'onDemand');
    await services.runner.drain();
    const productMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const productCpuMs = (cpu.user + cpu.system) / 1000;
    clearInterval(sampler);
    const peakMiB = peakRss / 1024 ** 2;
    const done = await getJob(services.db, instance, job.id);
    const failed = done?.tasks.filter((t) => t.status === 'failed') ?? [];
    if (done?.status !== 'succeeded')
      throw new Error(`the job ended ${done?.status}: ${JSON.stringify(failed.slice(0, 3))}`);
    const members = done.tasks.reduce((n, t) => n + Number(t.stats?.memberCount ?? 0), 0);
    ctx.log(
      `insights: job ${ms(productMs, 0)} (CPU ${ms(productCpuMs, 0)}), ${members} memberships; ${taskTimes(done.tasks)}`,
    );
    const directCpu0 = process.cpuUsage();
    const directMs = await data.write((conn) =>
      direct(conn, { ...scope, customer: { ...(entities[0] as PublishedEntity) } }, segments, measures),
    );
    const directCpu = process.cpuUsage(directCpu0);
    const directCpuMs = (directCpu.user + directCpu.system) / 1000;
    ctx.log(`insights: direct SQL ${ms(directMs, 0)} (CPU ${ms(directCpuMs, 0)})`);
    const ratio = productMs / directMs;
    return [
      {
        title: 'Segments and measures: 100 segments and 50 measures over the profiles',
        description:
          'One job evaluates 100 segments (comparisons, in, string functions, any() over orders, IsMemberOfSegment) and ' +
          '50 measures (business with and without dimensions over Customer and Orders, 10 customer measures) into ' +
          'SegmentMembership and CustomerMeasures, and publishes them with history (from submission to the end of the ' +
          'job). Baseline: bare DuckDB running the same 150 queries one by one in the same process and run (each ' +
          "segment's members stored in a compact table, each measure aggregated by its own query, customer measures " +
          'joined into one table). CPU: the process (Node and DuckDB threads), steadier than elapsed time on a ' +
          'shared machine. Peak RSS: the process (Node and DuckDB, the data included) while the job runs.',
        columns: [
          'profiles',
          'orders',
          'memberships',
          'bare DuckDB, one by one',
          'job (evaluate + publish)',
          'job / bare',
          'CPU: bare',
          'CPU: job',
          'peak RSS',
        ],
        rows: [
          [
            profiles,
            profiles * 2,
            members,
            ms(directMs, 0),
            ms(productMs, 0),
            `${ratio.toFixed(2)}×`,
            ms(directCpuMs, 0),
            ms(productCpuMs, 0),
            mib(peakMiB),
          ],
        ],
        targets: [
          { name: `${profiles} profiles ≤ 4 s`, ok: productMs <= 4_000, value: ms(productMs, 0) },
          { name: 'at most 0.5× bare DuckDB one by one', ok: ratio <= 0.5, value: `${ratio.toFixed(2)}×` },
          { name: 'peak RSS < 1.5 GB', ok: peakMiB < 1536, value: mib(peakMiB) },
        ],
      },
    ];
  } finally {
    await services.runner.stop();
    await services.dataStore.close();
    await services.db.close();
  }
};

export default insightsBench;
