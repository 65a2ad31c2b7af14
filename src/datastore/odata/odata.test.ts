import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import buildQueryExport from 'odata-query';
import { AppError } from '../../core/errors.ts';
import type { PublishedEntity } from '../schema.ts';
import { compileFilter, compileItemsQuery, executeItemsQuery, maxTop, odataString, parseFilter } from './index.ts';

// odata-query's types describe its CommonJS build; the ESM build Node loads exports the function as default.
const buildQuery = buildQueryExport as unknown as (q: { filter: object }) => string;

const entity: PublishedEntity = {
  name: 'People',
  kind: 'source',
  table: 'people',
  version: 1,
  rowCount: 0,
  key: ['id'],
  attributes: [
    { name: 'id', type: 'integer' },
    { name: 'name', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'score', type: 'decimal' },
    { name: 'active', type: 'boolean' },
    { name: 'born', type: 'date' },
    { name: 'seen', type: 'timestamp' },
    { name: 'CustomerId', type: 'string' },
  ],
};

let db: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run(`CREATE TABLE people AS SELECT range AS id, 'person ' || range AS name,
      ['Berlin', 'Köln', 'O''Hare', NULL, 'Paris'][CAST(range % 5 + 1 AS BIGINT)] AS city,
      CASE WHEN range % 7 = 0 THEN NULL ELSE (range % 10) * 1.5 END AS score,
      range % 2 = 0 AS active, DATE '2000-01-01' + CAST(range AS INTEGER) AS born,
      TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (range) HOUR AS seen, 'cus_' || (range % 50) AS CustomerId
    FROM range(1000)`);
  await conn.run(
    `CREATE TABLE orders AS SELECT 'cus_' || (range % 40) AS CustomerId, range * 10.0 AS amount FROM range(200)`,
  );
  await conn.run(
    `CREATE TABLE membership AS SELECT 'Gold' AS SegmentName, 'cus_' || range AS CustomerId FROM range(10)`,
  );
});
after(() => {
  conn.closeSync();
  db.closeSync();
});

const count = async (filter: string, opts = {}) => {
  const f = compileFilter(filter, entity, opts);
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM people AS t WHERE ${f.sql}`, f.params as never);
  return Number(r.getRowObjectsJS()[0]!.n);
};
const truth = async (where: string) =>
  Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM people WHERE ${where}`)).getRowObjectsJS()[0]!.n);
const rejects = (filter: string, message: RegExp) =>
  assert.throws(
    () => compileFilter(filter, entity),
    (e: unknown) => e instanceof AppError && e.code === 'InvalidQuery' && message.test(e.message),
    filter,
  );

describe('$filter', () => {
  test('comparisons, logic, in, functions, literals and null against the data', async () => {
    const cases: Array<[string, string]> = [
      ['id eq 5', 'id = 5'],
      ['id ne 5 and id lt 10', 'id <> 5 and id < 10'],
      ['score gt 6 or active eq false', 'score > 6 or active = false'],
      ['not (id ge 10)', 'not (id >= 10)'],
      ["city eq 'Köln'", "city = 'Köln'"],
      ["city eq 'O''Hare'", "city = 'O''Hare'"],
      ['city eq null', 'city is null'],
      ['score ne null', 'score is not null'],
      ["city in ('Berlin', 'Paris')", "city in ('Berlin', 'Paris')"],
      ["contains(name, '99')", "name like '%99%'"],
      ["startswith(name, 'person 1')", "name like 'person 1%'"],
      ["endswith(tolower(city), 'is')", "lower(city) like '%is'"],
      ["toupper(city) eq 'BERLIN'", "upper(city) = 'BERLIN'"],
      ['length(city) eq 5', 'length(city) = 5'],
      ['born lt 2000-02-01', "born < DATE '2000-02-01'"],
      ['seen ge 2026-01-02T00:00:00Z', "seen >= TIMESTAMP '2026-01-02 00:00:00'"],
      ['score le 1.5 and score ge -1', 'score <= 1.5 and score >= -1'],
      ['active', 'active'],
    ];
    for (const [odata, sql] of cases) assert.equal(await count(odata), await truth(sql), odata);
  });

  test('null follows OData: eq and ne are null-safe, not of a comparison with null is its opposite', async () => {
    const cases: Array<[string, string]> = [
      ["city ne 'Paris'", "city is distinct from 'Paris'"],
      ["not (city eq 'Paris')", "city is distinct from 'Paris'"],
      ["not (city ne 'Paris')", "city = 'Paris'"],
      ['null eq null', 'true'],
      ['null ne null', 'false'],
      ['city eq city', 'true'],
      ['city ne city', 'false'],
      ['score eq score', 'true'],
      ['not (score gt 6)', 'score is null or score <= 6'],
      ['not (score gt 6) and not (score le 6)', 'score is null'],
      ["not (city in ('Berlin', 'Paris'))", "city is null or city not in ('Berlin', 'Paris')"],
      ["not contains(city, 'r')", "city is null or city not like '%r%'"],
      ['not (length(city) eq 5)', 'city is null or length(city) <> 5'],
      ["not (not (city eq 'Paris'))", "city = 'Paris'"],
      ["city eq 'Paris' or not (city ne null)", "city = 'Paris' or city is null"],
    ];
    for (const [odata, sql] of cases) assert.equal(await count(odata), await truth(sql), odata);
    // Every row is in exactly one of a filter and its negation.
    for (const [odata] of cases)
      assert.equal((await count(odata)) + (await count(`not (${odata})`)), 1000, `not (${odata})`);
  });

  test('IsMemberOfSegment and any/all over related entities', async () => {
    const related = (nav: string) =>
      nav === 'Orders'
        ? {
            table: 'orders',
            attributes: [
              { name: 'amount', type: 'decimal' as const },
              { name: 'CustomerId', type: 'string' as const },
            ],
            customerIdColumn: 'CustomerId',
          }
        : undefined;
    assert.equal(
      await count("IsMemberOfSegment('Gold')", { membershipTable: 'membership' }),
      await truth(`CustomerId IN (SELECT CustomerId FROM membership)`),
    );
    assert.equal(await count("IsMemberOfSegment('Gold')"), 0, 'no memberships published yet');
    assert.equal(
      await count('Orders/any(o: o/amount gt 1500)', { related }),
      await truth('CustomerId IN (SELECT CustomerId FROM orders WHERE amount > 1500)'),
    );
    assert.equal(
      await count('Orders/all(o: o/amount lt 1000)', { related }),
      await truth('CustomerId NOT IN (SELECT CustomerId FROM orders WHERE amount >= 1000)'),
    );
    assert.equal(
      await count('Orders/any()', { related }),
      await truth('CustomerId IN (SELECT CustomerId FROM orders)'),
    );
    assert.throws(
      () => compileFilter('Refunds/any(r: r/x eq 1)', entity, { related }),
      /unknown related entity 'Refunds'/,
    );
  });

  test('errors point at the problem', () => {
    rejects('Emial eq 1', /at position 1: unknown attribute 'Emial' of People/);
    rejects('ID eq 1', /did you mean 'id'/);
    rejects("id eq 'five'", /at position 4: cannot compare a number with a string/);
    rejects('id gt null', /null can only be compared with eq or ne/);
    rejects('id eq', /ends too early/);
    rejects('(id eq 1', /expected "\)" to close the "\(" at position 1/);
    rejects("name eq 'open", /unterminated string literal/);
    rejects('id eq 1 2', /unexpected "2" after a complete expression/);
    rejects('frobnicate(name)', /unknown function frobnicate/);
    rejects('id eq 1 and score', /expected a condition, found a number/);
    rejects('id eq 1 # 2', /unexpected character "#"/);
    rejects('born eq 2024-02-30', /not a valid date/);
  });

  test('hostile input fails fast with a clear message', () => {
    rejects(`${'('.repeat(5000)}id eq 1${')'.repeat(5000)}`, /filter nested deeper than 100 levels/);
    rejects(`${'not '.repeat(1000)}active`, /nested deeper than 100 levels/);
    assert.throws(() => compileFilter('a'.repeat(20_000), entity), /longer than 16384/);
    const long = `name eq '${'x'.repeat(16_000)}'`;
    assert.equal(compileFilter(long, entity).params[0], 'x'.repeat(16_000));
    assert.ok(parseFilter(`${'('.repeat(100)}id eq 1${')'.repeat(100)}`));
  });

  test('odataString writes a literal the lexer reads back as the same text', () => {
    for (const text of ["O'Brien", "''", '', "a'b'c", 'plain']) {
      const node = parseFilter(`name eq ${odataString(text)}`);
      assert.equal(node.k === 'cmp' && node.right.k === 'lit' ? node.right.value : undefined, text);
    }
  });

  test('a real client: queries built with odata-query', async () => {
    const q = (filter: object) => decodeURIComponent(buildQuery({ filter }).replace(/^\?\$filter=/, ''));
    assert.equal(await count(q({ city: 'Berlin', score: { gt: 3 } })), await truth("city = 'Berlin' and score > 3"));
    assert.equal(
      await count(q({ or: [{ city: 'Paris' }, { id: { lt: 3 } }] })),
      await truth("city = 'Paris' or id < 3"),
    );
    assert.equal(await count(q({ name: { contains: 'person 9' } })), await truth("name like '%person 9%'"));
    assert.equal(await count(q({ city: { in: ['Berlin', 'Köln'] } })), await truth("city in ('Berlin', 'Köln')"));
    assert.equal(await count(q({ not: { active: true } })), await truth('not active'));
  });
});

describe('items query and keyset paging', () => {
  const walk = async (orderby: string | undefined, filter?: string, top = '37') => {
    const seen: unknown[] = [];
    let token: string | undefined;
    for (let i = 0; i < 200; i++) {
      const q = compileItemsQuery({ orderby, filter, top, skiptoken: token }, entity);
      const page = await executeItemsQuery(conn, q);
      seen.push(...page.value.map((r) => r.id));
      if (!page.nextSkiptoken) return seen;
      token = page.nextSkiptoken;
    }
    throw new Error('too many pages');
  };
  test('walking every page gives the full ordered result, once each', async () => {
    for (const [orderby, sql] of [
      [undefined, 'id'],
      ['city', 'city ASC NULLS LAST, id'],
      ['city desc, score', 'city DESC NULLS LAST, score ASC NULLS LAST, id'],
      ['score desc', 'score DESC NULLS LAST, id'],
      ['active, born desc', 'active, born DESC, id'],
    ] as Array<[string | undefined, string]>) {
      const expected = (await conn.runAndReadAll(`SELECT id FROM people ORDER BY ${sql}`))
        .getRowObjectsJS()
        .map((r) => Number(r.id));
      assert.deepEqual(await walk(orderby), expected, orderby ?? 'default');
    }
    const filtered = (
      await conn.runAndReadAll(`SELECT id FROM people WHERE city = 'Paris' ORDER BY score DESC NULLS LAST, id`)
    )
      .getRowObjectsJS()
      .map((r) => Number(r.id));
    assert.deepEqual(await walk('score desc', "city eq 'Paris'", '7'), filtered);
  });

  test('select, count, skip, top clamping and typed JSON values', async () => {
    const q = compileItemsQuery(
      { select: 'id,born,seen,active,score', filter: 'id lt 20', count: 'true', top: '5', skip: '2' },
      entity,
    );
    const page = await executeItemsQuery(conn, q);
    assert.equal(page.count, 20);
    assert.deepEqual(page.value[0], {
      id: 2,
      born: '2000-01-03',
      seen: '2026-01-01T02:00:00.000Z',
      active: true,
      score: 3,
    });
    assert.ok(page.nextSkiptoken);
    assert.equal(compileItemsQuery({ top: '5000' }, entity).top, maxTop);
    assert.equal(compileItemsQuery({}, entity).top, 100);
    const zero = await executeItemsQuery(conn, compileItemsQuery({ top: '0', count: 'true' }, entity));
    assert.deepEqual(zero.value, []);
    assert.equal(zero.count, 1000);
  });

  test('bad parameters and foreign tokens are refused', () => {
    const bad = (input: Record<string, string>, message: RegExp) =>
      assert.throws(
        () => compileItemsQuery(input, entity),
        (e: unknown) => e instanceof AppError && e.code === 'InvalidQuery' && message.test(e.message),
        JSON.stringify(input),
      );
    bad({ top: '-1' }, /\$top must be a whole number/);
    bad({ top: 'ten' }, /\$top must be a whole number/);
    bad({ skip: '1.5' }, /\$skip must be a whole number/);
    bad({ count: 'yes' }, /\$count must be true or false/);
    bad({ select: 'id,nope' }, /\$select: unknown attribute 'nope'/);
    bad({ orderby: 'id sideways' }, /\$orderby/);
    bad({ orderby: 'nope' }, /unknown attribute 'nope'/);
    bad({ skiptoken: 'garbage!' }, /not a token this server issued/);
    const token = Buffer.from(JSON.stringify({ v: [1], f: 'x' })).toString('base64url');
    bad({ skiptoken: token }, /does not belong to this query/);
  });

  test('entities without a key page by rowid', async () => {
    const keyless = { ...entity, key: [] };
    const ids: unknown[] = [];
    let token: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await executeItemsQuery(
        conn,
        compileItemsQuery({ top: '250', skiptoken: token, select: 'id' }, keyless),
      );
      ids.push(...page.value.map((r) => r.id));
      if (!page.nextSkiptoken) break;
      token = page.nextSkiptoken;
    }
    assert.equal(new Set(ids).size, 1000);
  });
});
