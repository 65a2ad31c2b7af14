// Crash safety: the server runs as a child process, delivering a few hundred events to a slow loopback receiver, and
// is killed with SIGKILL mid-delivery; restarted on the same data directory, it delivers the rest. Every subscription
// receives every event (the receiver drops duplicates by webhook-id): the set of (subscription, event) received equals
// what the events table says. SQLite, the embedded default (the multi-node claim is covered by delivery-workers).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { startReceiver } from './support/receiver.ts';
import { until } from './support/net.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

const adminKey = 'crash-test-admin-key-0123456789';
const U = '/v1/instances/default';

test('kill -9 while delivering loses no event', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'insightflow-crash-'));
  mkdirSync(path.join(dataDir, 'imports'));
  const rx = await startReceiver();
  rx.respond = () => ({ status: 200, delayMs: 15 });
  const env = {
    INSIGHTFLOW_DATA_DIR: dataDir,
    INSIGHTFLOW_ADMIN_KEY: adminKey,
    INSIGHTFLOW_DEMO: '0',
    INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
    INSIGHTFLOW_LOG_LEVEL: 'error',
    INSIGHTFLOW_RATE_LIMIT: '1000000',
    INSIGHTFLOW_DATABASE_URL: '',
  };
  let server: ServerProcess | null = null;
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(server!.base + p, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  /** Starts the server; restarted, on the port it had. */
  const start = async () => {
    server = await startServerProcess({ env, echoStderr: true, ...(server ? { port: server.port } : {}) });
  };
  const control = () => new DatabaseSync(path.join(dataDir, 'control.sqlite'), { readOnly: true });
  try {
    await start();
    for (const name of ['A', 'B', 'C']) {
      writeFileSync(path.join(dataDir, 'imports', `${name}.csv`), 'id,name\n1,Ann\n2,Bob\n');
      const r = await call('POST', `${U}/manage/datasources`, { name, kind: 'csv', location: `${name}.csv` });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // Not unification.completed: a job interrupted in its unification task emits that too, to nobody here.
    const subscribed = ['datasource.refresh.succeeded', 'datasource.refresh.failed', 'refresh.full.completed'];
    const subs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call('POST', `${U}/subscriptions`, {
        url: `${rx.url}/s${i}`,
        eventTypes: subscribed,
        includeManual: true,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      subs.push(r.body.id as string);
    }
    for (let i = 0; i < 25; i++) assert.equal((await call('POST', `${U}/jobs`, { operationType: 'all' })).status, 202);

    await until('a good part has been delivered', () => rx.received.length >= 120);
    server!.child.kill('SIGKILL');
    await server!.exited;
    const receivedAtKill = rx.received.length;

    await start();
    await until(
      'every job has ended and nothing is pending',
      async () => {
        const jobs = (await call('GET', `${U}/jobs`)).body.value as Array<{ status: string }>;
        if (jobs.some((j) => j.status === 'queued' || j.status === 'running')) return false;
        const db = control();
        try {
          const row = db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'`).get() as {
            n: number;
          };
          return row.n === 0;
        } finally {
          db.close();
        }
      },
      6000,
    );
    const db = control();
    const events = db
      .prepare(`SELECT id FROM events WHERE type IN (${subscribed.map(() => '?').join(', ')}) ORDER BY position`)
      .all(...subscribed) as Array<{ id: string }>;
    const failed = db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status <> 'succeeded'`).get() as {
      n: number;
    };
    db.close();
    const expected = new Set(subs.flatMap((sub) => events.map((e) => `${sub}#${e.id}`)));
    const received = new Set(rx.received.map((r) => `${r.json.subscriptionId}#${String(r.headers['webhook-id'])}`));
    t.diagnostic(
      `${events.length} events × ${subs.length} subscriptions; ${receivedAtKill} requests before the kill, ${rx.received.length} in all`,
    );
    assert.ok(events.length >= 100, `a few hundred deliveries (${events.length} events × 4)`);
    assert.ok(receivedAtKill < expected.size, 'the kill came while deliveries were outstanding');
    assert.equal(failed.n, 0);
    assert.deepEqual([...received].sort(), [...expected].sort());
  } finally {
    const running = server as ServerProcess | null;
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGTERM');
      await running.exited;
    }
    await rx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
