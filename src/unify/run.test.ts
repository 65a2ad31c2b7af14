import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TaskError } from '../core/errors.ts';
import { describeTable } from '../datastore/engine.ts';
import { quoteIdent } from '../datastore/schema.ts';
import type { UnificationConfigIn } from './config.ts';
import { validateUnificationConfig } from './config.ts';
import { runUnification } from './run.ts';
import type { SourceTable } from './records.ts';

let inst: DuckDBInstance;
let conn: DuckDBConnection;
let tableNo = 0;

before(async () => {
  inst = await DuckDBInstance.create(':memory:');
  conn = await inst.connect();
});
after(() => {
  conn.closeSync();
  inst.closeSync();
});

/** Creates a source table from a VALUES body and column definitions. */
async function source(name: string, columns: string, rows: string): Promise<SourceTable> {
  const table = quoteIdent(`${name}_${++tableNo}`);
  await conn.run(`CREATE TABLE ${table} (${columns})`);
  if (rows) await conn.run(`INSERT INTO ${table} VALUES ${rows}`);
  return { table, schema: { name, kind: 'source', attributes: await describeTable(conn, table), key: [] } };
}

async function unify(config: UnificationConfigIn, sources: Record<string, SourceTable>, previous?: string) {
  const valid = validateUnificationConfig(
    config,
    Object.values(sources).map((s) => s.schema),
  );
  const n = ++tableNo;
  const output = { customer: quoteIdent(`Customer_${n}`), conflationMap: quoteIdent(`ConflationMap_${n}`) };
  const stats = await runUnification(conn, { config: valid, sources, output, previousConflationMap: previous });
  const customers = (
    await conn.runAndReadAll(`SELECT * FROM ${output.customer} ORDER BY CustomerId`)
  ).getRowObjectsJS();
  const map = (
    await conn.runAndReadAll(`SELECT * FROM ${output.conflationMap} ORDER BY SourceEntity, SourceKey`)
  ).getRowObjectsJS();
  /** The sorted source keys of each profile, sorted. */
  const groups = Object.values(
    Object.groupBy(map, (r) => r.CustomerId as string) as Record<string, Array<Record<string, unknown>>>,
  )
    .map((rs) => rs.map((r) => String(r.SourceKey)).sort())
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return { stats, customers, map, groups, output };
}

const crmColumns = 'contact_id VARCHAR, first_name VARCHAR, last_name VARCHAR, email VARCHAR, phone VARCHAR';
const crmMap = {
  entity: 'Crm',
  primaryKey: 'contact_id',
  attributes: { first_name: 'FirstName', last_name: 'LastName', email: 'Email', phone: 'Phone' },
};

describe('runUnification', () => {
  test('the SPEC example: e-mail and phone rules across two entities, typed output, stats', async () => {
    const crm = await source(
      'CrmContacts',
      'contact_id VARCHAR, first_name VARCHAR, last_name VARCHAR, email VARCHAR, phone VARCHAR, birth_date DATE, updated_at TIMESTAMP',
      `('c1', 'Robert', 'Smith', 'bob@x.org', '0170 1234567', '1980-02-03', '2024-01-01'),
       ('c2', 'Anna', 'Meyer', 'anna@y.org', NULL, NULL, '2024-01-01'),
       ('c3', 'Carl', 'Jones', 'carl@z.org', '030 555666', NULL, '2023-01-01')`,
    );
    const shop = await source(
      'ShopCustomers',
      'customer_no INTEGER, given VARCHAR, family VARCHAR, email_address VARCHAR, mobile VARCHAR',
      `(1, 'Bob', 'Smith', ' BOB@x.org ', NULL), (2, 'Anna', 'Mayer', NULL, '+49 30 555666'),
       (3, 'Carl', 'Jonas', NULL, '+49 30 555666'), (4, 'Zoe', 'Quinn', 'zoe@q.org', NULL)`,
    );
    const { stats, customers, map, groups } = await unify(
      {
        map: [
          {
            entity: 'CrmContacts',
            primaryKey: 'contact_id',
            attributes: {
              first_name: 'FirstName',
              last_name: 'LastName',
              email: 'Email',
              phone: 'Phone',
              birth_date: 'BirthDate',
              updated_at: 'UpdatedAt',
            },
          },
          {
            entity: 'ShopCustomers',
            primaryKey: 'customer_no',
            attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email', mobile: 'Phone' },
          },
        ],
        match: {
          order: ['CrmContacts', 'ShopCustomers'],
          phoneCountry: '49',
          rules: [
            { name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] },
            {
              name: 'Same phone, similar last name',
              conditions: [
                { attribute: 'Phone', normalize: ['phone'], precision: 'exact' },
                { attribute: 'LastName', normalize: ['name'], precision: 'high' },
              ],
            },
          ],
        },
        merge: { default: { policy: 'importance' }, attributes: { Email: { policy: 'mostRecent', by: 'UpdatedAt' } } },
      },
      { CrmContacts: crm, ShopCustomers: shop },
    );
    // Anna Meyer/Mayer share no phone (c2 has none); Carl Jones ~ Jonas by phone + 0.8 similar last name.
    assert.deepEqual(groups, [['1', 'c1'], ['2'], ['3', 'c3'], ['4'], ['c2']]);
    assert.deepEqual(stats.matchesPerRule, { 'Same e-mail': 1, 'Same phone, similar last name': 1 });
    assert.equal(stats.sourceRecords, 7);
    assert.equal(stats.unifiedProfiles, 5);
    assert.equal(stats.matchedRecords, 2);
    const bob = customers.find((c) => c.FirstName === 'Robert');
    assert.ok(bob);
    assert.match(bob.CustomerId as string, /^cus_[0-9a-f]{32}$/);
    assert.equal(bob.BirthDate instanceof Date || typeof bob.BirthDate === 'string', true);
    assert.deepEqual(Object.keys(bob), [
      'CustomerId',
      'FirstName',
      'LastName',
      'Email',
      'Phone',
      'BirthDate',
      'UpdatedAt',
    ]);
    const matchedBy = Object.fromEntries(
      map.map((r) => [`${r.SourceEntity as string}/${r.SourceKey as string}`, r.MatchedBy]),
    );
    assert.equal(matchedBy['CrmContacts/c1'], null);
    assert.equal(matchedBy['ShopCustomers/1'], 'Same e-mail');
    assert.equal(matchedBy['ShopCustomers/3'], 'Same phone, similar last name');
  });

  test('matches are transitive: A~B by rule 1 and B~C by rule 2 make one profile', async () => {
    const crm = await source(
      'Crm',
      crmColumns,
      `('a', 'Ann', 'Lee', 'ann@x.org', NULL), ('b', 'Ann', 'Lee', 'ANN@x.org', '0170 111222'),
       ('c', 'Ann', 'Lee', NULL, '+49 170 111222'), ('d', 'Ann', 'Lee', NULL, NULL)`,
    );
    const { groups, map, stats } = await unify(
      {
        map: [crmMap],
        match: {
          order: ['Crm'],
          phoneCountry: '49',
          rules: [
            { name: 'email', conditions: [{ attribute: 'Email', normalize: ['email'] }] },
            { name: 'phone', conditions: [{ attribute: 'Phone', normalize: ['phone'] }] },
          ],
        },
        merge: {},
      },
      { Crm: crm },
    );
    assert.deepEqual(groups, [['a', 'b', 'c'], ['d']]);
    assert.deepEqual(
      map.map((r) => [r.SourceKey, r.MatchedBy]),
      [
        ['a', null],
        ['b', 'email'],
        ['c', 'phone'],
        ['d', null],
      ],
    );
    assert.deepEqual(stats.matchesPerRule, { email: 1, phone: 1 });
  });

  test('deduplicate false keeps records of one entity apart unless another entity links them', async () => {
    const crm = await source(
      'Crm',
      crmColumns,
      `('a', 'A', 'X', 'same@x.org', NULL), ('b', 'B', 'X', 'same@x.org', NULL)`,
    );
    const shop = await source('Shop', 'no VARCHAR, mail VARCHAR', `('s1', 'other@x.org')`);
    const config = (deduplicate: boolean): UnificationConfigIn => ({
      map: [crmMap, { entity: 'Shop', primaryKey: 'no', attributes: { mail: 'Email' } }],
      match: {
        order: ['Crm', 'Shop'],
        deduplicate,
        rules: [{ name: 'email', conditions: [{ attribute: 'Email', normalize: ['email'] }] }],
      },
      merge: {},
    });
    assert.deepEqual((await unify(config(false), { Crm: crm, Shop: shop })).groups, [['a'], ['b'], ['s1']]);
    assert.deepEqual((await unify(config(true), { Crm: crm, Shop: shop })).groups, [['a', 'b'], ['s1']]);
    const shop2 = await source('Shop', 'no VARCHAR, mail VARCHAR', `('s1', 'SAME@x.org')`);
    assert.deepEqual((await unify(config(false), { Crm: crm, Shop: shop2 })).groups, [['a', 'b', 's1']]);
  });

  test('empty values never match, for exact and fuzzy conditions', async () => {
    const crm = await source(
      'Crm',
      crmColumns,
      `('a', '', 'Lee', '  ', NULL), ('b', NULL, 'Lee', '', NULL), ('c', ' ', 'Lee', NULL, '000000')`,
    );
    const { groups } = await unify(
      {
        map: [crmMap],
        match: {
          order: ['Crm'],
          rules: [
            { name: 'email', conditions: [{ attribute: 'Email', normalize: ['email'] }] },
            { name: 'first', conditions: [{ attribute: 'FirstName', normalize: ['name'], precision: 'low' }] },
            { name: 'phone', conditions: [{ attribute: 'Phone', normalize: ['phone'] }] },
          ],
        },
        merge: {},
      },
      { Crm: crm },
    );
    assert.deepEqual(groups, [['a'], ['b'], ['c']]);
  });

  test('each precision level decides a fuzzy match', async () => {
    // jonathan~jonathon 0.875; jonathan~johnathen 1 − 2/9 ≈ 0.78; jon~jonathan 0.375; xyz shares nothing.
    const crm = await source(
      'Crm',
      crmColumns,
      `('a', 'Jonathan', 'L', NULL, NULL), ('b', 'Jonathon', 'L', NULL, NULL), ('c', 'Johnathen', 'L', NULL, NULL),
       ('d', 'Jon', 'L', NULL, NULL), ('e', 'Xyz', 'L', NULL, NULL)`,
    );
    const run = async (precision: 'exact' | 'high' | 'medium' | 'low' | number) =>
      (
        await unify(
          {
            map: [crmMap],
            match: {
              order: ['Crm'],
              rules: [
                {
                  name: 'r',
                  conditions: [{ attribute: 'LastName' }, { attribute: 'FirstName', normalize: ['name'], precision }],
                },
              ],
            },
            merge: {},
          },
          { Crm: crm },
        )
      ).groups;
    assert.deepEqual(await run('exact'), [['a'], ['b'], ['c'], ['d'], ['e']]);
    assert.deepEqual(await run('high'), [['a', 'b'], ['c'], ['d'], ['e']]);
    assert.deepEqual(await run(0.9), [['a'], ['b'], ['c'], ['d'], ['e']]);
    assert.deepEqual(await run(0.85), [['a', 'b'], ['c'], ['d'], ['e']]);
    assert.deepEqual(await run('medium'), [['a', 'b', 'c'], ['d'], ['e']]);
    assert.deepEqual(await run('low'), [['a', 'b', 'c', 'd'], ['e']]);
  });

  test('blocks larger than maxBlockSize are split by fuzzy keys (prefix and suffix), never compared all pairs', async () => {
    const crm = await source(
      'Crm',
      crmColumns,
      `('a', 'Jonathan', 'L', NULL, NULL), ('b', 'Jonathon', 'L', NULL, NULL), ('c', 'Xonathan', 'L', NULL, NULL),
       ('d', 'Maria', 'L', NULL, NULL), ('e', 'Marie', 'L', NULL, NULL), ('f', 'Mxria', 'L', NULL, NULL)`,
    );
    const run = async (maxBlockSize: number) =>
      (
        await unify(
          {
            map: [crmMap],
            match: {
              order: ['Crm'],
              maxBlockSize,
              rules: [{ name: 'r', conditions: [{ attribute: 'FirstName', normalize: ['name'], precision: 0.75 }] }],
            },
            merge: {},
          },
          { Crm: crm },
        )
      ).groups;
    // One block of six: every pair is scored.
    assert.deepEqual(await run(6), [
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    // Split blocks: jonathan~jonathon share "jon", jonathan~xonathan share "han", maria~marie share "mar",
    // maria~mxria share "ria"; all still found.
    assert.deepEqual(await run(3), [
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
  });

  test('merge policies: importance, mostRecent, leastRecent, mostFilled', async () => {
    const a = await source(
      'A',
      'id VARCHAR, email VARCHAR, city VARCHAR, note VARCHAR, tag VARCHAR, seen DATE',
      `('a1', 'p@x.org', NULL, 'short', NULL, '2021-01-01')`,
    );
    const b = await source(
      'B',
      'id VARCHAR, email VARCHAR, city VARCHAR, note VARCHAR, tag VARCHAR, seen DATE',
      `('b1', 'p@x.org', 'Berlin', 'a longer note', 'new', '2024-01-01'),
       ('b2', 'P@x.org', 'Bonn', 'mid note', 'old', '2020-01-01'),
       ('b3', 'p@X.org', 'Hamm', 'the longest note', 'undated', NULL)`,
    );
    const cols = { email: 'Email', city: 'City', note: 'Note', tag: 'Tag', seen: 'Seen' };
    const { customers } = await unify(
      {
        map: [
          { entity: 'A', primaryKey: 'id', attributes: cols },
          { entity: 'B', primaryKey: 'id', attributes: cols },
        ],
        match: {
          order: ['A', 'B'],
          rules: [{ name: 'e', conditions: [{ attribute: 'Email', normalize: ['email'] }] }],
        },
        merge: {
          default: { policy: 'importance' },
          attributes: {
            City: { policy: 'mostRecent', by: 'Seen' },
            Tag: { policy: 'leastRecent', by: 'Seen' },
            Note: { policy: 'mostFilled' },
          },
        },
      },
      { A: a, B: b },
    );
    assert.equal(customers.length, 1);
    const c = customers[0] as Record<string, unknown>;
    assert.equal(c.City, 'Berlin');
    assert.equal(c.Tag, 'old');
    assert.equal(c.Note, 'the longest note');
    assert.equal(c.Email, 'p@x.org');
    assert.equal((c.Seen as Date).toISOString().slice(0, 10), '2021-01-01');
  });

  test('importance takes the first non-empty value in match order', async () => {
    const a = await source('A', 'id VARCHAR, email VARCHAR, city VARCHAR', `('a1', 'p@x.org', NULL)`);
    const b = await source('B', 'id VARCHAR, email VARCHAR, city VARCHAR', `('b1', 'p@x.org', 'Bonn')`);
    const c = await source('C', 'id VARCHAR, email VARCHAR, city VARCHAR', `('c1', 'p@x.org', 'Köln')`);
    const cols = { email: 'Email', city: 'City' };
    const { customers } = await unify(
      {
        map: ['A', 'B', 'C'].map((entity) => ({ entity, primaryKey: 'id', attributes: cols })),
        match: { order: ['C', 'A', 'B'], rules: [{ name: 'e', conditions: [{ attribute: 'Email' }] }] },
        merge: {},
      },
      { A: a, B: b, C: c },
    );
    assert.equal(customers[0]?.City, 'Köln');
  });

  test('a duplicate or missing primary key fails with PrimaryKeyViolation naming the keys', async () => {
    const crm = await source(
      'Crm',
      crmColumns,
      `('c-17', 'A', 'X', NULL, NULL), ('c-17', 'B', 'X', NULL, NULL), ('c-42', 'C', 'X', NULL, NULL),
       ('c-42', 'D', 'X', NULL, NULL), (NULL, 'E', 'X', NULL, NULL), ('c-1', 'F', 'X', NULL, NULL)`,
    );
    await assert.rejects(
      unify({ map: [crmMap], match: { order: ['Crm'] }, merge: {} }, { Crm: crm }),
      (err: unknown) => {
        assert.ok(err instanceof TaskError);
        assert.equal(err.code, 'PrimaryKeyViolation');
        assert.match(err.message, /Crm: 2 duplicate keys \(c-17, c-42\) and 1 record without a key/);
        return true;
      },
    );
  });

  test('CustomerId stays the same across runs while the matched records stay the same', async () => {
    const crm = await source(
      'Crm',
      crmColumns,
      `('a', 'A', 'X', 'a@x.org', NULL), ('b', 'B', 'X', 'A@x.org', NULL), ('c', 'C', 'Y', 'c@x.org', NULL),
       ('d', 'D', 'Z', 'd@x.org', NULL)`,
    );
    const config: UnificationConfigIn = {
      map: [crmMap],
      match: { order: ['Crm'], rules: [{ name: 'e', conditions: [{ attribute: 'Email', normalize: ['email'] }] }] },
      merge: {},
    };
    const first = await unify(config, { Crm: crm });
    const second = await unify(config, { Crm: crm }, first.output.conflationMap);
    assert.deepEqual(second.map, first.map);
    assert.deepEqual(second.customers, first.customers);

    // d now joins c: c's profile keeps its id, d's old id retires; a+b are untouched.
    const crm2 = await source(
      'Crm',
      crmColumns,
      `('a', 'A', 'X', 'a@x.org', NULL), ('b', 'B', 'X', 'A@x.org', NULL), ('c', 'C', 'Y', 'c@x.org', NULL),
       ('d', 'D', 'Z', 'C@x.org', NULL)`,
    );
    const third = await unify(config, { Crm: crm2 }, second.output.conflationMap);
    const idOf = (m: typeof first.map, key: string) => m.find((r) => r.SourceKey === key)?.CustomerId;
    assert.equal(idOf(third.map, 'a'), idOf(first.map, 'a'));
    assert.equal(idOf(third.map, 'c'), idOf(first.map, 'c'));
    assert.equal(idOf(third.map, 'd'), idOf(first.map, 'c'));
    assert.equal(third.customers.length, 2);
  });

  test('a canceled run stops with TaskError Canceled and leaves no output', async () => {
    const crm = await source('Crm', crmColumns, `('a', 'A', 'X', NULL, NULL)`);
    const valid = validateUnificationConfig({ map: [crmMap], match: { order: ['Crm'] }, merge: {} }, [crm.schema]);
    const output = { customer: quoteIdent('Customer_canceled'), conflationMap: quoteIdent('Map_canceled') };
    await assert.rejects(
      runUnification(conn, { config: valid, sources: { Crm: crm }, output, isCanceled: () => true }),
      (err: unknown) => err instanceof TaskError && err.code === 'Canceled',
    );
    const left = await conn.runAndReadAll(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '%canceled%'`,
    );
    assert.equal(Number(left.getRowObjectsJS()[0]?.n), 0);
  });
});
