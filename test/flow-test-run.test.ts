// Testing a built-in flow (POST …/flows/{id}/test) and listing the triggers (GET …/triggers) through the HTTP API:
// a test runs every step now on a sample event of the flow's trigger — made up from the trigger's parameters until a
// real event exists, then the newest stored one — returns each step's output or error, retries nothing and is not
// kept in the run history. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { triggerNames } from '../src/events/index.ts';
import { engines } from './support/engines.ts';
import { runsOf } from './support/flows.ts';
import { startReceiver } from './support/receiver.ts';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

/** Two contacts (Ann in DE, Bob in NL) in a data source with an owner, mapped to FirstName and Country. */
async function crmWorkspace(s: TestServer): Promise<{ id: string }> {
  s.importFile('crm.csv', 'contact_id,first_name,country\nc1,Ann,DE\nc2,Bob,NL\n');
  const ds = await ok(s, 'POST', `${U}/manage/datasources`, {
    name: 'CRM',
    kind: 'csv',
    location: 'crm.csv',
    entity: 'CrmContacts',
    primaryKey: 'contact_id',
    owners: ['owner@example.com'],
  });
  const map = [
    { entity: 'CrmContacts', primaryKey: 'contact_id', attributes: { first_name: 'FirstName', country: 'Country' } },
  ];
  const match = { order: ['CrmContacts'], deduplicate: true, rules: [] };
  await ok(s, 'PUT', `${U}/manage/unification`, { map, match, merge: { default: { policy: 'importance' } } }, 200);
  return ds;
}

for (const engine of await engines()) {
  describe(`flow test runs and the trigger list (${engine})`, () => {
    test('the trigger list names every trigger of the catalog with its parameters', async () => {
      const s = await startTestServer({ engine });
      try {
        const list = (await ok(s, 'GET', `${U}/triggers`, undefined, 200)).value;
        assert.deepEqual(
          list.map((t: any) => t.name),
          triggerNames,
        );
        const seg = list.find((t: any) => t.name === 'segment-threshold-crossed');
        assert.equal(seg.summary, 'When a segment crosses a threshold');
        assert.equal(seg.eventType, 'segment.threshold.crossed');
        assert.deepEqual(
          seg.parameters.map((p: any) => [p.name, p.type, p.required]),
          [
            ['segmentId', 'string', true],
            ['threshold', 'number', true],
            ['direction', 'string', false],
            ['hysteresis', 'number', false],
          ],
        );
        assert.deepEqual(seg.parameters[2].enum, ['above', 'below', 'both']);
        const viewer = await ok(s, 'POST', `${U}/connections`, { name: 'v', role: 'viewer' });
        assert.equal((await s.call('GET', `${U}/triggers`, { key: viewer.key })).status, 200);
        assert.equal((await s.call('GET', `${U}/triggers`, { key: null })).status, 401);
      } finally {
        await s.stop();
      }
    });

    test("every trigger's message templates (a new step's texts) render on a sample event of it (stored or made up)", async () => {
      const receiver = await startReceiver();
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      try {
        const ds = await crmWorkspace(s);
        const seg = await ok(s, 'POST', `${U}/manage/segments`, { name: 'Germany', query: "Country eq 'DE'" });
        const msr = await ok(s, 'POST', `${U}/manage/measures`, {
          name: 'Profiles',
          entity: 'Customer',
          aggregation: 'count',
        });
        await runAll(s, { mustSucceed: true });
        const params: Record<string, Record<string, unknown>> = {
          'datasource-refresh-failed': { dataSourceId: ds.id },
          'datasource-refresh-succeeded': { dataSourceId: ds.id },
          'segment-threshold-crossed': { segmentId: seg.id, threshold: 1 },
          'measure-threshold-crossed': { measureId: msr.id, threshold: 1 },
          'full-refresh-completed': {},
          'unification-completed': {},
          'segment-membership-changed': { segmentId: seg.id, perProfile: true },
        };
        const catalog = (await ok(s, 'GET', `${U}/triggers`, undefined, 200)).value;
        const cases = [
          ...catalog.map((t: any) => ({ t, trigger: { type: t.name, ...params[t.name] } })),
          ...catalog
            .filter((t: any) => t.name === 'segment-membership-changed')
            .map((t: any) => ({ t, trigger: { type: t.name, segmentId: seg.id } })),
        ];
        assert.equal(cases.length, triggerNames.length + 1);
        for (const [i, { t, trigger }] of cases.entries()) {
          const m = t.message;
          assert.equal(
            m.to,
            ['full-refresh-completed', 'unification-completed'].includes(t.name) ? null : '{{ event.data.owners }}',
          );
          const flow = await ok(s, 'POST', `${U}/flows`, {
            name: `Message of ${t.name}`,
            trigger,
            steps: [
              {
                name: 'post',
                type: 'http.request',
                method: 'POST',
                url: `${receiver.url}/${t.name}`,
                body: [m.to ?? '-', m.subject, m.text].join('\n'),
              },
            ],
          });
          const run = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
          assert.equal(run.status, 'succeeded', `${t.name}: ${JSON.stringify(run.steps[0].error)}`);
          const [to, subject, text] = (await receiver.waitFor(i + 1))[i]!.body.split('\n');
          assert.ok(subject && text, `${t.name}: subject and text are not empty`);
          if (m.to) assert.equal(to, t.name.startsWith('datasource') ? 'owner@example.com' : '');
        }
        const perProfile = receiver.received.find((r) => r.path === '/segment-membership-changed')!;
        assert.match(perProfile.body, /^Germany: 1 entered, 0 left\nCustomer cus_\w+ entered the segment\. /m);
        const summary = receiver.received.filter((r) => r.path === '/segment-membership-changed')[1]!;
        assert.match(summary.body, /The segment now has \d+ members\. Changes: http:\/\/.+SegmentMembershipChanges/);
      } finally {
        await s.stop();
        await receiver.close();
      }
    });

    test('a made-up per-profile event carries a profile the instance serves, a member of the segment', async () => {
      const s = await startTestServer({ engine });
      try {
        await crmWorkspace(s);
        const nl = await ok(s, 'POST', `${U}/manage/segments`, { name: 'Netherlands', query: "Country eq 'NL'" });
        const flow = await ok(s, 'POST', `${U}/flows`, {
          name: 'Welcome',
          trigger: { type: 'segment-membership-changed', segmentId: nl.id, perProfile: true, change: 'entered' },
          steps: [{ name: 'get', type: 'data.getItems', entity: 'Customer', top: 1 }],
        });
        const before = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
        assert.deepEqual(before.event.data.profile, { CustomerId: 'cus_sample' }, 'no data yet: a stand-in');
        await runAll(s, { mustSucceed: true });
        const after = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
        assert.equal(after.event.data.change, 'entered');
        assert.equal(after.event.data.profile.FirstName, 'Bob');
        assert.equal(after.event.data.customerId, after.event.data.profile.CustomerId);
      } finally {
        await s.stop();
      }
    });

    test('a test runs the steps on a made-up event, then on the newest stored one, and keeps no run', async () => {
      const receiver = await startReceiver();
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      try {
        s.importFile('crm.csv', 'id,name\n1,"Ann\n');
        const ds = await ok(s, 'POST', `${U}/manage/datasources`, {
          name: 'CRM',
          kind: 'csv',
          location: 'crm.csv',
          owners: ['owner@example.com'],
        });
        const flow = await ok(s, 'POST', `${U}/flows`, {
          name: 'Tell the team',
          trigger: { type: 'datasource-refresh-failed', dataSourceId: ds.id },
          steps: [
            {
              name: 'post',
              type: 'http.request',
              method: 'POST',
              url: `${receiver.url}/hook`,
              body: '{{ event.data.dataSourceName }} failed: {{ event.data.error.message }} ({{ event.data.owners }})',
            },
          ],
        });
        const made = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
        assert.equal(made.status, 'succeeded');
        assert.equal(made.eventSource, 'made up');
        assert.equal(made.event.type, 'datasource.refresh.failed');
        assert.equal(made.event.data.dataSourceName, 'CRM');
        assert.deepEqual(
          made.steps.map((st: any) => [st.name, st.status, st.output.statusCode]),
          [['post', 'succeeded', 200]],
        );
        const [first] = await receiver.waitFor(1);
        assert.match(first!.body, /^CRM failed: .+ \(owner@example\.com\)$/);
        assert.deepEqual((await ok(s, 'GET', `${U}/flows/${flow.id}/runs`, undefined, 200)).value, []);

        // Another source's failure is not a sample for this flow, which watches CRM.
        s.importFile('shop.csv', 'id,name\n1,"Bo\n');
        const shop = await ok(s, 'POST', `${U}/manage/datasources`, {
          name: 'Shop',
          kind: 'csv',
          location: 'shop.csv',
        });
        const other = await ok(s, 'POST', `${U}/manage/datasources/${shop.id}/refresh`, undefined, 202);
        await s.waitForJob('default', other.id);
        const still = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
        assert.equal(still.eventSource, 'made up');
        assert.equal(still.event.data.dataSourceName, 'CRM');

        // A real failure stores an event (and runs the flow); the next test uses that event.
        const job = await ok(s, 'POST', `${U}/manage/datasources/${ds.id}/refresh`, undefined, 202);
        await s.waitForJob('default', job.id);
        const runs = await runsOf(s, flow.id, (r) => r.length === 1 && r[0].status !== 'running');
        const stored = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
        assert.equal(stored.eventSource, 'stored');
        assert.equal(stored.eventId, runs[0].eventId);
        assert.match(stored.event.data.error.message, /line/);
        assert.equal((await ok(s, 'GET', `${U}/flows/${flow.id}/runs`, undefined, 200)).value.length, 1);

        // A failing step ends the test at once with its error.
        receiver.respond = () => ({ status: 500, body: 'down' });
        const failed = await ok(s, 'POST', `${U}/flows/${flow.id}/test`, undefined, 200);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.steps[0].status, 'failed');
        assert.match(failed.steps[0].error.message, /answered 500/);

        const viewer = await ok(s, 'POST', `${U}/connections`, { name: 'v', role: 'viewer' });
        assert.equal((await s.call('POST', `${U}/flows/${flow.id}/test`, { key: viewer.key })).status, 403);
        assert.equal((await s.call('POST', `${U}/flows/flow_nope/test`)).status, 404);
      } finally {
        await s.stop();
        await receiver.close();
      }
    });
  });
}
