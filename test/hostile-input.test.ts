// Hostile and odd input through the HTTP API (SPEC §6, §11): the original inputs of the security review, each now a
// clear 400 (or 404) that loses nothing, and refreshes that keep working afterwards. Both engines.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

/** A workspace with one source, its unification and a segment, refreshed once. */
async function workspace(s: TestServer): Promise<void> {
  s.importFile('crm.csv', 'id,email,name\n1,ann@example.com,Ann\n2,bob@example.com,Bob\n');
  await ok(s, 'POST', `${U}/manage/datasources`, { name: 'Crm', kind: 'csv', location: 'crm.csv', primaryKey: 'id' });
  await ok(
    s,
    'PUT',
    `${U}/manage/unification`,
    {
      map: [{ entity: 'Crm', primaryKey: 'id', attributes: { email: 'Email', name: 'Name' } }],
      match: { order: ['Crm'] },
      merge: {},
    },
    200,
  );
  await ok(s, 'POST', `${U}/manage/segments`, { name: 'Everyone', query: "Email ne ''" });
  await runAll(s, { mustSucceed: true });
}

const expect400 = async (s: TestServer, method: string, p: string, body: unknown, what: string) => {
  const r = await s.call(method, p, { body });
  assert.equal(r.status, 400, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(r.body.error?.code, what);
};

for (const engine of await engines()) {
  describe(`hostile input (${engine})`, () => {
    test('entity names: output entities in any case and case-insensitive duplicates are refused', async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        for (const entity of ['customer', 'CUSTOMER', 'conflationmap', 'SegmentMembershipChanges', 'customermeasures'])
          await expect400(s, 'POST', `${U}/manage/datasources`, { name: `X ${entity}`, kind: 'csv', entity }, entity);
        const named = await ok(s, 'POST', `${U}/manage/datasources`, { name: 'customer', kind: 'csv' });
        assert.equal(named.entity, 'CustomerSource', 'a default entity name never takes an output entity name');
        await ok(s, 'DELETE', `${U}/manage/datasources/${named.id}`, undefined, 204);
        await expect400(s, 'POST', `${U}/manage/datasources`, { name: 'Other', kind: 'csv', entity: 'CRM' }, 'CRM');
        await runAll(s, { mustSucceed: true });
      } finally {
        await s.stop();
      }
    });

    test('NUL and control characters in names and bodies are 400; %00 in a path is 400', async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        const bad = ['x\u0000y', 'x\u0001y', 'line\nbreak', 'esc\u001b[31m'];
        for (const name of bad) {
          await expect400(s, 'POST', `${U}/manage/datasources`, { name, kind: 'csv' }, 'data source');
          await expect400(s, 'POST', `${U}/manage/segments`, { name, query: "Email ne ''" }, 'segment');
          await expect400(s, 'POST', `${U}/manage/measures`, { name, aggregation: 'count', entity: 'Customer' }, 'm');
          await expect400(
            s,
            'POST',
            `${U}/flows`,
            {
              name,
              trigger: { type: 'full-refresh-completed' },
              steps: [{ name: 'a', type: 'http.request', url: 'https://h.example.com' }],
            },
            'flow',
          );
          await expect400(s, 'POST', '/v1/instances', { name }, 'instance');
          await expect400(s, 'POST', `${U}/connections`, { name, role: 'viewer' }, 'connection');
        }
        // NUL anywhere in a JSON body: the eight endpoints that answered 500 on PostgreSQL.
        const nul = 'a\u0000b';
        for (const [method, p, body] of [
          ['POST', `${U}/manage/datasources`, { name: 'N', kind: 'csv', description: nul }],
          ['POST', `${U}/manage/segments`, { name: 'N', query: "Email ne ''", description: nul }],
          ['POST', `${U}/manage/measures`, { name: 'N', aggregation: 'count', entity: 'Customer', description: nul }],
          [
            'POST',
            `${U}/subscriptions`,
            { url: 'https://h.example.com/x', eventTypes: ['unification.completed'], description: nul },
          ],
          ['PUT', `${U}/manage/unification`, { map: [{ entity: nul, primaryKey: 'id', attributes: {} }] }],
          ['PUT', `${U}/manage/settings/email`, { host: 'smtp.example.com', port: 25, secure: false, from: nul }],
          ['POST', `${U}/jobs`, { operationType: 'segments', identifiers: [nul] }],
          ['POST', `${U}/statusreport`, { reportType: nul }],
          ['POST', `${U}/manage/datasources`, { [nul]: 1 }],
        ] as const)
          await expect400(s, method, p, body, `${method} ${p}`);
        for (const p of [
          `${U}/manage/datasources/%00`,
          `/v1/instances/%00/manage/datasources`,
          `${U}/manage/segments/seg%00x`,
          `${U}/jobs/%00`,
          `${U}/data/Customer?$filter=Name eq 'a%00b'`,
        ]) {
          const r = await s.call('GET', p);
          assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status}`);
        }
        await runAll(s, { mustSucceed: true });
      } finally {
        await s.stop();
      }
    });

    test("a segment name with NUL stored by an older version, and a crashed run's leftover, do not break a refresh", async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        await s.runtime.services.db.run('UPDATE segments SET name = ?', ['bad\u0001name']);
        const data = await s.runtime.services.dataStore.instance('default');
        const { getEntity } = await import('../src/datastore/index.ts');
        const m = await getEntity(s.runtime.services.db, 'default', 'SegmentMembership');
        const next = m!.table.replace(/__v(\d+)"$/, (_x, v: string) => `__v${Number(v) + 1}__flags"`);
        await data.write((c) => c.run(`CREATE TABLE ${next} (leftover INTEGER)`));
        await runAll(s, { mustSucceed: true });
        await runAll(s, { mustSucceed: true });
      } finally {
        await s.stop();
      }
    });

    test('$filter integer literals beyond 64 bits and strict $top are 400 on read and on save', async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        for (const q of [
          '$filter=' + encodeURIComponent('Name eq 99999999999999999999999'),
          '$filter=' + encodeURIComponent('Name eq -9223372036854775809'),
          '$filter=' + encodeURIComponent('Name eq 1e400'),
          '$top=5abc',
          '$top=1e2',
        ]) {
          const r = await s.call('GET', `${U}/data/Customer?${q}`);
          assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
        }
        const huge = 'Name eq 99999999999999999999999';
        await expect400(s, 'POST', `${U}/manage/segments`, { name: 'Huge', query: huge }, 'segment');
        await expect400(
          s,
          'POST',
          `${U}/manage/measures`,
          { name: 'Huge', aggregation: 'count', entity: 'Customer', filter: huge },
          'measure',
        );
        assert.equal((await ok(s, 'GET', `${U}/manage/segments`, undefined, 200)).value.length, 1, 'nothing saved');
        await runAll(s, { mustSucceed: true });
      } finally {
        await s.stop();
      }
    });

    test('references to unknown segments, measures, data sources and flows are 400 (on save and on reads); what others use is 409 to delete', async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        const M = `${U}/manage`;
        const nope = "IsMemberOfSegment('Nope')";
        await expect400(s, 'POST', `${M}/segments`, { name: 'Ref', query: nope }, 'segment query');
        await expect400(s, 'POST', `${M}/segments`, { name: 'Self', query: "IsMemberOfSegment('Self')" }, 'self');
        const count = { aggregation: 'count', entity: 'Customer' };
        await expect400(s, 'POST', `${M}/measures`, { name: 'Ref', ...count, filter: nope }, 'measure filter');
        const read = `${U}/data/Customer?$filter=${encodeURIComponent(`Email ne '' and ${nope}`)}`;
        await expect400(s, 'GET', read, undefined, 'Get items naming an unknown segment');
        const known = `${U}/data/Customer?$filter=${encodeURIComponent("IsMemberOfSegment('Everyone')")}`;
        assert.equal((await ok(s, 'GET', known, undefined, 200)).value.length, 2, 'a known segment reads its members');
        const url = 'https://hooks.example.com/in';
        for (const [body, what] of [
          [{ url, eventTypes: ['segment.threshold.crossed'], segmentId: 'seg_nope', threshold: 1 }, 'segment'],
          [{ url, eventTypes: ['measure.threshold.crossed'], measureId: 'msr_nope', threshold: 1 }, 'measure'],
          [{ url, eventTypes: ['datasource.refresh.failed'], dataSourceId: 'ds_nope' }, 'data source'],
        ] as const)
          await expect400(s, 'POST', `${U}/subscriptions`, body, `subscription to an unknown ${what}`);
        const flow = (trigger: Record<string, unknown>) => ({
          name: 'F',
          trigger,
          steps: [{ name: 'a', type: 'http.request', url: 'https://h.example.com' }],
        });
        for (const trigger of [
          { type: 'segment-membership-changed', segmentId: 'seg_nope', change: 'entered' },
          { type: 'measure-threshold-crossed', measureId: 'msr_nope', threshold: 1 },
          { type: 'datasource-refresh-failed', dataSourceId: 'ds_nope' },
        ])
          await expect400(s, 'POST', `${U}/flows`, flow(trigger), `flow on ${JSON.stringify(trigger)}`);
        await expect400(s, 'POST', `${U}/jobs`, { operationType: 'segments', identifiers: ['seg_nope'] }, 'job');
        assert.equal((await s.call('POST', `${U}/flows/flw_nope/test`, { body: {} })).status, 404, 'flow test');
        assert.equal((await s.call('GET', `${U}/flows/flw_nope/runs`)).status, 404, 'flow runs');

        // A segment in use: by a segment, a measure, a subscription and a flow.
        const everyone = (await ok(s, 'GET', `${M}/segments`, undefined, 200)).value[0];
        const uses = "IsMemberOfSegment('Everyone')";
        const seg = await ok(s, 'POST', `${M}/segments`, { name: 'Inner', query: uses });
        const msr = await ok(s, 'POST', `${M}/measures`, { name: 'Members', ...count, filter: uses });
        const sub = await ok(s, 'POST', `${U}/subscriptions`, {
          url,
          eventTypes: ['segment.threshold.crossed'],
          segmentId: everyone.id,
          threshold: 1,
        });
        const fl = await ok(
          s,
          'POST',
          `${U}/flows`,
          flow({ type: 'segment-membership-changed', segmentId: everyone.id, change: 'entered' }),
        );
        for (const [method, body] of [
          ['DELETE', undefined],
          ['PATCH', { name: 'Renamed' }],
        ] as const) {
          const r = await s.call(method, `${M}/segments/${everyone.id}`, { body });
          assert.equal(r.status, 409, `${method}: ${JSON.stringify(r.body)}`);
          for (const id of [seg.id, msr.id, sub.id, fl.id]) assert.match(r.body.error.message, new RegExp(id));
        }
        const msrSub = await ok(s, 'POST', `${U}/subscriptions`, {
          url,
          eventTypes: ['measure.threshold.crossed'],
          measureId: msr.id,
          threshold: 1,
        });
        const inUse = await s.call('DELETE', `${M}/measures/${msr.id}`);
        assert.equal(inUse.status, 409);
        assert.match(inUse.body.error.message, new RegExp(msrSub.id));
        await runAll(s, { mustSucceed: true });
        for (const p of [`${U}/subscriptions/${msrSub.id}`, `${M}/measures/${msr.id}`, `${M}/segments/${seg.id}`])
          await ok(s, 'DELETE', p, undefined, 204);
        await ok(s, 'DELETE', `${U}/subscriptions/${sub.id}`, undefined, 204);
        assert.equal((await s.call('DELETE', `${M}/segments/${everyone.id}`)).status, 409, 'the flow still uses it');
        await ok(s, 'DELETE', `${U}/flows/${fl.id}`, undefined, 204);
        await ok(s, 'DELETE', `${M}/segments/${everyone.id}`, undefined, 204);
        await runAll(s, { mustSucceed: true });

        // A data source a subscription or a flow triggers on.
        const ds = (await ok(s, 'GET', `${M}/datasources`, undefined, 200)).value[0];
        const dsSub = await ok(s, 'POST', `${U}/subscriptions`, {
          url,
          eventTypes: ['datasource.refresh.failed'],
          dataSourceId: ds.id,
        });
        const dsFlow = await ok(
          s,
          'POST',
          `${U}/flows`,
          flow({ type: 'datasource-refresh-failed', dataSourceId: ds.id }),
        );
        const dsInUse = await s.call('DELETE', `${M}/datasources/${ds.id}`);
        assert.equal(dsInUse.status, 409, JSON.stringify(dsInUse.body));
        for (const id of [dsSub.id, dsFlow.id]) assert.match(dsInUse.body.error.message, new RegExp(id));
        await ok(s, 'DELETE', `${U}/subscriptions/${dsSub.id}`, undefined, 204);
        await ok(s, 'DELETE', `${U}/flows/${dsFlow.id}`, undefined, 204);
        await ok(s, 'DELETE', `${M}/datasources/${ds.id}`, undefined, 204);
      } finally {
        await s.stop();
      }
    });

    test('an unexpected task failure shows a code and a log reference, never SQL, table names or a stack', async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        // The published table of a source vanishes behind the catalog's back: DuckDB's error names it, with SQL.
        const { getEntity } = await import('../src/datastore/index.ts');
        const crm = await getEntity(s.runtime.services.db, 'default', 'Crm');
        const data = await s.runtime.services.dataStore.instance('default');
        await data.write((c) => c.run(`DROP TABLE ${crm!.table}`));
        const job = await ok(s, 'POST', `${U}/jobs`, { operationType: 'unification' }, 202);
        const done: any = await s.waitForJob('default', job.id);
        assert.equal(done.status, 'failed');
        const failed = done.tasks.find((t: any) => t.status === 'failed');
        assert.equal(failed.error.code, 'Internal', JSON.stringify(failed.error));
        assert.match(failed.error.message, /reference req_\w+ in the server log/);
        assert.doesNotMatch(JSON.stringify(done), /Catalog|SELECT|Crm__v|Error:|\.ts:\d/);
        const report = await ok(s, 'POST', `${U}/statusreport`, { reportType: 'tasks' }, 200);
        assert.doesNotMatch(JSON.stringify(report), /Catalog|SELECT|Crm__v|\.ts:\d/);
        await runAll(s, { mustSucceed: true });
      } finally {
        await s.stop();
      }
    });

    test('settings: CR/LF in e-mail settings, odd locations and reserved instance ids are 400', async () => {
      const s = await startTestServer({ engine });
      try {
        await workspace(s);
        const email = { host: 'smtp.example.com', port: 25, secure: false, from: 'a@example.com' };
        for (const patch of [
          { from: 'a@example.com\r\nBcc: victim@example.com' },
          { host: 'smtp.example.com\r\nX: y' },
          { user: 'u\nv' },
        ])
          await expect400(s, 'PUT', `${U}/manage/settings/email`, { ...email, ...patch }, JSON.stringify(patch));
        for (const host of ['10.0.0.1', '127.0.0.1', '::ffff:169.254.169.254', 'localhost'])
          await expect400(s, 'PUT', `${U}/manage/settings/email`, { ...email, host }, host);
        // A name that does not resolve is saved (it is checked again when mail is sent); resolution never blocks.
        await ok(s, 'PUT', `${U}/manage/settings/email`, { ...email, host: 'smtp.invalid.' }, 200);
        const teams = (webhookUrl: string) => ({
          name: 'T',
          trigger: { type: 'full-refresh-completed' },
          steps: [{ name: 'post', type: 'teams.postMessage', webhookUrl, title: 'x', text: 'y' }],
        });
        for (const url of ['http://127.0.0.1:9/x', 'http://[::1]/x', 'https://metadata.google.internal.localhost/x'])
          await expect400(s, 'POST', `${U}/flows`, teams(url), url);
        mkdirSync(path.join(s.importDir, 'sub'), { recursive: true });
        symlinkSync('/etc/hostname', path.join(s.importDir, 'out.csv'));
        for (const location of ['.', './', 'sub', 'sub/', 'out.csv'])
          await expect400(s, 'POST', `${U}/manage/datasources`, { name: 'L', kind: 'csv', location }, location);
        for (const name of ['new', 'Connector', 'system'])
          await expect400(s, 'POST', '/v1/instances', { name }, `instance ${name}`);
        await runAll(s, { mustSucceed: true });
      } finally {
        await s.stop();
      }
    });
  });
}
