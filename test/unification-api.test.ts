// Unification end to end through the HTTP API: configuration validated against the published sources, a full
// refresh publishing Customer and ConflationMap, unification.completed, stable CustomerIds, and the last good data
// of a source whose ingestion failed. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

const config = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: {
        first_name: 'FirstName',
        last_name: 'LastName',
        email: 'Email',
        phone: 'Phone',
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
    deduplicate: true,
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
};

const crm = [
  'contact_id,first_name,last_name,email,phone,updated_at',
  'c1,Ann,Lee,ann.lee@example.com,+1 555 0101,2026-01-01',
  'c2,Robert,Rayner,bob@example.com,555-0202,2026-01-02',
  'c3,Cy,Orr,,555 0303,2026-01-03',
  'c4,Dee,Fox,dee@example.com,,2026-01-04',
].join('\n');
const shop = [
  'customer_no,given,family,email_address,mobile',
  '1,Ann,Lee, ANN.LEE@example.com ,',
  '2,Bob,Raynor,,(555) 0202',
  '3,Eve,Kim,eve@example.com,555 0909',
].join('\n');

async function setup(s: TestServer): Promise<void> {
  s.importFile('crm.csv', crm);
  s.importFile('shop.csv', shop);
  for (const [name, location, primaryKey] of [
    ['Crm contacts', 'crm.csv', 'contact_id'],
    ['Shop customers', 'shop.csv', 'customer_no'],
  ]) {
    const r = await s.call('POST', `${U}/manage/datasources`, {
      body: {
        name,
        kind: 'csv',
        location,
        primaryKey,
        entity: name === 'Crm contacts' ? 'CrmContacts' : 'ShopCustomers',
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
}

for (const engine of await engines()) {
  describe(`unification through the API (${engine})`, () => {
    test('configuration is validated against the published source entities', async () => {
      const s = await startTestServer({ engine });
      try {
        await setup(s);
        assert.equal((await s.call('GET', `${U}/manage/unification`)).status, 404);
        // Accepted before any data (SPEC §6): the columns are checked when the job runs.
        assert.equal((await s.call('PUT', `${U}/manage/unification`, { body: config })).status, 200);
        assert.equal((await runAll(s)).tasks.find((t: any) => t.operationType === 'unification').status, 'succeeded');
        const bad = structuredClone(config) as any;
        bad.map[0].attributes.nope = 'Nope';
        bad.match.rules[0].conditions[0].normalize = ['emails'];
        const r = await s.call('PUT', `${U}/manage/unification`, { body: bad });
        assert.equal(r.status, 400);
        assert.match(r.body.error.message, /normalize/);
        const unknownColumn = structuredClone(config) as any;
        unknownColumn.map[1].attributes.mobil = 'Phone';
        delete unknownColumn.map[1].attributes.mobile;
        const r2 = await s.call('PUT', `${U}/manage/unification`, { body: unknownColumn });
        assert.equal(r2.status, 400);
        assert.match(r2.body.error.message, /mobil/);
        const ok = await s.call('PUT', `${U}/manage/unification`, { body: config });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.deepEqual((await s.call('GET', `${U}/manage/unification`)).body.map, config.map);
      } finally {
        await s.stop();
      }
    });

    test('a full refresh unifies, publishes Customer and ConflationMap, and keeps CustomerIds stable', async () => {
      const s = await startTestServer({ engine });
      try {
        await setup(s);
        await runAll(s);
        assert.equal((await s.call('PUT', `${U}/manage/unification`, { body: config })).status, 200);
        const job = await runAll(s);
        assert.equal(job.status, 'succeeded', JSON.stringify(job.tasks));
        const unify = job.tasks.find((t: any) => t.operationType === 'unification');
        assert.equal(unify.stats.sourceRecords, 7);
        assert.equal(unify.stats.unifiedProfiles, 5, 'Ann and Bob/Robert each merge across sources');
        const customers = await s.readEntity('default', 'Customer', 'LastName');
        assert.deepEqual(
          customers.map((c) => c.LastName),
          ['Fox', 'Kim', 'Lee', 'Orr', 'Rayner'],
        );
        const map = await s.readEntity('default', 'ConflationMap', 'SourceEntity, SourceKey');
        assert.equal(map.length, 7);
        const ann = map.filter((m) => m.CustomerId === map.find((x) => x.SourceKey === 'c1')!.CustomerId);
        assert.deepEqual(ann.map((m) => `${String(m.SourceEntity)}:${String(m.SourceKey)}`).sort(), [
          'CrmContacts:c1',
          'ShopCustomers:1',
        ]);
        assert.equal(ann.find((m) => m.SourceEntity === 'ShopCustomers')!.MatchedBy, 'Same e-mail');
        const bob = map.find((m) => m.SourceEntity === 'ShopCustomers' && m.SourceKey === '2')!;
        assert.equal(bob.MatchedBy, 'Same phone, similar last name');
        const events = await s.runtime.services.db.all<{ type: string; data: string }>(
          `SELECT type, data FROM events WHERE type = 'unification.completed'`,
        );
        assert.equal(events.length, 1);
        assert.equal(JSON.parse(events[0]!.data).unifiedProfiles, 5);
        const again = await runAll(s);
        assert.equal(again.status, 'succeeded');
        const map2 = await s.readEntity('default', 'ConflationMap', 'SourceEntity, SourceKey');
        assert.deepEqual(
          map2.map((m) => m.CustomerId),
          map.map((m) => m.CustomerId),
          'CustomerId is stable while the matched records stay the same',
        );
      } finally {
        await s.stop();
      }
    });

    test('a test counts what a configuration not saved would do; the statistics are the last run’s', async () => {
      const s = await startTestServer({ engine });
      try {
        await setup(s);
        assert.equal((await s.call('GET', `${U}/manage/unification/statistics`)).status, 404);
        await runAll(s);
        assert.equal((await s.call('PUT', `${U}/manage/unification`, { body: config })).status, 200);
        const job = await runAll(s);
        const stats = await s.call('GET', `${U}/manage/unification/statistics`);
        assert.equal(stats.status, 200);
        const task = job.tasks.find((t: any) => t.operationType === 'unification');
        assert.deepEqual(stats.body, {
          jobId: job.id,
          status: 'succeeded',
          startedAt: task.startedAt,
          finishedAt: task.finishedAt,
          error: null,
          stats: task.stats,
        });
        assert.deepEqual(task.stats.matchesPerRule, { 'Same e-mail': 1, 'Same phone, similar last name': 1 });

        // Without the phone rule, Bob/Robert stays two profiles; nothing is saved or published by the test.
        const emailOnly = structuredClone(config);
        emailOnly.match.rules = emailOnly.match.rules.slice(0, 1);
        const tested = await s.call('POST', `${U}/manage/unification/test`, { body: emailOnly });
        assert.equal(tested.status, 200, JSON.stringify(tested.body));
        assert.deepEqual(
          { ...tested.body, durationMs: undefined },
          {
            sourceRecords: 7,
            unifiedProfiles: 6,
            matchedRecords: 1,
            matchesPerRule: { 'Same e-mail': 1 },
            durationMs: undefined,
          },
        );
        assert.equal((await s.call('GET', `${U}/manage/unification`)).body.match.rules.length, 2);
        assert.equal((await s.readEntity('default', 'Customer')).length, 5);

        const bad = structuredClone(config) as any;
        bad.map[0].attributes.nope = 'Nope';
        const refused = await s.call('POST', `${U}/manage/unification/test`, { body: bad });
        assert.equal(refused.status, 400);
        assert.match(refused.body.error.message, /nope/);
        const unknown = structuredClone(config) as any;
        unknown.map.push({ entity: 'Nowhere', primaryKey: 'id', attributes: {} });
        const noData = await s.call('POST', `${U}/manage/unification/test`, { body: unknown });
        assert.equal(noData.status, 400);
        assert.match(noData.body.error.message, /entity Nowhere has no data yet/);
      } finally {
        await s.stop();
      }
    });

    test('a failed ingestion fails only itself; unification runs on its last good data', async () => {
      const s = await startTestServer({ engine });
      try {
        await setup(s);
        await runAll(s);
        await s.call('PUT', `${U}/manage/unification`, { body: config });
        assert.equal((await runAll(s)).status, 'succeeded');
        const before = await s.readEntity('default', 'Customer', 'CustomerId');
        s.importFile('shop.csv', 'customer_no,given,family,email_address,mobile\n1,"Ann\n');
        const failed = await runAll(s);
        assert.equal(failed.status, 'failed');
        const unify = failed.tasks.find((t: any) => t.operationType === 'unification');
        assert.equal(unify.status, 'succeeded');
        assert.deepEqual(await s.readEntity('default', 'Customer', 'CustomerId'), before);
        const completed = await s.runtime.services.db.all<{ data: string }>(
          `SELECT data FROM events WHERE type = 'refresh.full.completed' ORDER BY position`,
        );
        assert.equal(JSON.parse(completed.at(-1)!.data).status, 'failed');
      } finally {
        await s.stop();
      }
    });
  });
}
