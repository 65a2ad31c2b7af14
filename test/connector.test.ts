// The connector actions against a real server with ingested data, on both control-store engines: OData reads
// (queries built with the odata-query package, counts checked against the data, paging by @odata.nextLink),
// errors and limits, Get item, real-time Create/Update item with expiry, partitions with signed links, the status
// report, and the connector definition served by the server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import buildQueryExport from 'odata-query';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Clock } from '../src/core/clock.ts';
import { engines } from './support/engines.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

// odata-query's types describe its CommonJS build; the ESM build Node loads exports the function as default.
const buildQuery = buildQueryExport as unknown as (q: { filter: object; count?: boolean; top?: number }) => string;

const I = '/v1/instances/default';
const cities: Array<string | null> = ['Oslo', 'Lima', "O'Hara", 'Kyiv', null];

/** 2,345 orders: integers, decimals, booleans, dates, strings with quotes, and NULLs. */
const orders = [
  'order_id,customer,city,amount,paid,placed_on',
  ...Array.from({ length: 2345 }, (_, i) => {
    const city = cities[i % cities.length] ?? null;
    return [
      i + 1,
      `c${i % 97}`,
      city === null ? '' : city.includes("'") ? `"${city}"` : city,
      i % 11 === 0 ? '' : ((i * 7) % 1000) / 4,
      i % 3 === 0 ? 'true' : 'false',
      `2026-0${(i % 9) + 1}-1${i % 10}`,
    ].join(',');
  }),
].join('\n');
const rows = orders
  .split('\n')
  .slice(1)
  .map((l) => {
    const [id, customer, city, amount, paid, placed] = l.split(',');
    return {
      id: Number(id),
      customer,
      city: city === '' ? null : city!.replaceAll('"', ''),
      amount: amount === '' ? null : Number(amount),
      paid: paid === 'true',
      placed,
    };
  });

const offsetClock = (): Clock & { advance(ms: number): void } => {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
};

async function ingest(s: TestServer, name: string, file: string, content: string, primaryKey?: string): Promise<void> {
  s.importFile(file, content);
  const r = await s.call('POST', `${I}/manage/datasources`, {
    body: { name, kind: 'csv', location: file, entity: name, ...(primaryKey ? { primaryKey } : {}) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const job = await s.call('POST', `${I}/manage/datasources/${r.body.id}/refresh`);
  const done = await s.waitForJob('default', job.body.id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
}

/** Follows @odata.nextLink from `first` to the end (bounded) and returns every row. */
async function walk(s: TestServer, first: string, key?: string | null): Promise<{ rows: any[]; pages: number }> {
  const out: any[] = [];
  let url: string | undefined = s.url + first;
  let pages = 0;
  for (; url && pages < 1000; pages++) {
    const r = await s.call('GET', url.slice(s.url.length), key === undefined ? {} : { key });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.value);
    url = r.body['@odata.nextLink'];
    if (url) assert.ok(url.startsWith(s.url), url);
  }
  return { rows: out, pages };
}

for (const engine of await engines()) {
  describe(`connector actions (${engine})`, () => {
    test('OData reads: filters built with odata-query, paging, limits and errors', async () => {
      const s = await startTestServer({ engine });
      try {
        await ingest(s, 'Orders', 'orders.csv', orders, 'order_id');
        const viewer = await s.call('POST', `${I}/connections`, { body: { name: 'flow', role: 'viewer' } });
        const key = viewer.body.key as string;

        const entities = await s.call('GET', `${I}/manage/entities`, { key });
        assert.equal(entities.status, 200);
        const e = entities.body.value.find((x: any) => x.name === 'Orders');
        assert.equal(e.rowCount, rows.length);
        assert.deepEqual(
          e.attributes.map((a: any) => `${a.name}:${a.type}`),
          ['order_id:integer', 'customer:string', 'city:string', 'amount:decimal', 'paid:boolean', 'placed_on:date'],
        );

        const cases: Array<[object, (r: (typeof rows)[number]) => boolean]> = [
          [{ city: 'Oslo' }, (r) => r.city === 'Oslo'],
          [{ city: "O'Hara" }, (r) => r.city === "O'Hara"],
          [{ amount: { gt: 100 }, paid: true }, (r) => r.amount !== null && r.amount > 100 && r.paid],
          [{ or: [{ city: 'Lima' }, { order_id: { le: 10 } }] }, (r) => r.city === 'Lima' || r.id <= 10],
          [{ city: { in: ['Kyiv', 'Lima'] } }, (r) => r.city === 'Kyiv' || r.city === 'Lima'],
          [{ city: null }, (r) => r.city === null],
          [{ not: { city: { eq: 'Oslo' } } }, (r) => r.city !== 'Oslo'], // null follows OData: no city is not Oslo
          [{ customer: { startswith: 'c9' } }, (r) => r.customer!.startsWith('c9')],
          [{ 'tolower(city)': { contains: 'ky' } }, (r) => (r.city ?? '').toLowerCase().includes('ky')],
        ];
        for (const [filter, want] of cases) {
          const qs = buildQuery({ filter, count: true, top: 1000 });
          const r = await s.call('GET', `${I}/data/Orders${qs}`, { key });
          assert.equal(r.status, 200, `${qs}: ${JSON.stringify(r.body)}`);
          assert.equal(r.body['@odata.count'], rows.filter(want).length, qs);
          assert.match(r.body['@odata.context'], /\$metadata#Orders$/);
        }

        // Paging by nextLink: every row once, in order, for several orderings (duplicates and NULLs in sort keys).
        for (const orderby of ['', '&$orderby=city desc', '&$orderby=amount,city desc', '&$orderby=paid']) {
          const { rows: all, pages } = await walk(
            s,
            `${I}/data/Orders?$top=300&$select=order_id,city,amount${orderby}`,
            key,
          );
          assert.equal(all.length, rows.length, orderby);
          assert.equal(new Set(all.map((r) => r.order_id)).size, rows.length, orderby);
          assert.equal(pages, Math.ceil(rows.length / 300));
        }
        const plain = await walk(s, `${I}/data/Orders`, key);
        assert.deepEqual(
          plain.rows.map((r) => r.order_id),
          rows.map((r) => r.id),
        );
        assert.equal(plain.rows[0].paid, true);
        assert.equal(plain.rows[0].placed_on, '2026-01-10');

        const clamped = await s.call('GET', `${I}/data/Orders?$top=100000`, { key });
        assert.equal(clamped.status, 200);
        assert.equal(clamped.body.value.length, 1000);
        const skipped = await s.call('GET', `${I}/data/Orders?$skip=2340&$select=order_id`, { key });
        assert.deepEqual(
          skipped.body.value.map((r: any) => r.order_id),
          [2341, 2342, 2343, 2344, 2345],
        );
        assert.equal(skipped.body['@odata.nextLink'], undefined);

        for (const bad of [
          '$filter=Emial eq 1',
          '$filter=city eq 5',
          "$filter=city eq 'x' and",
          '$top=-1',
          '$count=maybe',
          '$orderby=nope',
          '$skiptoken=forged',
          `$filter=${'('.repeat(5000)}city eq 'x'${')'.repeat(5000)}`,
          '$unknown=1',
        ]) {
          const r = await s.call('GET', `${I}/data/Orders?${bad}`, { key });
          assert.equal(r.status, 400, `${bad.slice(0, 40)}: ${JSON.stringify(r.body).slice(0, 200)}`);
          assert.ok(r.body.error.code && r.body.error.message, bad.slice(0, 40));
        }
        assert.equal((await s.call('GET', `${I}/data/Nope`, { key })).status, 404);

        const long = `city eq 'Oslo' or ${Array.from({ length: 450 }, (_, i) => `order_id eq ${i + 100000}`).join(' or ')}`;
        const longUrl = `${I}/data/Orders?$count=true&$top=0&$filter=${encodeURIComponent(long)}`;
        assert.ok(longUrl.length > 12_000 && longUrl.length <= 16_384, String(longUrl.length));
        const longRes = await s.call('GET', longUrl, { key });
        assert.equal(longRes.status, 200, JSON.stringify(longRes.body).slice(0, 300));
        assert.equal(longRes.body['@odata.count'], rows.filter((r) => r.city === 'Oslo').length);
        const tooLong = await fetch(`${s.url}${I}/data/Orders?$filter=${'x'.repeat(40_000)}`, {
          headers: { 'api-key': key },
        });
        assert.ok([414, 431].includes(tooLong.status), String(tooLong.status));

        const item = await s.call('GET', `${I}/data/Orders/17`, { key });
        assert.equal(item.status, 200);
        assert.equal(item.body.order_id, 17);
        assert.equal((await s.call('GET', `${I}/data/Orders/999999`, { key })).status, 404);
        assert.equal((await s.call('GET', `${I}/data/Orders/abc`, { key })).status, 404);
        assert.equal((await s.call('POST', `${I}/data/Orders`, { key, body: { order_id: 1 } })).status, 403);
      } finally {
        await s.stop();
      }
    });

    test('entities without a key page by rowid; real-time items are read until they expire', async () => {
      const clock = offsetClock();
      const s = await startTestServer({ engine, clock });
      try {
        await ingest(
          s,
          'Visits',
          'visits.csv',
          ['page,ms', ...Array.from({ length: 250 }, (_, i) => `/p${i % 7},${i}`)].join('\n'),
        );
        await ingest(s, 'Orders', 'orders.csv', orders.split('\n').slice(0, 51).join('\n'), 'order_id');
        const noKey = await walk(s, `${I}/data/Visits?$top=40`);
        assert.equal(noKey.rows.length, 250);
        assert.equal(new Set(noKey.rows.map((r) => r.ms)).size, 250);

        const created = await s.call('POST', `${I}/data/Orders`, {
          body: { order_id: 9001, customer: 'live', city: 'Oslo', amount: 12.5, paid: true, placed_on: '2026-02-01' },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.headers.get('location'), `${s.url}${I}/data/Orders/9001`);
        const dup = await s.call('POST', `${I}/data/Orders`, { body: { order_id: 3, customer: 'x' } });
        assert.equal(dup.status, 409);
        for (const bad of [
          { order_id: 'x' },
          { order_id: 9002, nope: 1 },
          { order_id: 9002, paid: 'yes' },
          { order_id: 9002, placed_on: '01/02/2026' },
          { customer: 'no key' },
        ]) {
          const r = await s.call('POST', `${I}/data/Orders`, { body: bad });
          assert.equal(r.status, 400, JSON.stringify(bad));
        }
        const far = new Date(clock.now().getTime() + 31 * 86400_000).toISOString();
        assert.equal(
          (await s.call('POST', `${I}/data/Orders?validUntil=${far}`, { body: { order_id: 9003 } })).status,
          400,
        );
        const soon = new Date(clock.now().getTime() + 3600_000).toISOString();
        const shortLived = await s.call('POST', `${I}/data/Orders?validUntil=${soon}`, {
          body: { order_id: 9004, city: 'Lima' },
        });
        assert.equal(shortLived.status, 201);
        const liveVisit = await s.call('POST', `${I}/data/Visits`, { body: { page: '/live', ms: 1 } });
        assert.equal(liveVisit.status, 201);

        const withLive = await s.call('GET', `${I}/data/Orders?$count=true&$filter=order_id gt 9000`);
        assert.deepEqual(
          withLive.body.value.map((r: any) => r.order_id),
          [9001, 9004],
        );
        assert.equal((await s.call('GET', `${I}/data/Orders/9001`)).body.amount, 12.5);
        const allOrders = await walk(s, `${I}/data/Orders?$top=7&$orderby=city`);
        assert.equal(allOrders.rows.length, 52);
        assert.equal((await walk(s, `${I}/data/Visits?$top=40`)).rows.length, 251);

        clock.advance(2 * 3600_000);
        const later = await s.call('GET', `${I}/data/Orders?$filter=order_id gt 9000`);
        assert.deepEqual(
          later.body.value.map((r: any) => r.order_id),
          [9001],
        );
        clock.advance(31 * 86400_000);
        assert.equal((await s.call('GET', `${I}/data/Orders?$filter=order_id gt 9000`)).body.value.length, 0);
        assert.equal((await s.call('GET', `${I}/data/Orders/9001`)).status, 404);
        assert.equal((await walk(s, `${I}/data/Visits?$top=40`)).rows.length, 250);
      } finally {
        await s.stop();
      }
    });

    test('Update item overlays Customer fields until they expire', async () => {
      const clock = offsetClock();
      const s = await startTestServer({ engine, clock });
      try {
        await unify(s);
        const customers = (await s.call('GET', `${I}/data/Customer?$orderby=Email`)).body.value;
        assert.ok(customers.length >= 2);
        const id = customers[0].CustomerId as string;
        const upd = await s.call('PATCH', `${I}/data/Customer/${id}`, { body: { FirstName: 'Live', Phone: null } });
        assert.equal(upd.status, 200, JSON.stringify(upd.body));
        const soon = new Date(clock.now().getTime() + 600_000).toISOString();
        await s.call('PATCH', `${I}/data/Customer/${id}?validUntil=${soon}`, { body: { LastName: 'Briefly' } });
        const got = await s.call('GET', `${I}/data/Customer/${id}`);
        assert.equal(got.body.FirstName, 'Live');
        assert.equal(got.body.LastName, 'Briefly');
        assert.equal(got.body.Phone, null);
        const filtered = await s.call('GET', `${I}/data/Customer?$filter=FirstName eq 'Live'&$count=true`);
        assert.equal(filtered.body['@odata.count'], 1);
        assert.equal((await s.call('PATCH', `${I}/data/Customer/nope`, { body: { FirstName: 'x' } })).status, 404);
        assert.equal((await s.call('PATCH', `${I}/data/Customer/${id}`, { body: { CustomerId: 'x' } })).status, 400);
        assert.equal((await s.call('PATCH', `${I}/data/Customer/${id}`, { body: { Nope: 'x' } })).status, 400);
        assert.equal((await s.call('POST', `${I}/data/Customer`, { body: { CustomerId: 'x' } })).status, 400);
        clock.advance(1200_000);
        const mid = (await s.call('GET', `${I}/data/Customer/${id}`)).body;
        assert.equal(mid.FirstName, 'Live');
        assert.equal(mid.LastName, customers[0].LastName);
        clock.advance(5 * 3600_000);
        assert.deepEqual((await s.call('GET', `${I}/data/Customer/${id}`)).body, customers[0]);
      } finally {
        await s.stop();
      }
    });

    test('partitions: Parquet and CSV of the snapshot behind expiring signed links; status report; definitions', async () => {
      const clock = offsetClock();
      const s = await startTestServer({ engine, clock });
      try {
        await ingest(s, 'Orders', 'orders.csv', orders, 'order_id');
        const parts = await s.call('GET', `${I}/manage/entities/Orders/partitions`);
        assert.equal(parts.status, 200, JSON.stringify(parts.body));
        const byFormat = Object.fromEntries(parts.body.value.map((p: any) => [p.format, p]));
        const csv = await fetch(byFormat.csv.url);
        assert.equal(csv.status, 200);
        assert.equal((await csv.text()).trim().split('\n').length, rows.length + 1);
        const parquet = await fetch(byFormat.parquet.url);
        assert.equal(parquet.status, 200);
        const file = `${s.dataDir}/check.parquet`;
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, Buffer.from(await parquet.arrayBuffer()));
        const duck = await DuckDBInstance.create(':memory:');
        const conn = await duck.connect();
        const n = (await conn.runAndReadAll(`SELECT count(*)::INT AS n FROM '${file}'`)).getRowObjectsJS()[0]?.n;
        conn.closeSync();
        duck.closeSync();
        assert.equal(n, rows.length);
        const again = await s.call('GET', `${I}/manage/entities/Orders/partitions`);
        assert.equal(again.body.value[0].version, byFormat.parquet.version);
        const token = byFormat.csv.url.split('/').pop() as string;
        const tampered = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
        assert.equal((await fetch(`${s.url}/v1/partitions/${tampered}`)).status, 403);
        assert.equal((await fetch(`${s.url}/v1/partitions/nonsense`)).status, 403);
        clock.advance(3601_000);
        assert.equal((await fetch(byFormat.csv.url)).status, 403);

        const bad = await s.call('POST', `${I}/statusreport`, { body: { reportType: 'nope' } });
        assert.equal(bad.status, 400);
        const report = await s.call('POST', `${I}/statusreport`, { body: { reportType: 'summary' } });
        assert.equal(report.status, 200);
        assert.equal(report.body.latestJob.status, 'succeeded');
        assert.ok(report.body.tasks.some((t: any) => t.operationType === 'ingestion' && t.status === 'succeeded'));
        const jobs = await s.call('POST', `${I}/statusreport`, { body: { reportType: 'jobs' } });
        assert.equal(jobs.body.jobs.length, 1);

        const swagger = await fetch(`${s.url}/v1/connector/swagger.json`);
        assert.equal(swagger.status, 200);
        const doc = (await swagger.json()) as any;
        assert.equal(doc.swagger, '2.0');
        assert.equal(doc.host, new URL(s.url).host);
        const openapi = (await (await fetch(`${s.url}/v1/openapi.json`)).json()) as any;
        assert.equal(openapi.openapi, '3.1.0');
        assert.ok(openapi.paths['/v1/instances/{instanceId}/data/{entity}'].get);
      } finally {
        await s.stop();
      }
    });
  });
}

async function unify(s: TestServer): Promise<void> {
  await ingest(
    s,
    'CrmContacts',
    'crm.csv',
    [
      'contact_id,first_name,last_name,email,phone',
      'c1,Ann,Lee,ann@example.com,555 0101',
      'c2,Bob,Ray,bob@example.com,555 0202',
    ].join('\n'),
    'contact_id',
  );
  await ingest(
    s,
    'ShopCustomers',
    'shop.csv',
    ['customer_no,given,family,email_address', '1,Ann,Lee,ANN@example.com', '2,Eve,Kim,eve@example.com'].join('\n'),
    'customer_no',
  );
  const put = await s.call('PUT', `${I}/manage/unification`, {
    body: {
      map: [
        {
          entity: 'CrmContacts',
          primaryKey: 'contact_id',
          attributes: { first_name: 'FirstName', last_name: 'LastName', email: 'Email', phone: 'Phone' },
        },
        {
          entity: 'ShopCustomers',
          primaryKey: 'customer_no',
          attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email' },
        },
      ],
      match: {
        order: ['CrmContacts', 'ShopCustomers'],
        deduplicate: false,
        rules: [
          { name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] },
        ],
      },
      merge: { default: { policy: 'importance' } },
    },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const job = await s.call('POST', `${I}/jobs`, { body: { operationType: 'unification' } });
  const done = await s.waitForJob('default', job.body.id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
}
