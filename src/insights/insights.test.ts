// Segment evaluation order, how entities reach customers, and the evaluation SQL run on a real in-memory DuckDB.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBValue } from '@duckdb/node-api';
import type { InsightsScope, ScopedEntity } from './links.ts';
import { customerLink } from './links.ts';
import type { MeasureDefinition } from './model.ts';
import { referencedSegments } from './references.ts';
import { evaluationOrder } from './segments.ts';
import { businessMeasureSql, customerMeasureSql, customerMeasuresTableSql, customerValuesTableSql } from './sql.ts';
import {
  flagPlaces,
  layoutPlaces,
  membershipLayout,
  membershipViewSql,
  memberCountsSql,
  packedFlagsSql,
} from './membership.ts';
import { segmentScanSql } from './segment-engine.ts';

const customer: ScopedEntity = {
  name: 'Customer',
  kind: 'unified',
  table: 'customer',
  key: ['CustomerId'],
  attributes: [
    { name: 'CustomerId', type: 'string' },
    { name: 'Country', type: 'string' },
  ],
};
const orders: ScopedEntity = {
  name: 'Orders',
  kind: 'source',
  table: 'orders',
  key: ['order_id'],
  attributes: [
    { name: 'order_id', type: 'string' },
    { name: 'shop_no', type: 'integer' },
    { name: 'amount', type: 'decimal' },
    { name: 'channel', type: 'string' },
  ],
};
const scope: InsightsScope = {
  customer,
  entities: new Map([['Orders', orders]]),
  mapped: [{ entity: 'Shop', primaryKey: 'shop_no' }],
  conflationTable: 'cm',
  membershipTable: 'members',
};
const def = (d: Partial<MeasureDefinition>): MeasureDefinition => ({
  kind: 'business',
  entity: 'Orders',
  aggregation: 'sum',
  attribute: 'amount',
  filter: null,
  dimensions: [],
  link: null,
  ...d,
});

test('segments referring to others come after them; cycles keep their order', () => {
  assert.deepEqual(referencedSegments("IsMemberOfSegment('A') and IsMemberOfSegment( 'O''Brien' )"), ['A', "O'Brien"]);
  const segs = [
    { name: 'C', query: "IsMemberOfSegment('B')" },
    { name: 'B', query: "IsMemberOfSegment('A')" },
    { name: 'A', query: 'x eq 1' },
    { name: 'X', query: "IsMemberOfSegment('Y')" },
    { name: 'Y', query: "IsMemberOfSegment('X')" },
  ];
  assert.deepEqual(
    evaluationOrder(segs).map((s) => s.name),
    ['A', 'B', 'C', 'Y', 'X'],
  );
});

test('entities reach customers directly, as mapped entities, or through a key column', () => {
  assert.deepEqual(customerLink(customer, scope.mapped), { column: 'CustomerId', via: null });
  assert.deepEqual(customerLink(orders, scope.mapped), { column: 'shop_no', via: 'Shop' });
  assert.deepEqual(customerLink({ ...orders, name: 'Shop' }, scope.mapped), { column: 'shop_no', via: 'Shop' });
  const none = customerLink(orders, []);
  assert.ok('problem' in none && /does not reach customers/.test(none.problem));
  const two = customerLink(orders, [...scope.mapped, { entity: 'Crm', primaryKey: 'order_id' }]);
  assert.ok('problem' in two && /Shop or Crm/.test(two.problem));
  assert.deepEqual(customerLink(orders, scope.mapped, { entity: 'Shop', attribute: 'order_id' }), {
    column: 'order_id',
    via: 'Shop',
  });
});

test('the evaluation SQL gives members, values per dimension and customer columns', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const rows = async (sql: string, params: unknown[] = []) =>
    (await conn.runAndReadAll(sql, params as DuckDBValue[])).getRowObjectsJS();
  try {
    await conn.run(
      `CREATE TABLE customer AS SELECT * FROM (VALUES ('k1', 'DE'), ('k2', 'NL'), ('k3', 'DE')) v(CustomerId, Country)`,
    );
    await conn.run(
      `CREATE TABLE orders AS SELECT * FROM (VALUES ('o1', 1, 10.5, 'web'), ('o2', 1, 4.5, 'shop'), ('o3', 2, 20.0, 'web'), ('o4', 9, 1.0, 'web')) v(order_id, shop_no, amount, channel)`,
    );
    await conn.run(
      `CREATE TABLE cm AS SELECT * FROM (VALUES ('k1', 'Shop', '1'), ('k2', 'Shop', '2')) v(CustomerId, SourceEntity, SourceKey)`,
    );
    await conn.run(
      `CREATE TABLE old AS SELECT * FROM (VALUES ('seg_a', 'Old name', 'k2'), ('seg_gone', 'Gone', 'k1')) v(SegmentId, SegmentName, CustomerId)`,
    );
    const layout = membershipLayout('"members__v2"', [
      { id: 'seg_de', name: 'DE' },
      { id: 'seg_a', name: 'A' },
      { id: 'seg_both', name: 'Both' },
      { id: 'seg_web', name: 'Web buyers' },
    ]);
    const evaluate = [
      { id: 'seg_both', name: 'Both', query: "IsMemberOfSegment('DE') and not IsMemberOfSegment('A')" },
      { id: 'seg_de', name: 'DE', query: "Country eq 'DE'" },
      { id: 'seg_web', name: 'Web buyers', query: "Orders/any(o: o/channel eq 'web') and Country ne 'NL'" },
    ];
    const scan = segmentScanSql({ layout, customer, scope, evaluate, previous: 'old' });
    assert.equal(scan.invalid.size, 0);
    assert.equal((scan.statement.sql.match(/GROUP BY/g) ?? []).length, 2, 'orders and kept members joined once each');
    await conn.run(scan.statement.sql, scan.statement.params as DuckDBValue[]);
    await conn.run(membershipViewSql(layout));
    assert.deepEqual(await rows(`SELECT * FROM ${layout.view} ORDER BY SegmentId, CustomerId`), [
      { SegmentId: 'seg_a', SegmentName: 'A', CustomerId: 'k2' },
      { SegmentId: 'seg_both', SegmentName: 'Both', CustomerId: 'k1' },
      { SegmentId: 'seg_both', SegmentName: 'Both', CustomerId: 'k3' },
      { SegmentId: 'seg_de', SegmentName: 'DE', CustomerId: 'k1' },
      { SegmentId: 'seg_de', SegmentName: 'DE', CustomerId: 'k3' },
      { SegmentId: 'seg_web', SegmentName: 'Web buyers', CustomerId: 'k1' },
    ]);
    assert.deepEqual(await rows(memberCountsSql(layout) ?? ''), [{ s0: 1n, s1: 2n, s2: 2n, s3: 1n }]);
    const bad = segmentScanSql({
      layout,
      customer,
      scope,
      evaluate: [{ id: 'seg_a', name: 'A', query: 'Nope eq 1' }],
      previous: undefined,
    });
    assert.match(bad.invalid.get('seg_a')?.message ?? '', /unknown attribute 'Nope'/);
    const isDe = def({ entity: 'Customer', aggregation: 'count', attribute: null, filter: "IsMemberOfSegment('DE')" });
    const viaView = businessMeasureSql(isDe, customer, { ...scope, membershipTable: layout.view });
    assert.deepEqual(await rows(viaView.sql, viaView.params), [{ value: 2n }]);
    const total = businessMeasureSql(def({}), orders, scope);
    assert.deepEqual(await rows(total.sql, total.params), [{ value: 36 }]);
    const byChannel = businessMeasureSql(def({ dimensions: ['channel'], filter: 'amount gt 2' }), orders, scope);
    assert.deepEqual(await rows(byChannel.sql, byChannel.params), [
      { d0: 'shop', value: 4.5 },
      { d0: 'web', value: 30.5 },
    ]);
    const empty = businessMeasureSql(def({ filter: 'amount gt 1000' }), orders, scope);
    assert.deepEqual(await rows(empty.sql, empty.params), [{ value: 0 }]);
    const link = { column: 'shop_no', via: 'Shop' };
    const count = def({ kind: 'customer', aggregation: 'count', attribute: null });
    const storeCount = customerValuesTableSql('v0', 'customer', customerMeasureSql(count, orders, link, scope));
    await conn.run(storeCount.sql, storeCount.params as DuckDBValue[]);
    const avg = def({ kind: 'customer', aggregation: 'avg' });
    const storeAvg = customerValuesTableSql('v1', 'customer', customerMeasureSql(avg, orders, link, scope));
    await conn.run(storeAvg.sql, storeAvg.params as DuckDBValue[]);
    const columns = [
      { name: 'Orders', table: 'v0', aggregation: 'count' as const },
      { name: 'AvgAmount', table: 'v1', aggregation: 'avg' as const },
    ];
    await conn.run(customerMeasuresTableSql('cmx', 'customer', columns, undefined));
    assert.deepEqual(await rows('SELECT * FROM cmx ORDER BY CustomerId'), [
      { CustomerId: 'k1', Orders: 2n, AvgAmount: 7.5 },
      { CustomerId: 'k2', Orders: 1n, AvgAmount: 20 },
      { CustomerId: 'k3', Orders: 0n, AvgAmount: null },
    ]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});

test('flags of 130 segments pack into three UBIGINT columns, read back bit by bit', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    // Segment i holds customer n when (n + i) % 3 = 0; ids sort in index order.
    const segments = Array.from({ length: 130 }, (_, i) => ({
      id: `seg_${String(i).padStart(3, '0')}`,
      name: `S${i}`,
    }));
    const layout = membershipLayout('"m__v1"', [...segments].reverse());
    const flags = packedFlagsSql(layout, (ix) => `((t.n + ${ix}) % 3 = 0)`);
    await conn.run(
      `CREATE TABLE ${layout.flags} AS SELECT 'k' || t.n AS "CustomerId", ${flags.join(', ')} FROM range(3) t(n)`,
    );
    await conn.run(membershipViewSql(layout));
    const columns = (
      await conn.runAndReadAll("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'm__v1__flags'")
    ).getRowObjectsJS();
    assert.deepEqual(
      columns.map((c) => c.data_type),
      ['VARCHAR', 'UBIGINT', 'UBIGINT', 'UBIGINT'],
    );
    const places = flagPlaces(columns.map((c) => ({ name: c.column_name as string, type: c.data_type as string })));
    assert.deepEqual(
      segments.map((s) => places.get(s.id)),
      layoutPlaces(layout),
    );
    const members = (await conn.runAndReadAll(`SELECT "SegmentId", "CustomerId" FROM ${layout.view} ORDER BY 1, 2`))
      .getRows()
      .map(([s, c]) => `${String(s)} ${String(c)}`);
    const expected = segments.flatMap((s, i) => [0, 1, 2].filter((n) => (n + i) % 3 === 0).map((n) => `${s.id} k${n}`));
    assert.deepEqual(members, expected);
    const counts = (await conn.runAndReadAll(memberCountsSql(layout) ?? '')).getRowObjectsJS()[0] ?? {};
    assert.deepEqual(
      segments.map((_, i) => Number(counts[`s${i}`])),
      segments.map(() => 1),
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
