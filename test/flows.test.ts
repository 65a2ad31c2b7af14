// Built-in flows through the HTTP API: validation on save, the original example "post a message to a Microsoft Teams
// channel when a data source refresh fails" against a loopback Teams-style receiver, e-mail through a real SMTP
// server, retries and re-runs. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../src/core/clock.ts';
import { engines } from './support/engines.ts';
import { runsOf, startSmtp } from './support/flows.ts';
import { startReceiver } from './support/receiver.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const allowLoopback = { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' };

async function failingSource(s: TestServer): Promise<string> {
  s.importFile('crm.csv', 'id,name\n1,"Ann\n');
  const r = await s.call('POST', `${U}/manage/datasources`, {
    body: { name: 'CRM', kind: 'csv', location: 'crm.csv', owners: ['owner1@example.com', 'owner2@example.com'] },
  });
  return r.body.id as string;
}

for (const engine of await engines()) {
  describe(`built-in flows (${engine})`, () => {
    test('steps and triggers are validated on save, naming the step', async () => {
      const s = await startTestServer({ engine });
      try {
        const flow = (steps: unknown[], trigger: Record<string, unknown> = { type: 'datasource-refresh-failed' }) =>
          s.call('POST', `${U}/flows`, { body: { name: 'F', trigger, steps } });
        const cases: Array<[unknown[], RegExp, Record<string, unknown>?]> = [
          [[{ name: 'a', type: 'fax.send' }], /steps\.0 \(a\): unknown step type "fax\.send"/],
          [[{ name: 'a', type: 'teams.postMessage', title: 't', text: 'x' }], /steps\.0 \(a\)\.webhookUrl/],
          [
            [{ name: 'a', type: 'slack.postMessage', webhookUrl: 'https://h/x', text: '{{ event.data.name ' }],
            /steps\.0 \(a\)\.text: invalid template/,
          ],
          [
            [{ name: 'a', type: 'slack.postMessage', webhookUrl: 'https://h/x', text: '{{ steps.b.output }}' }],
            /refers to step "b", which does not come before it/,
          ],
          [
            [
              { name: 'a', type: 'http.request', url: 'https://h', method: 'GET' },
              { name: 'a', type: 'http.request', url: 'https://h', method: 'GET' },
            ],
            /another step has the same name/,
          ],
          [[], /at least one step/],
          [
            [{ name: 'a', type: 'http.request', url: 'https://h' }],
            /trigger: segmentId is required/,
            { type: 'segment-threshold-crossed', threshold: 3 },
          ],
          [
            [{ name: 'a', type: 'http.request', url: 'https://h' }],
            /dataSourceId: no data source ds_nope/,
            { type: 'datasource-refresh-failed', dataSourceId: 'ds_nope' },
          ],
          [
            [{ name: 'a', type: 'http.request', url: 'https://h' }],
            /threshold does not apply/,
            { type: 'datasource-refresh-failed', threshold: 3 },
          ],
          [[{ name: 'a', type: 'http.request', url: 'https://h' }], /trigger\.type/, { type: 'refresh-whenever' }],
        ];
        for (const [steps, message, trigger] of cases) {
          const r = await flow(steps, trigger);
          assert.equal(r.status, 400, JSON.stringify(steps));
          assert.match(r.body.error.message, message);
        }
      } finally {
        await s.stop();
      }
    });

    test('example 1: a Teams message when a data source refresh fails', async () => {
      const teams = await startReceiver();
      const s = await startTestServer({ engine, env: allowLoopback });
      try {
        const dsId = await failingSource(s);
        const created = await s.call('POST', `${U}/flows`, {
          body: {
            name: 'Tell the data team',
            trigger: { type: 'datasource-refresh-failed', dataSourceId: dsId },
            steps: [
              {
                name: 'post',
                type: 'teams.postMessage',
                webhookUrl: `${teams.url}/webhookb2/abc`,
                title: 'Refresh of {{ event.data.dataSourceName }} failed',
                text: '{{ event.data.error.message }} — owners: {{ event.data.owners }}',
              },
            ],
          },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const job = await s.call('POST', `${U}/manage/datasources/${dsId}/refresh`);
        await s.waitForJob('default', job.body.id);
        const [msg] = await teams.waitFor(1);
        assert.equal(msg!.path, '/webhookb2/abc');
        assert.equal(msg!.json.type, 'message');
        const attachment = msg!.json.attachments[0];
        assert.equal(attachment.contentType, 'application/vnd.microsoft.card.adaptive');
        assert.equal(attachment.content.type, 'AdaptiveCard');
        assert.equal(attachment.content.body[0].text, 'Refresh of CRM failed');
        assert.equal(
          attachment.content.body[1].text,
          'crm.csv: line 2: unterminated quoted field — owners: owner1@example.com, owner2@example.com',
        );
        assert.ok(
          attachment.content.body[2].facts.some(
            (f: any) => f.title === 'Event' && f.value === 'datasource.refresh.failed',
          ),
        );
        const runs = await runsOf(s, created.body.id, (r) => r[0]?.status === 'succeeded');
        assert.equal(runs.length, 1);
        assert.equal(runs[0].steps[0].status, 'succeeded');
        assert.equal(runs[0].event.type, 'datasource.refresh.failed');
        assert.equal(runs[0].event.data.jobId, job.body.id);
      } finally {
        await s.stop();
        await teams.close();
      }
    });

    test('a failing step is retried with backoff and a run can be re-run; a refused target fails at once', async () => {
      const clock = manualClock(new Date());
      const hook = await startReceiver();
      let answer = 500;
      hook.respond = () => ({ status: answer });
      const s = await startTestServer({ engine, env: allowLoopback, clock });
      try {
        const dsId = await failingSource(s);
        const flow = (
          await s.call('POST', `${U}/flows`, {
            body: {
              name: 'Hook',
              trigger: { type: 'datasource-refresh-failed' },
              steps: [
                {
                  name: 'call',
                  type: 'http.request',
                  url: `${hook.url}/x`,
                  body: '{"ds":"{{ event.data.dataSourceId }}"}',
                },
              ],
            },
          })
        ).body;
        await s.waitForJob('default', (await s.call('POST', `${U}/manage/datasources/${dsId}/refresh`)).body.id);
        let runs = await runsOf(s, flow.id, (r) => r[0]?.attempts === 1);
        assert.equal(runs[0].status, 'running');
        assert.equal(runs[0].steps[0].status, 'failed');
        assert.equal(runs[0].steps[0].error.code, 'HttpError');
        answer = 200;
        clock.advance(11_000);
        runs = await runsOf(s, flow.id, (r) => r[0]?.status === 'succeeded');
        assert.equal(runs[0].attempts, 2);
        assert.equal(hook.received.length, 2);
        assert.equal(hook.received[1]!.json.ds, dsId);
        const rerun = await s.call('POST', `${U}/flows/${flow.id}/runs/${runs[0].id}/rerun`);
        assert.equal(rerun.status, 202);
        runs = await runsOf(s, flow.id, (r) => r.length === 2 && r.every((x) => x.status === 'succeeded'));
        assert.equal(hook.received.length, 3);

        s.importFile('people.csv', 'id,city\n1,Berlin\n2,Paris\n3,Berlin\n');
        const people = (
          await s.call('POST', `${U}/manage/datasources`, {
            body: { name: 'People', kind: 'csv', location: 'people.csv', primaryKey: 'id' },
          })
        ).body;
        await s.waitForJob('default', (await s.call('POST', `${U}/manage/datasources/${people.id}/refresh`)).body.id);
        const reader = (
          await s.call('POST', `${U}/flows`, {
            body: {
              name: 'Count Berliners',
              trigger: { type: 'datasource-refresh-failed' },
              steps: [
                { name: 'items', type: 'data.getItems', entity: 'People', filter: "city eq 'Berlin'", select: 'id' },
                {
                  name: 'report',
                  type: 'http.request',
                  url: `${hook.url}/count`,
                  body: '{"n":{{ steps.items.output.value.size }},"first":{{ steps.items.output.value.first.id }}}',
                },
              ],
            },
          })
        ).body;
        // A literal refused target is a 400 on save; one that a template makes is refused when the step runs.
        for (const url of [
          'http://169.254.169.254/latest',
          'http://[::ffff:169.254.169.254]/latest',
          'http://10.0.0.7/{{ event.id }}',
          'file:///etc/passwd',
          'gopher://example.com/x',
        ]) {
          const r = await s.call('POST', `${U}/flows`, {
            body: {
              name: 'Meta',
              trigger: { type: 'datasource-refresh-failed' },
              steps: [{ name: 'call', type: 'http.request', url }],
            },
          });
          assert.equal(r.status, 400, url);
          assert.equal(r.body.error.code, 'TargetRefused', url);
        }
        const refused = (
          await s.call('POST', `${U}/flows`, {
            body: {
              name: 'Meta',
              trigger: { type: 'datasource-refresh-failed' },
              steps: [{ name: 'call', type: 'http.request', url: '{{ "http://169.254.169.254/latest" }}' }],
            },
          })
        ).body;
        await s.waitForJob('default', (await s.call('POST', `${U}/manage/datasources/${dsId}/refresh`)).body.id);
        await runsOf(s, reader.id, (r) => r[0]?.status === 'succeeded');
        assert.deepEqual(hook.received.find((r) => r.path === '/count')?.json, { n: 2, first: 1 });
        const failed = await runsOf(s, refused.id, (r) => r[0]?.status === 'failed');
        assert.equal(failed[0].steps[0].error.code, 'TargetRefused');
        assert.equal(failed[0].attempts, 1, 'refusals are not retried');
      } finally {
        await s.stop();
        await hook.close();
      }
    });

    test('e-mail to the data owners through a real SMTP server; the password is stored encrypted and never returned', async () => {
      const smtp = await startSmtp();
      const s = await startTestServer({ engine, env: allowLoopback });
      try {
        assert.equal((await s.call('GET', `${U}/manage/settings/email`)).status, 404);
        const put = await s.call('PUT', `${U}/manage/settings/email`, {
          body: {
            host: '127.0.0.1',
            port: smtp.port,
            secure: false,
            user: 'mailer',
            password: 's3cret-pw',
            from: 'insightflow@example.com',
          },
        });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.hasPassword, true);
        assert.ok(!JSON.stringify(put.body).includes('s3cret-pw'));
        const stored = await s.runtime.services.db.all<{ value: string }>(
          `SELECT value FROM settings WHERE name = 'email'`,
        );
        assert.ok(!stored[0]!.value.includes('s3cret-pw'), 'the password is encrypted at rest');
        const meta = await s.call('PUT', `${U}/manage/settings/email`, {
          body: { host: '169.254.169.254', port: 25, secure: false, from: 'x@example.com' },
        });
        assert.equal(meta.status, 400);
        assert.equal(meta.body.error.code, 'TargetRefused');

        const dsId = await failingSource(s);
        const flow = (
          await s.call('POST', `${U}/flows`, {
            body: {
              name: 'Mail owners',
              trigger: { type: 'datasource-refresh-failed' },
              steps: [
                {
                  name: 'mail',
                  type: 'email.send',
                  to: '{{ event.data.owners }}',
                  cc: 'audit@example.com',
                  subject: '{{ event.data.dataSourceName }} failed',
                  body: 'Error: {{ event.data.error.message }}',
                },
              ],
            },
          })
        ).body;
        await s.waitForJob('default', (await s.call('POST', `${U}/manage/datasources/${dsId}/refresh`)).body.id);
        const runs = await runsOf(s, flow.id, (r) => r[0]?.status !== undefined && r[0].status !== 'running');
        assert.equal(runs[0].status, 'succeeded', JSON.stringify(runs[0]));
        assert.equal(smtp.mails.length, 1);
        assert.deepEqual(smtp.mails[0]!.to.sort(), ['audit@example.com', 'owner1@example.com', 'owner2@example.com']);
        assert.equal(smtp.mails[0]!.from, 'insightflow@example.com');
        assert.match(smtp.mails[0]!.data, /Subject: CRM failed/);
        assert.match(smtp.mails[0]!.data, /unterminated quoted field/);
      } finally {
        await s.stop();
        await smtp.close();
      }
    });
  });
}
