// Configuration before data and failure isolation (SPEC §6, §11): a unification configuration naming entities without
// data is accepted and checked at run time; one failing or never-uploaded data source fails only its ingestion task,
// the rest of the refresh runs on the last good data of every source, and the job ends failed naming the source; a
// deleted data source leaves no task in the status report and its upload is removed. Both engines.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { ok, runAll, startTestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const config = {
  map: [
    { entity: 'Crm', primaryKey: 'id', attributes: { email: 'Email', name: 'Name' } },
    { entity: 'Shop', primaryKey: 'no', attributes: { mail: 'Email', signed_up: 'SignedUp' } },
  ],
  match: {
    order: ['Crm', 'Shop'],
    rules: [{ name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'] }] }],
  },
  merge: { default: { policy: 'importance' }, attributes: { Name: { policy: 'mostRecent', by: 'SignedUp' } } },
};
const crm = 'id,email,name\n1,ann@example.com,Ann\n2,bob@example.com,Bob\n';
const shop = 'no,mail,signed_up\n10,ann@example.com,2026-01-01\n11,cy@example.com,2026-01-02\n';

const task = (job: any, op: string, name?: string) =>
  job.tasks.find((t: any) => t.operationType === op && (!name || t.friendlyName.includes(name)));

for (const engine of await engines()) {
  describe(`configuration before data, failure isolation (${engine})`, () => {
    test('configuration naming entities without data is accepted; columns are checked when the job runs', async () => {
      const s = await startTestServer({ engine });
      try {
        await ok(s, 'POST', `${U}/manage/datasources`, { name: 'Crm', kind: 'csv', location: 'crm.csv' });
        await ok(s, 'POST', `${U}/manage/datasources`, { name: 'Shop', kind: 'csv', location: 'shop.csv' });
        await ok(s, 'PUT', `${U}/manage/unification`, config, 200);
        const unknown = { ...config, map: [...config.map, { entity: 'Nope', primaryKey: 'id', attributes: {} }] };
        const bad = await s.call('PUT', `${U}/manage/unification`, {
          body: { ...unknown, match: { ...config.match, order: ['Crm', 'Shop', 'Nope'] } },
        });
        assert.equal(bad.status, 400);
        assert.match(bad.body.error.message, /unknown entity "Nope"/);

        s.importFile('crm.csv', crm);
        s.importFile('shop.csv', 'no,mail\n10,ann@example.com\n');
        const job = await runAll(s);
        assert.equal(job.status, 'failed');
        const unify = task(job, 'unification');
        assert.equal(unify.status, 'failed');
        assert.match(unify.error.message, /signed_up/);
        assert.match(unify.error.message, /Shop/);
      } finally {
        await s.stop();
      }
    });

    test('a failing or never-uploaded source fails only its ingestion; the rest runs on the last good data', async () => {
      const s = await startTestServer({ engine });
      try {
        await ok(s, 'POST', `${U}/manage/datasources`, { name: 'Crm', kind: 'csv', location: 'crm.csv' });
        const shopDs = await ok(s, 'POST', `${U}/manage/datasources`, { name: 'Shop', kind: 'csv' });
        await ok(s, 'PUT', `${U}/manage/unification`, config, 200);
        await ok(s, 'POST', `${U}/manage/segments`, { name: 'Everyone', query: "Email ne ''" });
        s.importFile('crm.csv', crm);

        // Shop was never uploaded: only its ingestion fails; Customer is built from Crm alone.
        const first = await runAll(s);
        assert.equal(first.status, 'failed');
        assert.equal(task(first, 'ingestion', 'Shop').status, 'failed');
        assert.equal(task(first, 'ingestion', 'Crm').status, 'succeeded');
        assert.equal(task(first, 'unification').status, 'succeeded', JSON.stringify(first.tasks));
        assert.deepEqual(task(first, 'unification').stats.entitiesWithoutData, ['Shop']);
        assert.equal(task(first, 'segment').status, 'succeeded');
        assert.equal(task(first, 'publish').status, 'succeeded');
        assert.equal((await s.readEntity('default', 'Customer')).length, 2);

        const upload = await s.call('PUT', `${U}/manage/datasources/${shopDs.id}/content`, {
          body: shop,
          headers: { 'content-type': 'text/csv' },
        });
        assert.equal(upload.status, 200);
        assert.equal((await runAll(s)).status, 'succeeded');
        assert.equal((await s.readEntity('default', 'Customer')).length, 3);

        // Crm now fails: Shop's new data is unified with Crm's last good data.
        s.importFile('crm.csv', 'id,email,name\n1,"broken\n');
        const third = await runAll(s);
        assert.equal(third.status, 'failed');
        assert.equal(task(third, 'ingestion', 'Crm').status, 'failed');
        assert.equal(task(third, 'publish').status, 'succeeded');
        const names = (await s.readEntity('default', 'Customer', '"Email"')).map((r) => r.Email);
        assert.deepEqual(names, ['ann@example.com', 'bob@example.com', 'cy@example.com']);

        // A deleted data source leaves no task in the status report, and its upload file is removed.
        const file = path.join(s.importDir, `uploads/default/${shopDs.id}.csv`);
        assert.ok(existsSync(file));
        assert.equal((await s.call('DELETE', `${U}/manage/datasources/${shopDs.id}`)).status, 204);
        assert.ok(!existsSync(file), 'the upload is removed');
        const report = await ok(s, 'POST', `${U}/statusreport`, { reportType: 'summary' }, 200);
        assert.ok(!report.tasks.some((t: any) => t.identifier === shopDs.id), JSON.stringify(report.tasks));
      } finally {
        await s.stop();
      }
    });
  });
}
