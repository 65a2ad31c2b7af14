// The audit log: a row per change (connections, data sources, schedule, settings, subscriptions, flows, jobs started
// and canceled, instances, keys made on the command line) with who/when/action/target/summary and never a secret;
// written in the change's transaction (a refused change leaves none); newest first, filters, paging, admins only,
// retention. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keysCommand } from '../src/cli/commands.ts';
import { engines } from './support/engines.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

async function audit(s: TestServer, query = '', key?: string): Promise<any> {
  const r = await s.call('GET', `${U}/audit${query}`, key === undefined ? {} : { key });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

for (const engine of await engines()) {
  describe(`audit log (${engine})`, () => {
    test('every kind of change is recorded, newest first, without secrets', async () => {
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      try {
        const secrets: string[] = [];
        const conn = await s.call('POST', `${U}/connections`, { body: { name: 'Zapier', role: 'contributor' } });
        assert.equal(conn.status, 201);
        secrets.push(conn.body.key);
        s.importFile('crm.csv', 'id,name\n1,Ann\n');
        const ds = await s.call('POST', `${U}/manage/datasources`, {
          body: { name: 'CRM', kind: 'csv', location: 'crm.csv' },
          key: conn.body.key,
        });
        assert.equal(ds.status, 201);
        assert.equal(
          (await s.call('PATCH', `${U}/manage/datasources/${ds.body.id}`, { body: { owners: ['a@example.com'] } }))
            .status,
          200,
        );
        assert.equal(
          (
            await s.call('PUT', `${U}/manage/schedule`, {
              body: { enabled: true, timezone: 'UTC', cron: ['0 3 * * *'] },
            })
          ).status,
          200,
        );
        const mail = await s.call('PUT', `${U}/manage/settings/email`, {
          body: {
            host: '127.0.0.1',
            port: 2525,
            secure: false,
            user: 'm',
            password: 'smtp-pw-XYZ',
            from: 'i@example.com',
          },
        });
        assert.equal(mail.status, 200, JSON.stringify(mail.body));
        secrets.push('smtp-pw-XYZ');
        const sub = await s.call('POST', `${U}/subscriptions`, {
          body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['unification.completed'] },
        });
        assert.equal(sub.status, 201, JSON.stringify(sub.body));
        secrets.push(sub.body.secret);
        const rotated = await s.call('POST', `${U}/subscriptions/${sub.body.id}/rotate-secret`);
        assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
        secrets.push(rotated.body.secret);
        const flow = await s.call('POST', `${U}/flows`, {
          body: {
            name: 'Tell the team',
            trigger: { type: 'datasource-refresh-failed' },
            steps: [
              {
                name: 'post',
                type: 'slack.postMessage',
                webhookUrl: 'http://127.0.0.1:9/T0/B0/flow-secret-path',
                text: 'x',
              },
            ],
          },
        });
        assert.equal(flow.status, 201, JSON.stringify(flow.body));
        secrets.push('flow-secret-path');
        const job = await s.call('POST', `${U}/jobs`, { body: { operationType: 'all' } });
        assert.equal(job.status, 202);
        const cancel = await s.call('POST', `${U}/jobs/${job.body.id}/cancel`);
        assert.ok([202, 409].includes(cancel.status));
        assert.equal((await s.call('DELETE', `${U}/connections/${conn.body.id}`)).status, 204);
        const inst = await s.call('POST', '/v1/instances', { body: { name: 'Second' } });
        assert.equal(inst.status, 201);

        const { value } = await audit(s);
        const actions = value.map((e: any) => e.action);
        const expected = [
          'CreateConnection',
          'CreateDataSource',
          'UpdateDataSource',
          'SetSchedule',
          'SetEmailSettings',
          'CreateSubscription',
          'RotateSubscriptionSecret',
          'CreateFlow',
          'StartJob',
          ...(cancel.status === 202 ? ['CancelJob'] : []),
          'DeleteConnection',
        ];
        assert.deepEqual(actions, [...expected].reverse());
        const byAction = Object.fromEntries(value.map((e: any) => [e.action, e]));
        assert.deepEqual(byAction.CreateConnection.target, { type: 'connection', id: conn.body.id });
        assert.match(byAction.CreateConnection.summary, /name "Zapier", role "contributor"/);
        assert.deepEqual(byAction.CreateDataSource.actor, { type: 'connection', id: conn.body.id });
        assert.deepEqual(byAction.CreateDataSource.target, { type: 'datasource', id: ds.body.id });
        assert.deepEqual(byAction.UpdateDataSource.target, { type: 'datasource', id: ds.body.id });
        assert.deepEqual(byAction.SetSchedule.target, { type: 'schedule', id: 'default' });
        assert.match(byAction.SetEmailSettings.summary, /fields host, port, secure, user, password, from/);
        assert.deepEqual(byAction.RotateSubscriptionSecret.target, { type: 'subscription', id: sub.body.id });
        assert.deepEqual(byAction.CreateFlow.target, { type: 'flow', id: flow.body.id });
        assert.deepEqual(byAction.StartJob.target, { type: 'job', id: job.body.id });
        assert.match(byAction.StartJob.summary, /operationType "all"/);
        assert.deepEqual(byAction.DeleteConnection.target, { type: 'connection', id: conn.body.id });
        for (const e of value) {
          assert.ok(!Number.isNaN(Date.parse(e.at)));
          assert.equal(typeof e.summary, 'string');
        }
        const second = await s.call('GET', `/v1/instances/${inst.body.id}/audit`);
        assert.deepEqual(
          second.body.value.map((e: any) => [e.action, e.target.type, e.target.id]),
          [['CreateInstance', 'instance', inst.body.id]],
        );

        const all = JSON.stringify(await s.runtime.services.db.all('SELECT * FROM audit_log'));
        for (const secret of secrets) assert.ok(!all.includes(secret), `the audit log must not carry ${secret}`);
      } finally {
        await s.stop();
      }
    });

    test('a refused change writes no row; the row commits with the change', async () => {
      const s = await startTestServer({ engine });
      try {
        const bad = await s.call('POST', `${U}/manage/datasources`, {
          body: { name: 'X', kind: 'csv', location: '../etc' },
        });
        assert.equal(bad.status, 400);
        const dup = await s.call('POST', `${U}/connections`, { body: { name: 'A', role: 'nobody' } });
        assert.equal(dup.status, 400);
        assert.deepEqual((await audit(s)).value, []);
        const n = await s.runtime.services.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM data_sources');
        assert.equal(Number(n?.n), 0);
      } finally {
        await s.stop();
      }
    });

    test('filters, paging, admins only, keys made on the command line, retention', async () => {
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_AUDIT_RETENTION: '30d' } });
      try {
        const viewer = await s.call('POST', `${U}/connections`, { body: { name: 'V', role: 'viewer' } });
        const contributor = await s.call('POST', `${U}/connections`, { body: { name: 'C', role: 'contributor' } });
        for (let i = 0; i < 5; i++)
          assert.equal(
            (
              await s.call('PUT', `${U}/manage/schedule`, {
                body: { enabled: i % 2 === 0, timezone: 'UTC', cron: ['0 3 * * *'] },
              })
            ).status,
            200,
          );
        assert.equal((await s.call('GET', `${U}/audit`, { key: viewer.body.key })).status, 403);
        assert.equal((await s.call('GET', `${U}/audit`, { key: contributor.body.key })).status, 403);
        assert.equal((await s.call('GET', `${U}/audit`, { key: null })).status, 401);

        const first = await audit(s, '?$top=3');
        assert.equal(first.value.length, 3);
        assert.ok(first['@odata.nextLink']);
        const pages = [first];
        for (let i = 0; i < 10 && pages[pages.length - 1]['@odata.nextLink']; i++)
          pages.push(await audit(s, new URL(pages[pages.length - 1]['@odata.nextLink']).search));
        assert.deepEqual(
          pages.map((p) => p.value.length),
          [3, 3, 1],
        );
        const rest = { value: pages.slice(1).flatMap((p) => p.value) };
        const at = [...first.value, ...rest.value].map((e: any) => e.at);
        assert.deepEqual(at, [...at].sort().reverse());

        assert.equal((await audit(s, '?action=SetSchedule')).value.length, 5);
        assert.equal((await audit(s, `?target=${viewer.body.id}`)).value.length, 1);
        const adminId = (await audit(s)).value[0].actor.id;
        assert.equal((await audit(s, `?actor=${adminId}`)).value.length, 7);
        assert.equal((await audit(s, '?actor=nobody')).value.length, 0);
        assert.equal((await audit(s, '?since=2999-01-01T00:00:00Z')).value.length, 0);
        assert.equal((await audit(s, '?until=2000-01-01')).value.length, 0);
        for (const q of ['?since=yesterday', '?$top=0', '?$top=5000', '?$skiptoken=garbage', '?color=red'])
          assert.equal((await s.call('GET', `${U}/audit${q}`)).status, 400, q);

        // The command line writes to the store of the data directory (the embedded default).
        if (engine === 'sqlite') {
          const out: string[] = [];
          const code = await keysCommand(
            s.runtime.services.config,
            ['create', '--role', 'viewer', '--name', 'Script'],
            (l) => out.push(l),
          );
          assert.equal(code, 0);
          const cli = (await audit(s, '?$top=1')).value[0];
          assert.equal(cli.actor.type, 'cli');
          assert.equal(cli.action, 'CreateConnection');
          assert.ok(!JSON.stringify(cli).includes(out[1] as string));
        }
        await s.runtime.services.db.run(
          "UPDATE audit_log SET at = '2000-01-01T00:00:00.000Z' WHERE action = 'SetSchedule'",
        );
        await s.restart();
        assert.equal((await audit(s, '?action=SetSchedule')).value.length, 0);
        assert.equal((await audit(s)).value.length, engine === 'sqlite' ? 3 : 2);
      } finally {
        await s.stop();
      }
    });
  });
}
