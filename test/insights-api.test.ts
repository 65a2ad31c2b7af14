// Segments, measures and threshold triggers end to end through the HTTP API, on both control-store engines: data
// that changes between full refreshes, member counts and values with history, SegmentMembership and
// IsMemberOfSegment, CustomerMeasures, inactive segments skipped, and threshold subscriptions to a real loopback
// receiver that fire once on a crossing — not on the first evaluation, not again for the same job.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { startReceiver } from './support/receiver.ts';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const env = { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_RETRY_SCHEDULE: '20ms' };

const unification = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: { first_name: 'FirstName', email: 'Email', country: 'Country', points: 'Points' },
    },
  ],
  match: { order: ['CrmContacts'], deduplicate: true, rules: [] },
  merge: { default: { policy: 'importance' }, attributes: {} },
};

const contacts = (rows: string[]) => ['contact_id,first_name,email,country,points', ...rows].join('\n');
const orders = (rows: string[]) => ['order_id,contact_id,amount,channel', ...rows].join('\n');
const first = {
  crm: contacts(['c1,Ann,ann@example.com,DE,100', 'c2,Bob,bob@example.com,DE,200', 'c3,Cy,cy@example.com,NL,300']),
  orders: orders(['o1,c1,50,web', 'o2,c1,70,shop', 'o3,c3,20,web']),
};
const second = {
  crm: contacts([
    'c1,Ann,ann@example.com,DE,100',
    'c2,Bob,bob@example.com,DE,200',
    'c3,Cy,cy@example.com,NL,300',
    'c4,Dee,dee@example.com,DE,400',
  ]),
  orders: orders(['o1,c1,50,web', 'o2,c1,70,shop', 'o3,c3,20,web', 'o4,c4,150,web', 'o5,c2,10,web']),
};

async function setup(s: TestServer, data: typeof first): Promise<void> {
  s.importFile('crm.csv', data.crm);
  s.importFile('orders.csv', data.orders);
  const crm = { name: 'CRM', kind: 'csv', location: 'crm.csv', entity: 'CrmContacts', primaryKey: 'contact_id' };
  await ok(s, 'POST', `${U}/manage/datasources`, crm);
  const shop = { name: 'Orders', kind: 'csv', location: 'orders.csv', entity: 'ShopOrders', primaryKey: 'order_id' };
  await ok(s, 'POST', `${U}/manage/datasources`, shop);
  const ingestion = await ok(s, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
  assert.equal((await s.waitForJob('default', ingestion.id)).status, 'succeeded');
  await ok(s, 'PUT', `${U}/manage/unification`, unification, 200);
}

const byName = (list: any[], name: string) => list.find((x) => x.name === name);

for (const engine of await engines()) {
  describe(`segments and measures through the API (${engine})`, () => {
    test('definitions are checked against the unified attributes, with messages that point at the problem', async () => {
      const s = await startTestServer({ engine, env });
      try {
        const early = await s.call('POST', `${U}/manage/segments`, { body: { name: 'DE', query: "Country eq 'DE'" } });
        assert.equal(early.status, 400);
        assert.match(early.body.error.message, /unification configuration/);
        await setup(s, first);
        const seg = await ok(s, 'POST', `${U}/manage/segments`, { name: 'DE', query: "Country eq 'DE'" });
        assert.match(seg.id, /^seg_/);
        assert.equal(seg.memberCount, null);
        assert.deepEqual(seg.history, []);
        const bad = await s.call('POST', `${U}/manage/segments`, { body: { name: 'x', query: "Contry eq 'DE'" } });
        assert.equal(bad.status, 400);
        assert.match(bad.body.error.message, /query: at position 1: unknown attribute 'Contry' of Customer/);
        const type = await s.call('PATCH', `${U}/manage/segments/${seg.id}`, { body: { query: "Points gt 'a'" } });
        assert.equal(type.status, 400);
        assert.match(type.body.error.message, /cannot compare a number with a string/);
        const dup = await s.call('POST', `${U}/manage/segments`, { body: { name: 'DE', query: 'Points gt 1' } });
        assert.equal(dup.status, 409);
        const measures: Array<[unknown, RegExp]> = [
          [{ name: 'm', entity: 'Nope', aggregation: 'count' }, /entity: unknown entity Nope/],
          [{ name: 'm', entity: 'ShopOrders', aggregation: 'sum' }, /attribute is required for sum/],
          [{ name: 'm', entity: 'ShopOrders', aggregation: 'sum', attribute: 'channel' }, /sum needs a number/],
          [{ name: 'm', entity: 'ShopOrders', aggregation: 'count', dimensions: ['chanel'] }, /dimensions.0: unknown/],
          [{ name: 'm', entity: 'ShopOrders', aggregation: 'count', filter: 'amount gt' }, /^filter: /],
          [{ name: 'm', entity: 'ShopOrders', aggregation: 'median' }, /aggregation/],
          [{ name: 'Order count', kind: 'customer', entity: 'ShopOrders', aggregation: 'count' }, /name: a customer/],
          [
            { name: 'm', kind: 'customer', entity: 'ShopOrders', aggregation: 'count', dimensions: ['channel'] },
            /one value per customer/,
          ],
        ];
        for (const [body, message] of measures) {
          const r = await s.call('POST', `${U}/manage/measures`, { body });
          assert.equal(r.status, 400, JSON.stringify(body));
          assert.match(r.body.error.message, message);
        }
        const viewer = await ok(s, 'POST', `${U}/connections`, { name: 'v', role: 'viewer' });
        const denied = await s.call('POST', `${U}/manage/segments`, {
          body: { name: 'V', query: 'Points gt 1' },
          key: viewer.key,
        });
        assert.equal(denied.status, 403);
        assert.equal((await s.call('GET', `${U}/manage/segments`, { key: viewer.key })).status, 200);
        assert.equal((await s.call('DELETE', `${U}/manage/segments/${seg.id}`)).status, 204);
        assert.equal((await s.call('GET', `${U}/manage/segments/${seg.id}`)).status, 404);
      } finally {
        await s.stop();
      }
    });

    test('a job whose segment fails publishes nothing and leaves no unpublished table behind', async () => {
      const s = await startTestServer({ engine, env });
      try {
        await setup(s, first);
        await ok(s, 'POST', `${U}/manage/segments`, { name: 'Germany', query: "Country eq 'DE'" });
        assert.equal((await runAll(s)).status, 'succeeded');
        const tables = async () =>
          (
            await (
              await s.runtime.services.dataStore.instance('default')
            ).read(async (c) => (await c.runAndReadAll('SELECT table_name FROM duckdb_tables()')).getRowObjectsJS())
          )
            .map((r) => r.table_name as string)
            .filter((t) => !/^(CrmContacts|ShopOrders)__/.test(t))
            .sort();
        // Derived tables: the refresh's ingestions publish new source tables whatever happens after them.
        const before = await tables();
        const points = { ...unification.map[0]!.attributes } as Record<string, string>;
        delete points.country;
        await ok(
          s,
          'PUT',
          `${U}/manage/unification`,
          { ...unification, map: [{ ...unification.map[0], attributes: points }] },
          200,
        );
        const failed = await runAll(s);
        assert.equal(failed.status, 'failed');
        const task = (op: string) => failed.tasks.find((t: any) => t.operationType === op);
        assert.equal(task('unification').status, 'succeeded');
        assert.equal(task('segment').status, 'failed', JSON.stringify(task('segment')));
        assert.equal(task('publish').status, 'skipped');
        assert.deepEqual(await tables(), before);
        const customer = await ok(s, 'GET', `${U}/data/Customer?$select=Country`, undefined, 200);
        assert.equal(customer.value.length, 3, 'the previous profiles stay served');
      } finally {
        await s.stop();
      }
    });

    test('refreshes evaluate segments and measures, keep history and fire thresholds once', async () => {
      const s = await startTestServer({ engine, env });
      const rx = await startReceiver();
      try {
        await setup(s, first);
        // Created before the segments it refers to (which must exist when it refers to them): evaluated after them.
        const both = await ok(s, 'POST', `${U}/manage/segments`, { name: 'German buyers', query: 'Points gt 0' });
        const de = await ok(s, 'POST', `${U}/manage/segments`, {
          name: 'Germany',
          query: "Country eq 'DE'",
          owners: ['de@example.com'],
        });
        await ok(s, 'POST', `${U}/manage/segments`, { name: 'Buyers', query: 'ShopOrders/any(o: o/amount gt 40)' });
        const query = "IsMemberOfSegment('Germany') and IsMemberOfSegment('Buyers')";
        await ok(s, 'PATCH', `${U}/manage/segments/${both.id}`, { query }, 200);
        await ok(s, 'POST', `${U}/manage/segments`, { name: 'Dormant', query: 'Points gt 0', state: 'inactive' });
        const revenue = await ok(s, 'POST', `${U}/manage/measures`, {
          name: 'Revenue',
          entity: 'ShopOrders',
          aggregation: 'sum',
          attribute: 'amount',
        });
        const byChannel = await ok(s, 'POST', `${U}/manage/measures`, {
          name: 'Revenue by channel',
          entity: 'ShopOrders',
          aggregation: 'sum',
          attribute: 'amount',
          dimensions: ['channel'],
        });
        await ok(s, 'POST', `${U}/manage/measures`, {
          name: 'OrderCount',
          kind: 'customer',
          entity: 'ShopOrders',
          aggregation: 'count',
        });
        await ok(s, 'POST', `${U}/manage/measures`, {
          name: 'Avg points',
          entity: 'Customer',
          aggregation: 'avg',
          attribute: 'Points',
        });

        const trig = `${U}/triggers`;
        const segSub = await ok(s, 'POST', `${trig}/segment-threshold-crossed/subscriptions`, {
          callbackUrl: `${rx.url}/segment`,
          segmentId: de.id,
          threshold: 2,
        });
        const needsDim = await s.call('POST', `${trig}/measure-threshold-crossed/subscriptions`, {
          body: { callbackUrl: `${rx.url}/m`, measureId: byChannel.id, threshold: 100 },
        });
        assert.equal(needsDim.status, 400);
        assert.match(needsDim.body.error.message, /dimension is required/);
        const noDims = await s.call('POST', `${trig}/measure-threshold-crossed/subscriptions`, {
          body: { callbackUrl: `${rx.url}/m`, measureId: revenue.id, threshold: 100, dimension: { channel: 'web' } },
        });
        assert.equal(noDims.status, 400);
        assert.match(noDims.body.error.message, /has no dimensions/);
        const msrSub = await ok(s, 'POST', `${trig}/measure-threshold-crossed/subscriptions`, {
          callbackUrl: `${rx.url}/measure`,
          measureId: byChannel.id,
          threshold: 100,
          dimension: { channel: 'web' },
        });

        const job1 = await runAll(s);
        assert.equal(job1.status, 'succeeded', JSON.stringify(job1.tasks));
        const dormant = job1.tasks.find((t: any) => t.friendlyName === 'Segment Dormant');
        assert.equal(dormant.status, 'skipped', JSON.stringify(job1.tasks));
        assert.equal(dormant.error?.code, 'Inactive', JSON.stringify(dormant));
        const segs1 = (await ok(s, 'GET', `${U}/manage/segments`, undefined, 200)).value;
        assert.equal(byName(segs1, 'Germany').memberCount, 2);
        assert.equal(byName(segs1, 'Buyers').memberCount, 1);
        const buyers = await ok(
          s,
          'GET',
          `${U}/data/Customer?$filter=${encodeURIComponent('ShopOrders/any(o: o/amount gt 40)')}&$count=true`,
          undefined,
          200,
        );
        assert.equal(buyers['@odata.count'], 1, 'Get items takes the any/all of segment queries');
        assert.equal(byName(segs1, 'German buyers').memberCount, 1);
        assert.equal(byName(segs1, 'Dormant').memberCount, null);
        const members = await s.readEntity('default', 'SegmentMembership', '"SegmentName", "CustomerId"');
        assert.equal(members.filter((m) => m.SegmentId === de.id && m.SegmentName === 'Germany').length, 2);
        const inDe = await ok(
          s,
          'GET',
          `${U}/data/Customer?$filter=${encodeURIComponent("IsMemberOfSegment('Germany')")}&$count=true`,
          undefined,
          200,
        );
        assert.equal(inDe['@odata.count'], 2);
        const msr1 = await ok(s, 'GET', `${U}/manage/measures/${byChannel.id}`, undefined, 200);
        assert.deepEqual(msr1.values, [
          { dimension: { channel: 'shop' }, value: 70 },
          { dimension: { channel: 'web' }, value: 70 },
        ]);
        assert.equal((await ok(s, 'GET', `${U}/manage/measures/${revenue.id}`, undefined, 200)).value, 140);
        const perCustomer = await s.readEntity('default', 'CustomerMeasures');
        assert.equal(perCustomer.length, 3);
        assert.deepEqual(perCustomer.map((r) => Number(r.OrderCount)).sort(), [0, 1, 2]);

        s.importFile('crm.csv', second.crm);
        s.importFile('orders.csv', second.orders);
        const job2 = await runAll(s);
        assert.equal(job2.status, 'succeeded', JSON.stringify(job2.tasks));
        const seg2 = await ok(s, 'GET', `${U}/manage/segments/${de.id}`, undefined, 200);
        assert.equal(seg2.memberCount, 3);
        assert.deepEqual(
          seg2.history.map((h: any) => [h.jobId, h.memberCount]),
          [
            [job1.id, 2],
            [job2.id, 3],
          ],
        );
        assert.equal(
          byName((await ok(s, 'GET', `${U}/manage/segments`, undefined, 200)).value, 'German buyers').memberCount,
          2,
        );
        const got = await rx.waitFor(2);
        const seg = got.find((r) => r.path === '/segment')?.json;
        assert.equal(seg.type, 'segment.threshold.crossed');
        assert.deepEqual(
          [seg.data.segmentId, seg.data.segmentName, seg.data.owners, seg.data.previousValue, seg.data.currentValue],
          [de.id, 'Germany', ['de@example.com'], 2, 3],
        );
        assert.equal(seg.data.direction, 'above');
        assert.equal(seg.data.jobId, job2.id);
        const msr = got.find((r) => r.path === '/measure')?.json;
        assert.deepEqual(msr.data.dimension, { channel: 'web' });
        assert.deepEqual(
          [msr.data.measureName, msr.data.previousValue, msr.data.currentValue],
          ['Revenue by channel', 70, 230],
        );

        const replay = await s.runtime.services.db.tx((tx) =>
          s.runtime.services.outbox.evaluated(tx, {
            instanceId: 'default',
            kind: 'segment',
            subjectId: de.id,
            seriesKey: '',
            dimension: null,
            previous: 2,
            current: 3,
            jobId: job2.id,
            evaluatedAt: new Date().toISOString(),
            name: 'Germany',
            owners: [],
          }),
        );
        assert.equal(replay, 0, 'a retry of the same job fires nothing');
        assert.equal((await runAll(s)).status, 'succeeded');
        for (const sub of [segSub, msrSub]) {
          const deliveries = await ok(s, 'GET', `${U}/subscriptions/${sub.id}/deliveries`, undefined, 200);
          assert.equal(deliveries.value.length, 1, `one crossing fires once for ${sub.id}`);
        }
        const segmentsOnly = await ok(
          s,
          'POST',
          `${U}/jobs`,
          { operationType: 'segments', identifiers: [both.id] },
          202,
        );
        assert.equal((await s.waitForJob('default', segmentsOnly.id)).status, 'succeeded');
        const kept = await s.readEntity('default', 'SegmentMembership');
        assert.equal(kept.filter((m) => m.SegmentId === de.id).length, 3, 'segments not evaluated keep their members');
      } finally {
        await rx.close();
        await s.stop();
      }
    });
  });
}
