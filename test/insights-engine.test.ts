// The one-pass segment and measure engine gives the answers of a straightforward per-query evaluation: on generated
// data with nulls, empty strings, dates and booleans, every segment's members and every measure's value (per
// dimension value, per customer) from a real job equal those of an independent evaluator of the same OData
// (test/support/odata-oracle.ts), and the per-query SQL that reads use (compileFilter over the published
// SegmentMembership) gives the same members too. A reference to a segment that is gone fails only its segment.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { seededRandom } from '../src/core/random.ts';
import { compileFilter } from '../src/datastore/odata/index.ts';
import { describeTable, getEntity, publishEntities, sqlString } from '../src/datastore/index.ts';
import type { PublishedEntity } from '../src/datastore/index.ts';
import { createServices } from '../src/http/runtime.ts';
import type { MeasureIn } from '../src/insights/index.ts';
import {
  createMeasure,
  createSegment,
  evaluationOrder,
  listMeasures,
  patchSegment,
  relatedEntities,
  removeSegment,
} from '../src/insights/index.ts';
import { definitionScope, getJob, submitJob } from '../src/jobs/index.ts';
import { bootstrap } from '../src/tenancy/index.ts';
import type { OracleContext, Row } from './support/odata-oracle.ts';
import { aggregate, where } from './support/odata-oracle.ts';

const instance = 'default';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number) {
  const next = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return { next, pick };
}

const day = (r: ReturnType<typeof random>, from: number, years: number) =>
  new Date(Date.UTC(from, 0, 1) + Math.floor(r.next() * years * 365) * 86_400_000).toISOString().slice(0, 10);

function generate(seed: number, profiles: number) {
  const r = random(seed);
  const maybe = <T>(v: T, nulls = 0.15): T | null => (r.next() < nulls ? null : v);
  const customers: Row[] = [];
  for (let i = 0; i < profiles; i++)
    customers.push({
      CustomerId: `k${String(i).padStart(4, '0')}`,
      FirstName: maybe(r.pick(['Ann', 'bob', 'BOBBY', 'Cy', 'dee', '', 'Abe'])),
      Country: maybe(r.pick(['DE', 'NL', 'FR', ''])),
      City: maybe(r.pick(['Berlin', 'berlin', 'Paris', 'DE', ''])),
      Email: maybe(r.pick(['a@x.com', 'b@y.org', 'c@z.com', ''])),
      Age: maybe(18 + Math.floor(r.next() * 60)),
      Spend: maybe(Math.round(r.next() * 40_000) / 100),
      Vip: maybe(r.next() < 0.3),
      Born: maybe(day(r, 1960, 45)),
    });
  const orders: Row[] = [];
  for (let i = 0; i < profiles * 3; i++)
    orders.push({
      order_id: `o${i}`,
      CustomerId: r.next() < 0.05 ? maybe('nobody', 0.5) : r.pick(customers).CustomerId,
      amount: maybe(Math.round(r.next() * 10_000) / 100),
      channel: maybe(r.pick(['web', 'app', 'store', ''])),
      placed: maybe(day(r, 2022, 3)),
    });
  return { customers, orders };
}

const types: Record<string, string> = {
  Age: 'BIGINT',
  Spend: 'DOUBLE',
  Vip: 'BOOLEAN',
  Born: 'DATE',
  amount: 'DOUBLE',
  placed: 'DATE',
};
const literal = (col: string, v: string | number | boolean | null) =>
  `CAST(${v === null ? 'NULL' : typeof v === 'string' ? sqlString(v) : String(v)} AS ${types[col] ?? 'VARCHAR'})`;

async function createTable(conn: DuckDBConnection, table: string, rows: Row[]): Promise<void> {
  const cols = Object.keys(rows[0] as Row);
  const values = rows
    .map((row) => `(${cols.map((c) => literal(c, row[c] as string | number | boolean | null)).join(', ')})`)
    .join(',\n');
  await conn.run(
    `CREATE TABLE ${table} AS SELECT * FROM (VALUES ${values}) AS v(${cols.map((c) => `"${c}"`).join(', ')})`,
  );
}

const segmentQueries: Record<string, string> = {
  German: "Country eq 'DE'",
  NotGerman: "Country ne 'DE'",
  NotEqGerman: "not (Country eq 'DE')",
  NoCountry: 'Country eq null',
  SomeCountry: 'Country ne null',
  EmptyCountry: "Country eq ''",
  Benelux: "Country in ('NL', 'DE')",
  NotBenelux: "not (Country in ('NL', 'DE'))",
  Adults: 'Age ge 30 and Age le 50',
  NotOld: 'not (Age gt 60)',
  SpendOrVip: 'Spend lt 100.5 or Vip eq true',
  Vip: 'Vip',
  NotVip: 'not Vip',
  VipNeTrue: 'Vip ne true',
  BornEarly: 'Born lt 1980-01-01',
  BornLate: "Born ge 1985-06-15 and not (Country eq 'FR')",
  HasB: "contains(tolower(FirstName), 'b')",
  NotA: "not startswith(FirstName, 'A')",
  DotCom: "endswith(Email, '.com')",
  NoName: 'length(FirstName) eq 0',
  Berliners: "toupper(City) eq 'BERLIN'",
  CityIsCountry: 'City eq Country',
  CityIsNotCountry: 'City ne Country',
  Buyers: 'Orders/any()',
  BigBuyers: 'Orders/any(o: o/amount gt 50)',
  OnlyWeb: "Orders/all(o: o/channel eq 'web')",
  NoUnknownChannel: 'not Orders/any(o: o/channel eq null)',
  AboveSpend: 'Orders/any(o: o/amount gt Spend)',
  RecentNotApp: "Orders/any(o: o/placed ge 2024-01-01 and o/channel ne 'app') and Orders/all(o: o/amount ne null)",
  GermanNotAdult: "IsMemberOfSegment('German') and not IsMemberOfSegment('Adults')",
  Chain: "IsMemberOfSegment('GermanNotAdult') or (Age eq null and IsMemberOfSegment('BigBuyers'))",
  CycleA: "IsMemberOfSegment('CycleB') or Country eq 'NL'",
  CycleB: "IsMemberOfSegment('CycleA')",
  Nope: "Country eq 'XX'",
  Unknown: "IsMemberOfSegment('Nope') or not IsMemberOfSegment('Nope')",
};

const base = { kind: 'business' as const, attribute: null, filter: null, dimensions: [], link: null, owners: [] };
const measureDefs: MeasureIn[] = [
  { ...base, name: 'Profiles', entity: 'Customer', aggregation: 'count' },
  {
    ...base,
    name: 'Countries',
    entity: 'Customer',
    aggregation: 'count',
    attribute: 'Country',
    filter: "Country ne 'DE'",
  },
  { ...base, name: 'Cities', entity: 'Customer', aggregation: 'countDistinct', attribute: 'City' },
  {
    ...base,
    name: 'Spend by country',
    entity: 'Customer',
    aggregation: 'sum',
    attribute: 'Spend',
    dimensions: ['Country'],
  },
  {
    ...base,
    name: 'Age by country and vip',
    entity: 'Customer',
    aggregation: 'avg',
    attribute: 'Age',
    dimensions: ['Country', 'Vip'],
    filter: 'Age gt 30',
  },
  {
    ...base,
    name: 'Top spend by birth',
    entity: 'Customer',
    aggregation: 'max',
    attribute: 'Spend',
    dimensions: ['Born'],
    filter: 'Born gt 2000-01-01',
  },
  { ...base, name: 'Least spend', entity: 'Customer', aggregation: 'min', attribute: 'Spend', filter: 'not Vip' },
  {
    ...base,
    name: 'German spend',
    entity: 'Customer',
    aggregation: 'sum',
    attribute: 'Spend',
    filter: "IsMemberOfSegment('German')",
  },
  { ...base, name: 'Big buyers', entity: 'Customer', aggregation: 'count', filter: 'Orders/any(o: o/amount gt 50)' },
  {
    ...base,
    name: 'Revenue by channel',
    entity: 'Orders',
    aggregation: 'sum',
    attribute: 'amount',
    dimensions: ['channel'],
  },
  { ...base, name: 'Unknown channel', entity: 'Orders', aggregation: 'count', filter: 'channel eq null' },
  {
    ...base,
    name: 'Not web',
    entity: 'Orders',
    aggregation: 'avg',
    attribute: 'amount',
    filter: "not (channel eq 'web')",
  },
  { ...base, name: 'Nothing', entity: 'Orders', aggregation: 'avg', attribute: 'amount', filter: 'amount gt 1000000' },
  {
    ...base,
    name: 'Nothing summed',
    entity: 'Orders',
    aggregation: 'sum',
    attribute: 'amount',
    dimensions: ['channel'],
    filter: 'amount lt 0',
  },
  ...(
    [
      ['OrderCount', 'count', null, null],
      ['OrderSum', 'sum', 'amount', null],
      ['OrderAvgNotWeb', 'avg', 'amount', "channel ne 'web'"],
      ['OrderMin', 'min', 'amount', null],
      ['OrderMaxRecent', 'max', 'amount', 'placed ge 2024-01-01'],
      ['Channels', 'countDistinct', 'channel', null],
    ] as const
  ).map(([name, aggregation, attribute, filter]) => ({
    ...base,
    kind: 'customer' as const,
    name,
    entity: 'Orders',
    aggregation,
    attribute,
    filter,
  })),
];

const close = (a: unknown, b: unknown) =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));

function assertClose(actual: unknown, expected: unknown, message: string): void {
  assert.ok(close(actual, expected), `${message}: got ${String(actual)}, expected ${String(expected)}`);
}

/** The oracle's values per dimension value, keyed by the JSON of the dimension values. */
function expectedValues(def: MeasureIn, rows: Row[]): Map<string, number | null> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = JSON.stringify(Object.fromEntries(def.dimensions.map((d) => [d, r[d] ?? null])));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return new Map([...groups].map(([k, g]) => [k, aggregate(def.aggregation, def.attribute ?? null, g)]));
}

test('the one-pass engine gives every segment and measure the answer of a per-query evaluation', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'insights-engine-'));
  const config = loadConfig({ INSIGHTFLOW_DATA_DIR: dir, INSIGHTFLOW_LOG_LEVEL: 'silent', INSIGHTFLOW_DEMO: '0' }, dir);
  const services = await createServices(config, { log: silentLogger });
  try {
    await bootstrap(services.db, services.clock, { adminKey: undefined, serverKey: services.secretKey });
    const { customers, orders } = generate(15, 700);
    const data = await services.dataStore.instance(instance);
    const entities = await data.write(async (conn) => {
      await createTable(conn, '"Customer__v1"', customers);
      await createTable(conn, '"Orders__v1"', orders);
      const entity = async (name: string, kind: PublishedEntity['kind'], key: string, rowCount: number) => ({
        name,
        kind,
        table: `"${name}__v1"`,
        key: [key],
        rowCount,
        version: 1,
        attributes: await describeTable(conn, `"${name}__v1"`),
      });
      return [
        await entity('Customer', 'unified', 'CustomerId', customers.length),
        await entity('Orders', 'source', 'order_id', orders.length),
      ];
    });
    await publishEntities(services.db, instance, entities, { jobId: null, now: services.clock.now() });
    const scope = await definitionScope(services.db, instance);
    const segments = [];
    // A segment may only refer to segments that exist: CycleA is saved first without its reference to CycleB.
    for (const [name, query] of Object.entries(segmentQueries))
      segments.push(
        await createSegment(
          services.db,
          services.clock,
          instance,
          { name, query: name === 'CycleA' ? "Country eq 'NL'" : query, state: 'active', owners: [] },
          scope,
        ),
      );
    const cycleA = segments.find((s) => s.name === 'CycleA')!;
    const patch = { query: segmentQueries.CycleA! };
    segments.splice(
      segments.indexOf(cycleA),
      1,
      await patchSegment(services.db, services.clock, instance, cycleA.id, patch, scope),
    );
    for (const m of measureDefs) await createMeasure(services.db, services.clock, instance, m, scope);

    const job = await submitJob(services.jobs, instance, { operationType: 'unification' }, 'onDemand');
    await services.runner.drain();
    const done = await getJob(services.db, instance, job.id);
    const failed = done?.tasks.filter((t) => t.status === 'failed');
    assert.equal(done?.status, 'succeeded', JSON.stringify(failed));

    // The oracle, segment by segment in evaluation order.
    const ctx: OracleContext = { related: { Orders: orders }, segments: new Map() };
    for (const s of evaluationOrder(segments))
      ctx.segments.set(s.name, new Set(where(s.query, customers, ctx).map((c) => c.CustomerId as string)));

    const membership = (await getEntity(services.db, instance, 'SegmentMembership')) as PublishedEntity;
    const rows = async (sql: string, params: unknown[] = []) =>
      data.read(async (c) => (await c.runAndReadAll(sql, params as DuckDBValue[])).getRowObjectsJS());
    const published = new Map<string, string[]>();
    for (const r of await rows(`SELECT "SegmentName", "CustomerId" FROM ${membership.table} ORDER BY 1, 2`))
      published.set(r.SegmentName as string, [
        ...(published.get(r.SegmentName as string) ?? []),
        r.CustomerId as string,
      ]);
    const readScope = { ...scope, membershipTable: membership.table };
    for (const s of segments) {
      const expected = [...(ctx.segments.get(s.name) ?? [])].sort();
      assert.ok(
        (expected.length > 0 && expected.length < customers.length) || ['Unknown', 'CycleB', 'Nope'].includes(s.name),
        s.name,
      );
      assert.deepEqual(published.get(s.name) ?? [], expected, `members of ${s.name}: ${s.query}`);
      const memberCount: unknown = done?.tasks.find((t) => t.identifier === s.id)?.stats?.memberCount;
      assert.equal(memberCount, expected.length, `member count of ${s.name}`);
      const f = compileFilter(s.query, entities[0] as PublishedEntity, {
        alias: 't',
        membershipTable: membership.table,
        related: relatedEntities(readScope),
      });
      const read = await rows(`SELECT "CustomerId" FROM "Customer__v1" AS t WHERE ${f.sql} ORDER BY 1`, f.params);
      // A read sees the published members: a segment of a cycle read what the other had before the job.
      const readExpected = where(s.query, customers, ctx).map((c) => c.CustomerId as string);
      assert.deepEqual(
        read.map((r) => r.CustomerId),
        readExpected.sort(),
        `per-query SQL of ${s.name}: ${s.query}`,
      );
    }

    const customerRows = await rows(
      `SELECT * FROM ${(await getEntity(services.db, instance, 'CustomerMeasures'))?.table} ORDER BY 1`,
    );
    assert.equal(customerRows.length, customers.length);
    for (const m of await listMeasures(services.db, instance)) {
      const def = measureDefs.find((d) => d.name === m.name) as MeasureIn;
      const entityRows = m.entity === 'Customer' ? customers : orders;
      const matching = def.filter ? where(def.filter, entityRows, ctx) : entityRows;
      const stats = done?.tasks.find((t) => t.identifier === m.id)?.stats as { value?: number; values?: unknown[] };
      if (m.kind === 'customer') {
        const byCustomer = new Map<string, Row[]>();
        for (const o of matching)
          byCustomer.set(o.CustomerId as string, [...(byCustomer.get(o.CustomerId as string) ?? []), o]);
        for (const c of customerRows) {
          const own = byCustomer.get(c.CustomerId as string) ?? [];
          const want = aggregate(m.aggregation, m.attribute, own) ?? null;
          assertClose(c[m.name] === null ? null : Number(c[m.name]), want, `${m.name} of ${c.CustomerId as string}`);
        }
      }
      if (def.dimensions.length === 0) {
        assertClose(stats.value, aggregate(m.aggregation, m.attribute, matching), m.name);
        continue;
      }
      const expected = expectedValues(def, matching);
      const got = (stats.values ?? []) as Array<{ dimension: Record<string, unknown>; value: number | null }>;
      assert.deepEqual(
        got.map((v) => JSON.stringify(v.dimension)).sort(),
        [...expected.keys()].sort(),
        `dimension values of ${m.name}`,
      );
      for (const v of got)
        assertClose(v.value, expected.get(JSON.stringify(v.dimension)), `${m.name} ${JSON.stringify(v.dimension)}`);
    }

    // A segment others refer to cannot be deleted. One that an earlier version let go (it did not check references)
    // fails only the segment referring to it, by name: every other segment and measure is evaluated, and the
    // previous snapshot stays served (publishing is all or nothing).
    const nope = segments.find((s) => s.name === 'Nope')!;
    await assert.rejects(removeSegment(services.db, instance, nope.id), /used by segment "Unknown"/);
    await services.db.run('DELETE FROM segments WHERE id = ?', [nope.id]);
    const again = await submitJob(services.jobs, instance, { operationType: 'unification' }, 'onDemand');
    await services.runner.drain();
    const after = (await getJob(services.db, instance, again.id))!;
    const byStatus = (status: string) => after.tasks.filter((t) => t.status === status).map((t) => t.friendlyName);
    assert.deepEqual(byStatus('failed'), ['Segment Unknown']);
    assert.match(
      after.tasks.find((t) => t.status === 'failed')!.error!.message,
      /IsMemberOfSegment names no segment "Nope"/,
    );
    assert.equal(after.tasks.find((t) => t.operationType === 'publish')?.status, 'skipped');
    const evaluations = after.tasks.filter((t) => t.operationType === 'segment' || t.operationType === 'measure');
    assert.equal(byStatus('succeeded').length, evaluations.length - 1, 'the other segments and measures evaluated');
    assert.equal((await getEntity(services.db, instance, 'SegmentMembership'))?.table, membership.table);
  } finally {
    await services.runner.stop();
    await services.dataStore.close();
    await services.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
