// Pages that walk rowids (tables stored in key order) return exactly what key-ordered pages return, and a token
// issued on a table that a refresh has since replaced continues by key on the new one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { isStoredInKeyOrder } from '../key-order.ts';
import type { PublishedEntity } from '../schema.ts';
import { compileItemsQuery, executeItemsQuery, type ItemsQueryInput } from './index.ts';

const entityOn = (table: string): PublishedEntity => ({
  name: 'Customer',
  kind: 'unified',
  table,
  version: 1,
  rowCount: 0,
  key: ['CustomerId'],
  attributes: [
    { name: 'CustomerId', type: 'string' },
    { name: 'Points', type: 'integer' },
  ],
});

let db: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  const rows = `SELECT 'cus_' || md5(CAST(range AS VARCHAR)) AS CustomerId, CAST(range % 97 AS BIGINT) AS Points FROM range(2500)`;
  await conn.run(`CREATE TABLE "sorted" AS ${rows} ORDER BY CustomerId`);
  await conn.run(`CREATE TABLE "shuffled" AS ${rows}`);
  await conn.run(`CREATE TABLE "refreshed" AS SELECT * FROM (${rows} UNION ALL SELECT 'cus_0', 1) ORDER BY CustomerId`);
});
after(() => {
  conn.closeSync();
  db.closeSync();
});

/** Every page of a query, following skiptokens; `tables` names the table each successive page reads. */
async function pages(input: ItemsQueryInput, tables: (page: number) => string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  let skiptoken: string | undefined;
  for (let i = 0; i < 100; i++) {
    const entity = entityOn(tables(i));
    const storedInKeyOrder = await isStoredInKeyOrder(conn, 'test', entity);
    const page = await executeItemsQuery(
      conn,
      compileItemsQuery({ ...input, skiptoken }, entity, { storedInKeyOrder }),
    );
    out.push(page.value.map((r) => r.CustomerId));
    if (!page.nextSkiptoken) break;
    skiptoken = page.nextSkiptoken;
  }
  return out;
}

test('a table is known to be in key order only when it is', async () => {
  assert.equal(await isStoredInKeyOrder(conn, 'test', entityOn('"sorted"')), true);
  assert.equal(await isStoredInKeyOrder(conn, 'test', entityOn('"shuffled"')), false);
  assert.equal(await isStoredInKeyOrder(conn, 'test', { ...entityOn('"sorted"'), key: [] }), false);
  assert.equal(await isStoredInKeyOrder(conn, 'test', entityOn('(SELECT * FROM "sorted")')), false);
});

test('walking rowids gives the pages that ordering by key gives, with and without a filter', async () => {
  for (const input of [{ top: '300' }, { top: '250', filter: 'Points gt 40' }, { top: '1000', select: 'CustomerId' }]) {
    const walked = await pages(input, () => '"sorted"');
    const byKey = await pages(input, () => '"shuffled"');
    assert.deepEqual(walked, byKey, JSON.stringify(input));
    assert.ok(walked.length > 1, JSON.stringify(input));
  }
  const sorted = compileItemsQuery({ top: '10' }, entityOn('"sorted"'), { storedInKeyOrder: true });
  assert.match(sorted.sql, /t\.rowid AS "__r"/);
  assert.doesNotMatch(sorted.sql, /ORDER BY/);
  const ordered = compileItemsQuery({ top: '10', orderby: 'Points' }, entityOn('"sorted"'), { storedInKeyOrder: true });
  assert.doesNotMatch(ordered.sql, /rowid/);
});

test('$skip on a table in key order starts at the rowid, as OFFSET would', async () => {
  for (const skip of ['0', '1', '1234', '2499', '2500', '9000']) {
    const fast = compileItemsQuery({ top: '7', skip }, entityOn('"sorted"'), { storedInKeyOrder: true });
    const slow = compileItemsQuery({ top: '7', skip }, entityOn('"shuffled"'));
    assert.deepEqual((await executeItemsQuery(conn, fast)).value, (await executeItemsQuery(conn, slow)).value, skip);
  }
});

test('a token from a replaced table continues by key on the new one', async () => {
  const before = (await pages({ top: '500' }, () => '"sorted"')).flat();
  const across = (await pages({ top: '500' }, (i) => (i < 2 ? '"sorted"' : '"refreshed"'))).flat();
  assert.deepEqual(across, before, 'the row added before the token position is not returned, none is lost or doubled');
  assert.equal(new Set(across).size, 2500);
});
