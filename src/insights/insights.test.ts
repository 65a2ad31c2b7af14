// Segment evaluation order, how entities reach customers, and the evaluation SQL run on a real in-memory DuckDB.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBValue } from '@duckdb/node-api';
import type { InsightsScope, ScopedEntity } from './links.ts';
import { customerLink } from './links.ts';
import type { MeasureDefinition } from './model.ts';
import { evaluationOrder, referencedSegments } from './segments.ts';
import {
  businessMeasureSql,
  customerMeasureSql,
  customerMeasuresTableSql,
  customerValuesTableSql,
  membershipTables,
  membershipTablesSql,
  segmentIndexSql,
  segmentMembersSql,
} from './sql.ts';

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
    const t = membershipTables('"members__v2"');
    const segs = [
      { id: 'seg_de', name: 'DE' },
      { id: 'seg_a', name: 'A' },
    ];
    for (const sql of membershipTablesSql(t, 'customer', segs, { table: 'old', keep: ['seg_a'] })) await conn.run(sql);
    const [add, rename, find] = segmentIndexSql(t, { id: 'seg_de', name: 'DE' });
    for (const x of [add, rename]) await conn.run(x?.sql ?? '', x?.params as DuckDBValue[]);
    const ix = Number((await rows(find?.sql ?? '', find?.params))[0]?.ix);
    assert.equal(ix, 1, 'SegmentIx in SegmentId order');
    const q = segmentMembersSql(ix, "Country eq 'DE'", customer, scope);
    await conn.run(`INSERT INTO ${t.members} ${q.sql}`, q.params as DuckDBValue[]);
    const late = segmentIndexSql(t, { id: 'seg_late', name: 'Late' });
    for (const x of late.slice(0, 2)) await conn.run(x.sql, x.params as DuckDBValue[]);
    assert.deepEqual(await rows(late[2]?.sql ?? '', late[2]?.params), [{ ix: 2 }]);
    assert.deepEqual(await rows(`SELECT * FROM ${t.view} ORDER BY SegmentId, CustomerId`), [
      { SegmentId: 'seg_a', SegmentName: 'A', CustomerId: 'k2' },
      { SegmentId: 'seg_de', SegmentName: 'DE', CustomerId: 'k1' },
      { SegmentId: 'seg_de', SegmentName: 'DE', CustomerId: 'k3' },
    ]);
    const member = "IsMemberOfSegment('DE') or IsMemberOfSegment('A')";
    const viaView = segmentMembersSql(9, member, customer, { ...scope, membershipTable: t.view });
    const compact = { members: t.members, segments: t.segments, customerTable: 'customer' };
    const inJob = { ...scope, membershipTable: t.view, compactMembership: compact };
    const viaRowid = segmentMembersSql(9, member, customer, inJob);
    assert.match(viaRowid.sql, /t\.rowid IN/);
    assert.doesNotMatch(viaView.sql, /rowid IN/);
    const ordered = (q: typeof viaView) => rows(`${q.sql} ORDER BY 2`, q.params);
    assert.deepEqual(await ordered(viaRowid), await ordered(viaView));
    assert.deepEqual(
      (await ordered(viaRowid)).map((r) => r.CustomerIx),
      [0, 1, 2],
    );
    const isDe = def({ entity: 'Customer', aggregation: 'count', attribute: null, filter: "IsMemberOfSegment('DE')" });
    const sameTable = businessMeasureSql(isDe, customer, inJob);
    assert.match(sameTable.sql, /t\.rowid IN/);
    assert.deepEqual(await rows(sameTable.sql, sameTable.params), [{ value: 2n }]);
    const otherTable = businessMeasureSql(isDe, { ...customer, table: 'customer_v9' }, inJob);
    assert.doesNotMatch(otherTable.sql, /rowid IN/, 'rowids only over the Customer table the members index');
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
