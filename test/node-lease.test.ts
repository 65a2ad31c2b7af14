// A node that dies is noticed without a restart (SPEC §10): a job and a delivery claim held by a node whose lease has
// expired are ended (job failed, running task Interrupted) or handed over (delivery sent again with the same
// webhook-id, the lost attempt shown in its log) by the sweeper of a live node, and the instance accepts new jobs.
// The dead node is a row in the nodes table whose lease ran out, as a node killed with SIGKILL leaves it (the
// three-process test kills real nodes). Both engines; a short lease keeps the test quick.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registerNode } from '../src/cluster/index.ts';
import { claimDeliveries } from '../src/delivery/deliveries.sql.ts';
import { engines } from './support/engines.ts';
import { unificationCompleted } from './support/events.ts';
import { startReceiver } from './support/receiver.ts';
import { startTestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

for (const engine of await engines()) {
  describe(`node leases (${engine})`, () => {
    test('the work of a node whose lease expired is ended or handed over by another node, without a restart', async () => {
      const s = await startTestServer({
        engine,
        env: { INSIGHTFLOW_NODE_LEASE: '3s', INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' },
      });
      const rx = await startReceiver();
      const { db, runner, deliveryWorker, node, outbox } = s.runtime.services;
      try {
        const health = await s.call('GET', '/v1/health', { key: null });
        assert.equal(health.body.node.id, node.id);
        assert.ok(health.body.node.leaseUntil > new Date().toISOString(), 'the lease lies ahead');

        s.importFile('A.csv', 'x\n1\n');
        const ds = await s.call('POST', `${U}/manage/datasources`, {
          body: { name: 'A', kind: 'csv', location: 'A.csv', owners: ['o@x.io'] },
        });
        const sub = await s.call('POST', `${U}/subscriptions`, {
          body: { url: `${rx.url}/hook`, eventTypes: ['unification.completed', 'datasource.refresh.failed'] },
        });
        assert.equal(sub.status, 201);

        // Another node claimed a job and a delivery, then died: its lease ran out.
        await runner.stop();
        await deliveryWorker.stop();
        const gone = 'node_gone';
        await registerNode(db, { id: gone, address: null, now: new Date(Date.now() - 60_000), leaseMs: 1000 });
        const job = (await s.call('POST', `${U}/manage/datasources/${ds.body.id}/refresh`)).body;
        const startedAt = new Date().toISOString();
        await db.tx(async (tx) => {
          await tx.run(`UPDATE jobs SET status = 'running', started_at = ?, claimed_by = ? WHERE id = ?`, [
            startedAt,
            gone,
            job.id,
          ]);
          await tx.run(`UPDATE tasks SET status = 'running', started_at = ? WHERE id = ?`, [
            startedAt,
            job.tasks[0].id,
          ]);
        });
        await db.tx((tx) => outbox.emit(tx, 'default', 'unification.completed', unificationCompleted('job_before')));
        const claimed = await claimDeliveries(db, { now: new Date(), leaseMs: 600_000, limit: 10, nodeId: gone });
        assert.equal(claimed.length, 1, 'the dead node holds the delivery for ten minutes');
        await deliveryWorker.start();

        const ended: any = await s.waitForJob('default', job.id);
        assert.equal(ended.status, 'failed');
        assert.equal(ended.tasks[0].status, 'failed');
        assert.equal(ended.tasks[0].error.code, 'Interrupted');

        await rx.waitFor(2);
        const ids = rx.received.map((r) => String(r.headers['webhook-id']));
        assert.equal(ids.length, 2, 'the event the dead node held, and the failure of the interrupted refresh');
        assert.ok(ids.includes(claimed[0]!.eventId), 'sent again with the same webhook-id');
        const delivery = async () =>
          (await s.call('GET', `${U}/subscriptions/${sub.body.id}/deliveries`)).body.value.find(
            (d: any) => d.id === claimed[0]!.id,
          );
        // The receiver has the request; the outcome is recorded in the worker's next cycle.
        for (let i = 0; i < 1000 && (await delivery()).status === 'pending'; i++)
          await new Promise((r) => setTimeout(r, 20));
        const taken = await delivery();
        assert.equal(taken.status, 'succeeded');
        assert.equal(taken.attempts.length, 2, 'the lost attempt is in the log');
        assert.match(taken.attempts[0].error, /outcome unknown: the claim of node node_gone expired/);
        assert.equal(taken.attempts[1].statusCode, 200);

        const nodes = async () => (await db.all<{ id: string }>('SELECT id FROM nodes ORDER BY id')).map((n) => n.id);
        for (let i = 0; i < 1000 && (await nodes()).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(await nodes(), [node.id], 'the dead node is forgotten once its work is swept');

        runner.start();
        const again = (await s.call('POST', `${U}/manage/datasources/${ds.body.id}/refresh`)).body;
        assert.equal((await s.waitForJob('default', again.id)).status, 'succeeded', 'the instance accepts new jobs');
      } finally {
        await rx.close();
        await s.stop();
      }
    });
  });
}
