// The original documents' second example, end to end through the HTTP API: "send an e-mail to the data owners when a
// segment crosses a threshold". A built-in flow on segment-threshold-crossed mails the segment's owners through a real
// SMTP server when a refresh of changed data lifts the member count over the threshold — not on the first
// evaluation, and not again while the count stays above it. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { runsOf, startSmtp } from './support/flows.ts';
import { ok, runAll, startTestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

const contacts = (rows: string[]) => ['contact_id,first_name,country', ...rows].join('\n');

for (const engine of await engines()) {
  describe(`example: e-mail the owners when a segment crosses a threshold (${engine})`, () => {
    test('one mail to every owner on the crossing, none before or after', async () => {
      const smtp = await startSmtp();
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      try {
        await ok(
          s,
          'PUT',
          `${U}/manage/settings/email`,
          { host: '127.0.0.1', port: smtp.port, secure: false, from: 'insightflow@example.com' },
          200,
        );
        s.importFile('crm.csv', contacts(['1,Ann,DE', '2,Bob,DE', '3,Cy,NL']));
        const crm = { name: 'CRM', kind: 'csv', location: 'crm.csv', entity: 'CrmContacts', primaryKey: 'contact_id' };
        await ok(s, 'POST', `${U}/manage/datasources`, crm);
        const ingestion = await ok(s, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
        assert.equal((await s.waitForJob('default', ingestion.id)).status, 'succeeded');
        await ok(
          s,
          'PUT',
          `${U}/manage/unification`,
          {
            map: [
              {
                entity: 'CrmContacts',
                primaryKey: 'contact_id',
                attributes: { first_name: 'FirstName', country: 'Country' },
              },
            ],
            match: { order: ['CrmContacts'], deduplicate: false, rules: [] },
            merge: { default: { policy: 'importance' }, attributes: {} },
          },
          200,
        );
        const segment = await ok(s, 'POST', `${U}/manage/segments`, {
          name: 'Germany',
          query: "Country eq 'DE'",
          owners: ['de-team@example.com', 'crm@example.com'],
        });
        const flow = await ok(s, 'POST', `${U}/flows`, {
          name: 'Tell the owners',
          trigger: { type: 'segment-threshold-crossed', segmentId: segment.id, threshold: 2, direction: 'above' },
          steps: [
            {
              name: 'mail',
              type: 'email.send',
              to: '{{ event.data.owners }}',
              subject: '{{ event.data.segmentName }} passed {{ event.data.threshold }} members',
              body: 'From {{ event.data.previousValue }} to {{ event.data.currentValue }} members.',
            },
          ],
        });

        await runAll(s, { mustSucceed: true });
        await s.runtime.services.flowWorker.drain();
        assert.deepEqual((await ok(s, 'GET', `${U}/flows/${flow.id}/runs`, undefined, 200)).value, []);

        s.importFile('crm.csv', contacts(['1,Ann,DE', '2,Bob,DE', '3,Cy,NL', '4,Dee,DE']));
        await runAll(s, { mustSucceed: true });
        const runs = await runsOf(s, flow.id, (r) => r[0]?.status !== undefined && r[0].status !== 'running');
        assert.equal(runs.length, 1);
        assert.equal(runs[0].status, 'succeeded', JSON.stringify(runs[0]));
        assert.equal(smtp.mails.length, 1);
        assert.deepEqual(smtp.mails[0]!.to.sort(), ['crm@example.com', 'de-team@example.com']);
        assert.match(smtp.mails[0]!.data, /Subject: Germany passed 2 members/);
        assert.match(smtp.mails[0]!.data, /From 2 to 3 members\./);

        s.importFile('crm.csv', contacts(['1,Ann,DE', '2,Bob,DE', '3,Cy,NL', '4,Dee,DE', '5,Eve,DE']));
        await runAll(s, { mustSucceed: true });
        await s.runtime.services.flowWorker.drain();
        assert.equal((await ok(s, 'GET', `${U}/flows/${flow.id}/runs`, undefined, 200)).value.length, 1);
        assert.equal(smtp.mails.length, 1, 'no crossing, no mail');
        const history = (await ok(s, 'GET', `${U}/manage/segments/${segment.id}`, undefined, 200)).history;
        assert.deepEqual(
          history.map((h: any) => h.memberCount),
          [2, 3, 4],
        );
      } finally {
        await s.stop();
        await smtp.close();
      }
    });
  });
}
