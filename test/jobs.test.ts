// Jobs through the HTTP API: one at a time per instance in order, skipped downstream of failures, cancel, and
// recovery of jobs interrupted by a stop. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const jobs = '/v1/instances/default/jobs';

async function source(s: TestServer, name: string, content: string): Promise<string> {
  s.importFile(`${name}.csv`, content);
  const r = await s.call('POST', '/v1/instances/default/manage/datasources', {
    body: { name, kind: 'csv', location: `${name}.csv`, owners: ['o@x.io'] },
  });
  return r.body.id as string;
}

for (const engine of await engines()) {
  describe(`jobs (${engine})`, () => {
    test('jobs of one instance run one at a time, in the order they were posted', async () => {
      const s = await startTestServer({ engine });
      try {
        await source(s, 'A', 'x\n1\n');
        await source(s, 'B', 'y\n2\n');
        const posted = [];
        for (let i = 0; i < 4; i++)
          posted.push((await s.call('POST', jobs, { body: { operationType: 'ingestion' } })).body.id as string);
        const done = [];
        for (const id of posted) done.push(await s.waitForJob('default', id));
        for (const j of done) assert.equal(j.status, 'succeeded');
        for (let i = 1; i < done.length; i++) {
          assert.ok(
            String(done[i]!.startedAt) >= String(done[i - 1]!.finishedAt),
            `job ${i} started before job ${i - 1} ended`,
          );
        }
        const listed = await s.call('GET', `${jobs}?limit=2`);
        assert.deepEqual(
          listed.body.value.map((j: any) => j.id),
          [posted[3], posted[2]],
        );
        assert.equal((await s.call('GET', `${jobs}?limit=0`)).status, 400);
        assert.equal((await s.call('GET', `${jobs}/job_missing`)).status, 404);
      } finally {
        await s.stop();
      }
    });

    test('a failed task makes the tasks downstream of it skipped', async () => {
      const s = await startTestServer({ engine });
      try {
        await source(s, 'Good', 'x\n1\n');
        await source(s, 'Bad', 'x,y\n1\n');
        const put = await s.call('PUT', '/v1/instances/default/manage/unification', {
          body: {
            map: [{ entity: 'Good', primaryKey: 'x', attributes: { nope: 'Nope' } }],
            match: { order: ['Good'] },
            merge: {},
          },
        });
        assert.equal(put.status, 200, 'accepted before the data (SPEC §6)');
        const job = (await s.call('POST', jobs, { body: { operationType: 'all' } })).body;
        assert.deepEqual(
          job.tasks.map((t: any) => t.operationType),
          ['ingestion', 'ingestion', 'unification', 'publish'],
        );
        const done: any = await s.waitForJob('default', job.id);
        assert.equal(done.status, 'failed');
        assert.deepEqual(
          done.tasks.map((t: any) => t.status),
          ['succeeded', 'failed', 'failed', 'skipped'],
        );
        assert.match(done.tasks[1].error.message, /Bad\.csv/, 'the failed ingestion names its source');
        assert.match(done.tasks[2].error.message, /unknown column "nope" in Good/);
        assert.equal(done.tasks[3].error.code, 'UpstreamFailed');
        assert.match(done.tasks[3].error.message, /Unification/);
        assert.ok(done.tasks.every((t: any) => t.finishedAt));
      } finally {
        await s.stop();
      }
    });

    test('a queued job can be canceled; an ended one cannot', async () => {
      const s = await startTestServer({ engine });
      try {
        const id = await source(s, 'A', 'x\n1\n');
        const first = await s.call('POST', `/v1/instances/default/manage/datasources/${id}/refresh`);
        assert.equal((await s.waitForJob('default', first.body.id)).status, 'succeeded');
        await s.runtime.services.runner.stop();
        const job = (await s.call('POST', `/v1/instances/default/manage/datasources/${id}/refresh`)).body;
        const canceled = await s.call('POST', `${jobs}/${job.id}/cancel`);
        assert.equal(canceled.status, 202);
        assert.equal(canceled.body.status, 'canceled');
        assert.equal(canceled.body.tasks[0].status, 'canceled');
        assert.equal((await s.call('GET', `/v1/instances/default/manage/datasources/${id}`)).body.status, 'canceled');
        assert.equal((await s.call('POST', `${jobs}/${job.id}/cancel`)).status, 409);
      } finally {
        await s.stop();
      }
    });

    test('a job this node held when it stopped is failed with code Interrupted at its next start, within its lease', async () => {
      const s = await startTestServer({ engine });
      try {
        const id = await source(s, 'A', 'x\n1\n');
        const first = await s.call('POST', `/v1/instances/default/manage/datasources/${id}/refresh`);
        assert.equal((await s.waitForJob('default', first.body.id)).status, 'succeeded');
        await s.runtime.services.runner.stop();
        const job = (await s.call('POST', jobs, { body: { operationType: 'all' } })).body;
        const db = s.runtime.services.db;
        // Held by this node, as a kill -9 leaves it: a restart within the lease (30 s by default) must not wait for it.
        const node = s.runtime.services.nodeId;
        await db.run(`UPDATE jobs SET status = 'running', started_at = ?, claimed_by = ? WHERE id = ?`, [
          new Date().toISOString(),
          node,
          job.id,
        ]);
        await db.run(`UPDATE tasks SET status = 'running', started_at = ? WHERE id = ?`, [
          new Date().toISOString(),
          job.tasks[0].id,
        ]);
        const data = () => s.runtime.services.dataStore.instance('default');
        const tables = async () =>
          (await data()).read(async (c) =>
            (await c.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY 1'))
              .getRowObjectsJS()
              .map((r) => r.table_name),
          );
        await (
          await data()
        ).write((c) =>
          c.run(
            'CREATE TABLE "A__v2" AS SELECT 1 AS x; CREATE TABLE "Customer__v1" AS SELECT 1 AS x; ' +
              // A staged view over its backing tables, an orphaned backing table, one of the published version.
              'CREATE TABLE "SegmentMembership__v1__members" AS SELECT 1 AS x; ' +
              'CREATE VIEW "SegmentMembership__v1" AS SELECT * FROM "SegmentMembership__v1__members"; ' +
              'CREATE TABLE "CustomerMeasures__v2__measure0" AS SELECT 1 AS x; CREATE TABLE "A__v1__parts" AS SELECT 1 AS x',
          ),
        );
        const views = async () =>
          (await data()).read(async (c) =>
            (await c.runAndReadAll('SELECT view_name FROM duckdb_views() WHERE NOT internal'))
              .getRowObjectsJS()
              .map((r) => r.view_name),
          );
        assert.deepEqual(await views(), ['SegmentMembership__v1']);
        await s.restart();
        assert.deepEqual(
          await tables(),
          ['A__v1', 'A__v1__parts'],
          'what the interrupted job staged is dropped, the published table kept',
        );
        assert.deepEqual(await views(), [], 'staged views are dropped too');
        const after: any = (await s.call('GET', `${jobs}/${job.id}`)).body;
        assert.equal(after.status, 'failed', 'ended by the start itself, not by a sweep after the lease');
        const [lease] = await s.runtime.services.db.all<{ lease_until: string }>(
          'SELECT lease_until FROM nodes WHERE id = ?',
          [node],
        );
        assert.ok(after.finishedAt < lease!.lease_until, 'the node still held its lease when the job ended');
        assert.equal(after.tasks[0].status, 'failed');
        assert.equal(after.tasks[0].error.code, 'Interrupted');
        assert.deepEqual(
          after.tasks.slice(1).map((t: any) => t.status),
          ['skipped', 'skipped'],
        );
        const ds = (await s.call('GET', `/v1/instances/default/manage/datasources/${id}`)).body;
        assert.equal(ds.status, 'failed');
        assert.equal(ds.lastRefresh.error.code, 'Interrupted');
        const events = await s.runtime.services.db.all<{ type: string }>('SELECT type FROM events ORDER BY position');
        assert.deepEqual(
          events.map((e) => e.type),
          ['datasource.refresh.succeeded', 'datasource.refresh.failed', 'refresh.full.completed'],
        );
      } finally {
        await s.stop();
      }
    });
  });
}
