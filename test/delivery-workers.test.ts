// Several delivery workers on one store (the runtime's own plus two more, as other nodes would run them) never send
// the same attempt twice, and a crashed worker's expired leases are taken over. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemClock } from '../src/core/clock.ts';
import { silentLogger } from '../src/core/log.ts';
import type { ClaimedDelivery, Completion } from '../src/delivery/deliveries.sql.ts';
import { claimDeliveries, completeDeliveries } from '../src/delivery/deliveries.sql.ts';
import { createDeliveryWorker } from '../src/delivery/worker.ts';
import { engines, type Engine } from './support/engines.ts';
import { unificationCompleted } from './support/events.ts';
import { startReceiver } from './support/receiver.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const data = unificationCompleted();

/** A server whose own delivery worker is stopped, with one subscription to unification.completed (a closed port):
 * the test claims and completes its deliveries itself. */
async function withIdleWorker(engine: Engine): Promise<TestServer> {
  const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
  try {
    await s.runtime.services.deliveryWorker.stop();
    const r = await s.call('POST', `${U}/subscriptions`, {
      body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['unification.completed'] },
    });
    assert.equal(r.status, 201);
    return s;
  } catch (err) {
    await s.stop();
    throw err;
  }
}

async function emit(s: TestServer, n: number): Promise<void> {
  const { db, outbox } = s.runtime.services;
  await db.tx(async (tx) => {
    for (let i = 0; i < n; i++) await outbox.emit(tx, 'default', 'unification.completed', data);
  });
}

for (const engine of await engines()) {
  describe(`delivery workers (${engine})`, () => {
    test('three workers deliver every (subscription, event) exactly once; expired leases are reclaimed', async () => {
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      const rx = await startReceiver();
      const { db, sender } = s.runtime.services;
      const others = [1, 2].map(() =>
        createDeliveryWorker({
          db,
          nodeId: s.runtime.services.node.id,
          clock: systemClock,
          log: silentLogger,
          send: sender,
          secretKey: s.runtime.services.secretKey,
          schedule: [1000],
        }),
      );
      try {
        for (const p of ['/a', '/b']) {
          const r = await s.call('POST', `${U}/subscriptions`, {
            body: { url: `${rx.url}${p}`, eventTypes: ['unification.completed'] },
          });
          assert.equal(r.status, 201);
        }
        await emit(s, 150);
        await Promise.all([s.runtime.services.deliveryWorker.drain(), ...others.map((w) => w.drain())]);
        await rx.waitFor(300);
        const keys = rx.received.map((r) => `${r.path}#${String(r.headers['webhook-id'])}`);
        assert.equal(keys.length, 300);
        assert.equal(new Set(keys).size, 300, 'no attempt was sent twice');

        // A worker that claimed and died: its leases expire, and another worker takes the deliveries over.
        await s.runtime.services.deliveryWorker.stop();
        await emit(s, 5);
        const stolen = await claimDeliveries(db, { now: new Date(), leaseMs: 1, limit: 100, nodeId: 'node_gone' });
        assert.equal(stolen.length, 10);
        for (let i = 0; i < 100 && rx.received.length < 310; i++) {
          await others[0]!.drain();
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.equal(rx.received.length, 310);
        const rows = await db.all<{ n: number }>(
          `SELECT COUNT(*) AS n FROM deliveries WHERE status <> 'succeeded' OR lease_until IS NOT NULL`,
        );
        assert.equal(Number(rows[0]!.n), 0);
      } finally {
        await Promise.all(others.map((w) => w.stop()));
        await rx.close();
        await s.stop();
      }
    });

    test('outcomes of a delivery claimed three times, recorded in one batch, log each attempt once', async () => {
      const s = await withIdleWorker(engine);
      try {
        const { db } = s.runtime.services;
        await emit(s, 1);
        // Each claim takes the delivery over once the previous lease (1 s) has expired: B and C log "outcome unknown"
        // for attempt 1 and both send attempt 2.
        const t0 = Date.now();
        const claim = async (node: string, at: number) =>
          (await claimDeliveries(db, { now: new Date(t0 + at), leaseMs: 1000, limit: 10, nodeId: node }))[0]!;
        const a = await claim('node_a', 0);
        const b = await claim('node_b', 2000);
        const c = await claim('node_c', 4000);
        assert.deepEqual([b.lostClaim, c.lostClaim], ['node_a', 'node_b']);
        const outcome = (d: ClaimedDelivery, statusCode: number, at: number): Completion => ({
          delivery: d,
          at: new Date(t0 + at).toISOString(),
          statusCode,
          latencyMs: 1,
          error: statusCode === 200 ? null : `HTTP ${statusCode}`,
          response: `from ${d.lostClaim ?? 'first'}`,
          status: statusCode === 200 ? 'succeeded' : 'pending',
          nextAttemptAt: statusCode === 200 ? null : new Date(t0 + at + 1000).toISOString(),
        });
        await completeDeliveries(db, [outcome(a, 503, 100), outcome(b, 502, 2100), outcome(c, 200, 4100)]);

        const attempts = await db.all<{ attempt: number; status_code: number | null; response: string }>(
          'SELECT attempt, status_code, response FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt',
          [a.id],
        );
        assert.deepEqual(
          attempts.map((x) => [Number(x.attempt), x.status_code === null ? null : Number(x.status_code), x.response]),
          [
            [1, 503, 'from first'],
            [2, 200, 'from node_b'],
          ],
          "the first claim's outcome replaces the unknown entry; the last outcome of attempt 2 wins",
        );
        const row = await db.get<{ status: string; attempt_count: number; lease_until: string | null }>(
          'SELECT status, attempt_count, lease_until FROM deliveries WHERE id = ?',
          [a.id],
        );
        assert.deepEqual(
          { ...row, attempt_count: Number(row!.attempt_count) },
          {
            status: 'succeeded',
            attempt_count: 2,
            lease_until: null,
          },
        );
      } finally {
        await s.stop();
      }
    });

    // PostgreSQL only: it plans the claim from statistics, where SQLite walks its index.
    if (engine === 'postgres')
      test('a claim reads the due deliveries it takes, not all of them, before statistics know of the due rows', async () => {
        const s = await withIdleWorker(engine);
        try {
          const { db } = s.runtime.services;
          // A burst of due deliveries in a table never analyzed: the planner guesses a handful of due rows and, left
          // alone, reads and sorts them all through a bitmap scan for each claim.
          await emit(s, 2000);
          const read = await db.tx(async (tx) => {
            const claimed = await claimDeliveries(tx, { now: new Date(), leaseMs: 60_000, limit: 10, nodeId: 'n' });
            assert.equal(claimed.length, 10);
            const row = await tx.get<{ n: number }>(
              `SELECT pg_stat_get_xact_tuples_returned('deliveries_due'::regclass) AS n`,
            );
            return Number(row!.n);
          });
          assert.ok(read < 100, `the claim read ${read} index entries of the due index for 10 deliveries`);
        } finally {
          await s.stop();
        }
      });
  });
}
