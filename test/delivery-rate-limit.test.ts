// The per-connection rate limit at the HTTP edge, driven by a manual clock: never more than the limit in any rolling
// 60 s (and never a refusal below it), a connection's own rateLimit overriding the default, the RateLimit-Policy and
// RateLimit headers, and 429 with Retry-After and code TooManyRequests. Both engines (memory log on SQLite, the shared
// table on PostgreSQL).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../src/core/clock.ts';
import { engines } from './support/engines.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

async function connection(s: TestServer, body: Record<string, unknown>): Promise<string> {
  const r = await s.call('POST', `${U}/connections`, { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.key as string;
}

/** A small deterministic generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

for (const engine of await engines()) {
  describe(`rate limit (${engine})`, () => {
    test('never more than the limit in any rolling 60 s, never refused below it; headers and 429', async () => {
      const clock = manualClock('2026-03-01T00:00:00.000Z');
      const s = await startTestServer({ engine, clock, env: { INSIGHTFLOW_RATE_LIMIT: '5' } });
      try {
        const key = await connection(s, { name: 'Power Automate', role: 'viewer' });
        const random = prng(42);
        const log: Array<{ t: number; ok: boolean }> = [];
        for (let i = 0; i < 150; i++) {
          clock.advance(Math.floor(random() * 9000));
          const t = clock.now().getTime();
          const r = await s.call('GET', `${U}/subscriptions`, { key });
          assert.equal(r.headers.get('ratelimit-policy'), '"default";q=5;w=60');
          assert.match(r.headers.get('ratelimit') ?? '', /^"default";r=\d+;t=\d+$/);
          const admittedBefore = log.filter((c) => c.ok && c.t > t - 60_000).length;
          if (r.status === 200) {
            assert.ok(admittedBefore < 5, `call ${i} admitted with ${admittedBefore} calls in the window`);
          } else {
            assert.equal(r.status, 429);
            assert.equal(admittedBefore, 5, `call ${i} refused with only ${admittedBefore} calls in the window`);
            assert.equal(r.body.error.code, 'TooManyRequests');
            const oldest = log.filter((c) => c.ok && c.t > t - 60_000)[0]!.t;
            assert.equal(r.headers.get('retry-after'), String(Math.ceil((oldest + 60_000 - t) / 1000)));
          }
          log.push({ t, ok: r.status === 200 });
        }
        for (const c of log) {
          const inWindow = log.filter((o) => o.ok && o.t > c.t - 60_000 && o.t <= c.t).length;
          assert.ok(inWindow <= 5);
        }
        assert.ok(log.some((c) => !c.ok) && log.filter((c) => c.ok).length > 20, 'the walk hit the limit and passed');

        clock.advance(60_000);
        for (let i = 0; i < 5; i++) assert.ok((await s.call('GET', `${U}/events`, { key })).status < 300, `call ${i}`);
        const refused = await s.call('GET', `${U}/events`, { key });
        assert.equal(refused.status, 429);
        assert.match(refused.body.error.message, /5 calls per 60 seconds/);
        const wait = Number(refused.headers.get('retry-after'));
        assert.ok(wait >= 1 && wait <= 60);
        assert.match(refused.headers.get('ratelimit') ?? '', /^"default";r=0;t=\d+$/);
        clock.advance(wait * 1000 - 1);
        assert.equal((await s.call('GET', `${U}/events`, { key })).status, 429);
        clock.advance(1);
        assert.ok((await s.call('GET', `${U}/events`, { key })).status < 300);
      } finally {
        await s.stop();
      }
    });

    test('calls arriving together: exactly the limit is admitted', async () => {
      const clock = manualClock('2026-03-01T00:00:00.000Z');
      const s = await startTestServer({ engine, clock, env: { INSIGHTFLOW_RATE_LIMIT: '7' } });
      try {
        const key = await connection(s, { name: 'Burst', role: 'viewer' });
        for (let round = 0; round < 2; round++) {
          const statuses = await Promise.all(
            Array.from({ length: 20 }, async () => (await s.call('GET', `${U}/subscriptions`, { key })).status),
          );
          assert.equal(statuses.filter((x) => x === 200).length, 7, `round ${round}: ${statuses.join(' ')}`);
          assert.equal(statuses.filter((x) => x === 429).length, 13);
          clock.advance(60_001);
        }
      } finally {
        await s.stop();
      }
    });

    test("a connection's own rateLimit overrides the default; connections are counted apart", async () => {
      const clock = manualClock('2026-03-01T00:00:00.000Z');
      const s = await startTestServer({ engine, clock, env: { INSIGHTFLOW_RATE_LIMIT: '3' } });
      try {
        const big = await connection(s, { name: 'Bulk', role: 'viewer', rateLimit: 8 });
        clock.advance(61_000);
        const small = await connection(s, { name: 'Small', role: 'viewer' });
        for (let i = 0; i < 8; i++) {
          const r = await s.call('GET', `${U}/subscriptions`, { key: big });
          assert.equal(r.status, 200, `call ${i}`);
          assert.equal(r.headers.get('ratelimit-policy'), '"default";q=8;w=60');
          assert.equal(r.headers.get('ratelimit'), `"default";r=${7 - i};t=60`);
        }
        assert.equal((await s.call('GET', `${U}/subscriptions`, { key: big })).status, 429);
        for (let i = 0; i < 3; i++)
          assert.equal((await s.call('GET', `${U}/subscriptions`, { key: small })).status, 200);
        const r = await s.call('GET', `${U}/subscriptions`, { key: small });
        assert.equal(r.status, 429);
        assert.equal(r.headers.get('ratelimit-policy'), '"default";q=3;w=60');
        assert.equal(r.headers.get('retry-after'), '60');
      } finally {
        await s.stop();
      }
    });
  });
}
