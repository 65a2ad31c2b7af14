// Webhook delivery on a real runtime with the embedded store (SQLite): the time from the commit of an emitting
// transaction to the signed request's arrival at a loopback receiver (p50, p99), and sustained signed deliveries per
// second while events keep being emitted. Baseline in the same run: the same HTTP client (undici) posting the same
// body to the same receiver, one at a time (latency) and with the worker's concurrency (throughput).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { startRuntime } from '../src/http/runtime.ts';
import type { Db } from '../src/store/index.ts';
import type { Outbox } from '../src/events/index.ts';
import type { Bench, BenchTable } from './lib.ts';
import { ms, summarize } from './lib.ts';

const adminKey = 'bench-admin-key-0123456789abcdef';
const data = {
  jobId: 'job_bench',
  status: 'succeeded' as const,
  sourceRecords: 1000,
  unifiedProfiles: 900,
  matchedRecords: 100,
  matchesPerRule: { 'Same e-mail': 100 },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  error: null,
};

/** A loopback receiver that answers 200 at once, counts the webhook-ids it has seen more than once, and resolves
 * waiters when a count of requests has arrived. */
async function receiver() {
  let count = 0;
  const ids = new Set<string>();
  let repeated = 0;
  let waiter: { n: number; resolve: (t: number) => void } | null = null;
  const server = createServer((req, res) => {
    const id = req.headers['webhook-id'];
    if (typeof id === 'string') {
      if (ids.has(id)) repeated++;
      else ids.add(id);
    }
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200).end();
      if (waiter && count >= waiter.n) {
        const w = waiter;
        waiter = null;
        w.resolve(performance.now());
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    count: () => count,
    /** Distinct webhook-ids received, and requests that repeated one. */
    ids: () => ({ distinct: ids.size, repeated }),
    /** Resolves with the arrival time of the n-th request. */
    arrival: (n: number) =>
      new Promise<number>((resolve) => {
        if (count >= n) resolve(performance.now());
        else waiter = { n, resolve };
      }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const emit = (db: Db, outbox: Outbox, n: number) =>
  db.tx(async (tx) => {
    for (let i = 0; i < n; i++) await outbox.emit(tx, 'default', 'unification.completed', data);
  });

const bench: Bench = async ({ dir, scale, log }) => {
  const samples = Math.max(50, Math.round(1000 * scale));
  const total = Math.max(1000, Math.round(30_000 * scale));
  const rx = await receiver();
  const config = loadConfig(
    {
      INSIGHTFLOW_DATA_DIR: path.join(dir, 'data'),
      INSIGHTFLOW_PORT: '0',
      INSIGHTFLOW_ADMIN_KEY: adminKey,
      INSIGHTFLOW_DEMO: '0',
      INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
      INSIGHTFLOW_RATE_LIMIT: '1000000',
    },
    dir,
  );
  const rt = await startRuntime(config, { log: silentLogger });
  const { db, outbox } = rt.services;
  try {
    const sub = await fetch(`${rt.url}/v1/instances/default/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: rx.url, eventTypes: ['unification.completed'] }),
    });
    if (sub.status !== 201) throw new Error(`subscription: ${sub.status} ${await sub.text()}`);

    log(`latency: ${samples} events, one at a time`);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const arrived = rx.arrival(rx.count() + 1);
      await emit(db, outbox, 1);
      const committed = performance.now();
      latencies.push((await arrived) - committed);
    }

    log(`throughput: ${total.toLocaleString('en')} events emitted in transactions of 100`);
    const before = rx.count();
    const ids0 = rx.ids();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const done = rx.arrival(before + total);
    for (let i = 0; i < total; i += 100) await emit(db, outbox, Math.min(100, total - i));
    const emittedMs = performance.now() - t0;
    const deliveredMs = (await done) - t0;
    const cpu = process.cpuUsage(cpu0);
    await rt.services.deliveryWorker.drain();
    const ids1 = rx.ids();
    const lost = total - (ids1.distinct - ids0.distinct);
    const twice = ids1.repeated - ids0.repeated;

    log('baseline: undici posting the same body to the same receiver');
    const body = JSON.stringify({
      id: 'evt_x',
      type: 'unification.completed',
      time: new Date().toISOString(),
      instanceId: 'default',
      subscriptionId: 'sub_x',
      sequence: 1,
      data,
    });
    const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
    const post = async () => {
      const res = await request(rx.url, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.dump();
    };
    const baseLat: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await post();
      baseLat.push(performance.now() - t);
    }
    const bcpu0 = process.cpuUsage();
    const b0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < total) {
          next++;
          await post();
        }
      }),
    );
    const baseMs = performance.now() - b0;
    const bcpu = process.cpuUsage(bcpu0);
    await agent.close();
    const perDelivery = (u: NodeJS.CpuUsage) => `${Math.round((u.user + u.system) / total)} µs`;

    const lat = summarize(latencies);
    const base = summarize(baseLat);
    const rate = (total / deliveredMs) * 1000;
    const baseRate = (total / baseMs) * 1000;
    const tables: BenchTable[] = [
      {
        title: 'Webhook delivery (embedded store)',
        description: `Commit of an emitting transaction → arrival of the signed POST at a loopback receiver (${samples} events, one at a time), and ${total.toLocaleString('en')} events emitted in transactions of 100 while the worker delivers them (64 in flight). Baseline: undici posting the same body to the same receiver, one at a time and with 64 in flight. Server, worker and receiver share one process; CPU per delivery is its CPU time (all threads) over the throughput run, divided by the deliveries.`,
        columns: ['measure', 'Insightflow', 'baseline (undici loop)'],
        rows: [
          ['latency p50', ms(lat.p50), ms(base.p50)],
          ['latency p99', ms(lat.p99), ms(base.p99)],
          ['deliveries/s', Math.round(rate), Math.round(baseRate)],
          ['CPU per delivery (the process: emitting, worker, receiver)', perDelivery(cpu), perDelivery(bcpu)],
          ['emitting took', ms(emittedMs, 0), '—'],
          ['deliveries/s as a share of the baseline', `${Math.round((100 * rate) / baseRate)} %`, '100 %'],
          ['events lost', lost, '—'],
          ['events delivered twice', twice, '—'],
        ],
        targets: [
          { name: 'p50 ≤ 5 ms', ok: lat.p50 <= 5, value: ms(lat.p50) },
          { name: 'p99 ≤ 50 ms', ok: lat.p99 <= 50, value: ms(lat.p99) },
          { name: '≥ 2,000 signed deliveries/s', ok: rate >= 2000, value: `${Math.round(rate)}/s` },
          { name: 'goal: ≥ 5,000 signed deliveries/s', ok: rate >= 5000, value: `${Math.round(rate)}/s` },
          { name: 'no event lost or delivered twice', ok: lost === 0 && twice === 0, value: String(lost + twice) },
        ],
      },
    ];
    return tables;
  } finally {
    await rt.stop();
    await rx.close();
  }
};

export default bench;
