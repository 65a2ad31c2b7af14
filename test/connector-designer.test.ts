// What the flow designer calls behind the connector definition, against a real server with unified data: the
// row schema of an entity (GetEntitySchema), the writable-entity picker of Create item, the dimension picker of a
// measure trigger, names checked at subscribe time (unknown data source, segment, measure or dimension value → 400),
// a viewer refused a subscription, and "Retrieve partitions" output fed as it is to "Retrieve data from a partition".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const unification = {
  map: [{ entity: 'CrmContacts', primaryKey: 'contact_id', attributes: { email: 'Email', country: 'Country' } }],
  match: { order: ['CrmContacts'], deduplicate: true, rules: [] },
  merge: { default: { policy: 'importance' }, attributes: {} },
};

describe('connector designer support', () => {
  let s: TestServer;
  let measureId: string;
  let segmentId: string;
  let dataSourceId: string;

  before(async () => {
    s = await startTestServer();
    s.importFile('crm.csv', 'contact_id,email,country\nc1,ann@example.com,DE\nc2,bob@example.com,NL\n');
    s.importFile(
      'orders.csv',
      'order_id,contact_id,amount,channel,placed_at\no1,c1,50.5,web,2026-01-02\no2,c2,7,shop,2026-01-03\n',
    );
    dataSourceId = (
      await ok(s, 'POST', `${U}/manage/datasources`, {
        name: 'CRM',
        kind: 'csv',
        location: 'crm.csv',
        entity: 'CrmContacts',
        primaryKey: 'contact_id',
      })
    ).id;
    await ok(s, 'POST', `${U}/manage/datasources`, {
      name: 'Orders',
      kind: 'csv',
      location: 'orders.csv',
      entity: 'ShopOrders',
      primaryKey: 'order_id',
    });
    const ingestion = await ok(s, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
    assert.equal((await s.waitForJob('default', ingestion.id)).status, 'succeeded');
    await ok(s, 'PUT', `${U}/manage/unification`, unification, 200);
    segmentId = (await ok(s, 'POST', `${U}/manage/segments`, { name: 'DE', query: "Country eq 'DE'" })).id;
    measureId = (
      await ok(s, 'POST', `${U}/manage/measures`, {
        name: 'Orders by channel',
        entity: 'ShopOrders',
        aggregation: 'count',
        dimensions: ['channel'],
      })
    ).id;
    await runAll(s, { mustSucceed: true });
  });
  after(() => s.stop());

  test('GetEntitySchema types every attribute with a title; keys are required except on Customer', async () => {
    const orders = await ok(s, 'GET', `${U}/manage/entities/ShopOrders/schema`, undefined, 200);
    assert.equal(orders.type, 'object');
    assert.deepEqual(orders.required, ['order_id']);
    assert.deepEqual(orders.properties.amount.type, 'number');
    assert.deepEqual(orders.properties.placed_at, {
      type: 'string',
      format: 'date',
      'x-ms-summary': 'placed_at',
      description: 'placed_at of ShopOrders: a date (YYYY-MM-DD).',
    });
    for (const p of Object.values<any>(orders.properties)) assert.ok(p['x-ms-summary'] && p.description && p.type);
    const customer = await ok(s, 'GET', `${U}/manage/entities/Customer/schema`, undefined, 200);
    assert.equal(customer.required, undefined);
    assert.ok(customer.properties.CustomerId);
    assert.equal((await s.call('GET', `${U}/manage/entities/Nope/schema`)).status, 404);
  });

  test('Create item offers and accepts only source entities', async () => {
    const all = await ok(s, 'GET', `${U}/manage/entities`, undefined, 200);
    assert.ok(all.value.some((e: any) => e.name === 'Customer'));
    const writable = await ok(s, 'GET', `${U}/manage/entities?writable=true`, undefined, 200);
    assert.deepEqual(writable.value.map((e: any) => e.name).sort(), ['CrmContacts', 'ShopOrders']);
    for (const entity of ['Customer', 'ConflationMap', 'SegmentMembership']) {
      const r = await s.call('POST', `${U}/data/${entity}`, { body: { CustomerId: 'x' } });
      assert.equal(r.status, 400, `${entity}: ${JSON.stringify(r.body)}`);
    }
    await ok(s, 'POST', `${U}/data/ShopOrders`, { order_id: 'o9', contact_id: 'c1', amount: 1, channel: 'web' });
  });

  test("a measure trigger's dimension picker offers the values of the last evaluation", async () => {
    const schema = await ok(s, 'GET', `${U}/manage/measures/${measureId}/dimension-schema`, undefined, 200);
    assert.deepEqual(schema.required, ['channel']);
    assert.deepEqual(schema.properties.channel.enum, ['shop', 'web']);
    assert.equal(schema.properties.channel['x-ms-summary'], 'channel');
  });

  test('names are checked at subscribe time: unknown ones answer 400; a viewer cannot subscribe', async () => {
    const callbackUrl = 'https://flows.example.com/callback';
    const subscribe = (trigger: string, body: object, key?: string) =>
      s.call('POST', `${U}/triggers/${trigger}/subscriptions`, {
        body: { callbackUrl, ...body },
        ...(key ? { key } : {}),
      });
    const refused: Array<[string, object, RegExp]> = [
      ['datasource-refresh-failed', { dataSourceId: 'ds_nope' }, /no data source ds_nope/],
      ['segment-threshold-crossed', { segmentId: 'seg_nope', threshold: 1 }, /no segment seg_nope/],
      ['measure-threshold-crossed', { measureId: 'msr_nope', threshold: 1 }, /no measure msr_nope/],
      ['measure-threshold-crossed', { measureId, threshold: 1, dimension: { channel: 'fax' } }, /no value for/],
      ['measure-threshold-crossed', { measureId, threshold: 1, dimension: { chanel: 'web' } }, /unknown: chanel/],
    ];
    for (const [trigger, body, message] of refused) {
      const r = await subscribe(trigger, body);
      assert.equal(r.status, 400, `${trigger} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, message);
    }
    const good: Array<[string, object]> = [
      ['datasource-refresh-failed', { dataSourceId }],
      ['segment-threshold-crossed', { segmentId, threshold: 1 }],
      ['measure-threshold-crossed', { measureId, threshold: 1, dimension: { channel: 'web' } }],
    ];
    for (const [trigger, body] of good) assert.equal((await subscribe(trigger, body)).status, 201, trigger);
    const viewer = await ok(s, 'POST', `${U}/connections`, { name: 'reader', role: 'viewer' });
    const r = await subscribe('unification-completed', {}, viewer.key);
    assert.equal(r.status, 403);
  });

  test('"Retrieve partitions" output feeds "Retrieve data from a partition" as it is', async () => {
    const parts = await ok(s, 'GET', `${U}/manage/entities/ShopOrders/partitions`, undefined, 200);
    const csv = parts.value.find((p: any) => p.format === 'csv');
    assert.ok(csv.url.endsWith(`/v1/partitions/${csv.token}`));
    const file = await s.call('GET', `/v1/partitions/${csv.token}`, { key: null });
    assert.equal(file.status, 200);
    assert.match(String(file.body), /^order_id,contact_id,amount,channel,placed_at/);
  });
});
