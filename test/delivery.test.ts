// Webhook subscriptions and deliveries through the HTTP API against real loopback receivers: the Power Automate
// subscribe/unsubscribe protocol, generic webhooks and their validation, signed deliveries verified by standardwebhooks
// and svix (both formats, and during a secret rotation), the retry rules, the delivery log, retry and replay, and the
// polling feed. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { payloadSchemas, type EventType } from '../src/events/index.ts';
import { engines } from './support/engines.ts';
import { unificationCompleted } from './support/events.ts';
import { startReceiver, type Received } from './support/receiver.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const allowLoopback = { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_RETRY_SCHEDULE: '20ms' };

async function addSource(s: TestServer, name = 'CRM'): Promise<string> {
  s.importFile(`${name}.csv`, 'id,name\n1,Ann\n2,Bob\n');
  const r = await s.call('POST', `${U}/manage/datasources`, {
    body: { name, kind: 'csv', location: `${name}.csv`, owners: ['owner@example.com'] },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

async function refresh(s: TestServer, id: string): Promise<void> {
  const r = await s.call('POST', `${U}/manage/datasources/${id}/refresh`);
  assert.equal(r.status, 202);
  await s.waitForJob('default', r.body.id as string);
}

async function subscribe(s: TestServer, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const r = await s.call('POST', `${U}/subscriptions`, { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id as string, secret: r.body.secret as string };
}

async function deliveries(s: TestServer, subId: string, until: (d: any[]) => boolean): Promise<any[]> {
  for (let i = 0; i < 500; i++) {
    const r = await s.call('GET', `${U}/subscriptions/${subId}/deliveries`);
    assert.equal(r.status, 200);
    if (until(r.body.value)) return r.body.value;
    await s.runtime.services.deliveryWorker.drain();
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(
    `deliveries did not reach the expected state: ${JSON.stringify((await s.call('GET', `${U}/subscriptions/${subId}/deliveries`)).body)}`,
  );
}

function verifyBoth(secret: string, r: Received): unknown {
  const h = r.headers as Record<string, string>;
  const out = new StandardWebhook(secret).verify(r.body, h);
  new SvixWebhook(secret).verify(r.body, {
    'svix-id': h['webhook-id']!,
    'svix-timestamp': h['webhook-timestamp']!,
    'svix-signature': h['webhook-signature']!,
  });
  return out;
}

for (const engine of await engines()) {
  describe(`webhook subscriptions and deliveries (${engine})`, () => {
    test('Power Automate protocol: subscribe with callbackUrl or target_url, Location, secret once, unsubscribe', async () => {
      const s = await startTestServer({ engine, env: allowLoopback });
      const rx = await startReceiver();
      try {
        const r = await s.call('POST', `${U}/triggers/datasource-refresh-failed/subscriptions`, {
          body: { callbackUrl: `${rx.url}/pa` },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.match(r.body.id, /^sub_/);
        assert.match(r.body.secret, /^whsec_/);
        assert.equal(r.body.trigger, 'datasource-refresh-failed');
        const location = r.headers.get('location') ?? '';
        assert.equal(location, `${s.url}${U}/subscriptions/${r.body.id}`);
        const got = await s.call('GET', new URL(location).pathname);
        assert.equal(got.status, 200);
        assert.equal(got.body.secret, undefined);
        assert.deepEqual(got.body.eventTypes, ['datasource.refresh.failed']);
        const zap = await s.call('POST', `${U}/triggers/unification-completed/subscriptions`, {
          body: { target_url: `${rx.url}/zap` },
        });
        assert.equal(zap.status, 201);
        assert.equal((await s.call('GET', `${U}/subscriptions`)).body.value.length, 2);
        assert.equal((await s.call('DELETE', new URL(location).pathname)).status, 204);
        assert.equal((await s.call('DELETE', new URL(location).pathname)).status, 404);
        assert.equal(
          (await s.call('POST', `${U}/triggers/no-such-trigger/subscriptions`, { body: { callbackUrl: rx.url } }))
            .status,
          404,
        );
        const missing = await s.call('POST', `${U}/triggers/unification-completed/subscriptions`, { body: {} });
        assert.equal(missing.status, 400);
        assert.match(missing.body.error.message, /callbackUrl/);
      } finally {
        await rx.close();
        await s.stop();
      }
    });

    test('validation: trigger parameters per trigger, unknown ids, refused addresses, formats', async () => {
      const s = await startTestServer({ engine });
      try {
        const ds = await addSource(s);
        const now = new Date().toISOString();
        await s.runtime.services.db.run(
          `INSERT INTO segments (id, instance_id, name, query, state, owners, created_at, updated_at)
           VALUES ('seg_1', 'default', 'VIP', 'true', 'active', '[]', ?, ?)`,
          [now, now],
        );
        await s.runtime.services.db.run(
          `INSERT INTO measures (id, instance_id, name, definition, owners, created_at, updated_at)
           VALUES ('msr_1', 'default', 'Revenue', '{"dimensions":["Country"]}', '[]', ?, ?)`,
          [now, now],
        );
        const url = 'https://hooks.example.com/in';
        const bad: Array<[Record<string, unknown>, RegExp]> = [
          [{ url, eventTypes: ['datasource.refresh.failed'], dataSourceId: 'ds_nope' }, /dataSourceId: no data source/],
          [{ url, eventTypes: ['segment.threshold.crossed'], threshold: 5 }, /segmentId is required/],
          [{ url, eventTypes: ['segment.threshold.crossed'], segmentId: 'seg_x', threshold: 5 }, /no segment seg_x/],
          [{ url, eventTypes: ['segment.threshold.crossed'], segmentId: 'seg_1' }, /threshold is required/],
          [
            { url, eventTypes: ['measure.threshold.crossed'], measureId: 'msr_1', threshold: 1 },
            /dimension is required/,
          ],
          [{ url, eventTypes: ['unification.completed'], dataSourceId: ds }, /dataSourceId does not apply/],
          [{ url, eventTypes: ['nope.event'] }, /eventTypes\.0: must be one of/],
          [{ url, eventTypes: [] }, /at least one event type/],
          [{ url, eventTypes: ['unification.completed'], format: 'xml' }, /standard or cloudevents/],
          [{ url, eventTypes: ['unification.completed'], color: 'red' }, /unknown field/],
          [{ url: 'http://127.0.0.1:9/x', eventTypes: ['unification.completed'] }, /127\.0\.0\.1 is loopback/],
          [{ url: 'http://169.254.169.254/x', eventTypes: ['unification.completed'] }, /metadata/],
          [{ url: 'http://10.0.0.7/x', eventTypes: ['unification.completed'] }, /private/],
          [{ url: 'http://localhost:8080/x', eventTypes: ['unification.completed'] }, /loopback/],
          [{ url: 'ftp://example.com/x', eventTypes: ['unification.completed'] }, /http\(s\)/],
          [{ url: 'not a url', eventTypes: ['unification.completed'] }, /is not a URL/],
        ];
        for (const [body, message] of bad) {
          const r = await s.call('POST', `${U}/subscriptions`, { body });
          assert.equal(r.status, 400, JSON.stringify(body));
          assert.match(r.body.error.message, message, JSON.stringify(body));
        }
        const seg = await subscribe(s, {
          url,
          eventTypes: ['segment.threshold.crossed'],
          segmentId: 'seg_1',
          threshold: 100,
          direction: 'both',
        });
        const msr = await subscribe(s, {
          url,
          eventTypes: ['measure.threshold.crossed'],
          measureId: 'msr_1',
          threshold: 10,
          dimension: { Country: 'NL' },
          format: 'cloudevents',
        });
        const got = (await s.call('GET', `${U}/subscriptions/${msr.id}`)).body;
        assert.equal(got.format, 'cloudevents');
        assert.deepEqual(got.dimension, { Country: 'NL' });
        const patched = await s.call('PATCH', `${U}/subscriptions/${seg.id}`, {
          body: { threshold: 50, enabled: false },
        });
        assert.equal(patched.status, 200);
        assert.equal(patched.body.threshold, 50);
        assert.equal(patched.body.enabled, false);
        assert.equal(
          (await s.call('PATCH', `${U}/subscriptions/${seg.id}`, { body: { segmentId: null } })).status,
          400,
        );
        assert.equal(
          (await s.call('PATCH', `${U}/subscriptions/${seg.id}`, { body: { url: 'http://10.0.0.1/' } })).status,
          400,
        );
        const flow = await s.call('POST', `${U}/flows`, {
          body: {
            name: 'F',
            trigger: { type: 'unification-completed' },
            steps: [{ name: 's', type: 'http.request', method: 'POST', url }],
          },
        });
        assert.equal(flow.status, 201, JSON.stringify(flow.body));
        assert.equal(
          (await s.call('GET', `${U}/subscriptions`)).body.value.length,
          2,
          'flow subscriptions stay hidden',
        );
        assert.equal((await s.call('GET', `${U}/subscriptions/${flow.body.subscriptionId}`)).status, 404);
      } finally {
        await s.stop();
      }
    });

    test('signed deliveries in both formats, verified by standardwebhooks and svix, also during a rotation', async () => {
      const s = await startTestServer({ engine, env: allowLoopback });
      const rx = await startReceiver();
      try {
        const ds = await addSource(s);
        const std = await subscribe(s, { url: `${rx.url}/std`, eventTypes: ['datasource.refresh.succeeded'] });
        const ce = await subscribe(s, {
          url: `${rx.url}/ce`,
          eventTypes: ['datasource.refresh.succeeded', 'datasource.refresh.failed'],
          dataSourceId: ds,
          format: 'cloudevents',
        });
        await refresh(s, ds);
        const got = await rx.waitFor(2);
        const stdReq = got.find((r) => r.path === '/std')!;
        const ceReq = got.find((r) => r.path === '/ce')!;
        const env = verifyBoth(std.secret, stdReq) as Record<string, any>;
        assert.equal(stdReq.headers['webhook-id'], env.id);
        assert.equal(stdReq.headers['content-type'], 'application/json');
        assert.equal(env.type, 'datasource.refresh.succeeded');
        assert.equal(env.instanceId, 'default');
        assert.equal(env.subscriptionId, std.id);
        assert.equal(env.sequence, 1);
        payloadSchemas[env.type as EventType].parse(env.data);
        assert.equal(env.data.dataSourceId, ds);
        const cloud = verifyBoth(ce.secret, ceReq) as Record<string, any>;
        assert.equal(ceReq.headers['content-type'], 'application/cloudevents+json');
        assert.equal(cloud.specversion, '1.0');
        assert.equal(cloud.id, env.id);
        assert.equal(cloud.source, '/v1/instances/default');
        assert.equal(cloud.type, 'datasource.refresh.succeeded');
        assert.equal(cloud.subject, ds);
        assert.equal(cloud.datacontenttype, 'application/json');
        assert.equal(cloud.time, env.time);
        assert.deepEqual(cloud.data, env.data);

        const rotated = await s.call('POST', `${U}/subscriptions/${std.id}/rotate-secret`);
        assert.equal(rotated.status, 200);
        assert.match(rotated.body.secret, /^whsec_/);
        assert.notEqual(rotated.body.secret, std.secret);
        assert.ok(Date.parse(rotated.body.previousSecretUntil) > Date.now() + 23 * 3_600_000);
        await refresh(s, ds);
        const after = (await rx.waitFor(4)).filter((r) => r.path === '/std')[1]!;
        assert.equal(String(after.headers['webhook-signature']).split(' ').length, 2);
        for (const secret of [std.secret, rotated.body.secret as string]) {
          assert.equal((verifyBoth(secret, after) as { sequence: number }).sequence, 2);
        }
        const log = await deliveries(s, std.id, (d) => d.length === 2 && d.every((x) => x.status === 'succeeded'));
        assert.equal(log[0].eventType, 'datasource.refresh.succeeded');
        assert.equal(log[0].attempts.length, 1);
        assert.equal(log[0].attempts[0].statusCode, 200);
        assert.equal(typeof log[0].attempts[0].latencyMs, 'number');
        assert.equal(log[0].attempts[0].error, null);
      } finally {
        await rx.close();
        await s.stop();
      }
    });

    test('retry rules: 5xx retried, Retry-After honoured, 4xx permanent, 410 disables, 3xx not followed, refused address', async () => {
      const s = await startTestServer({ engine, env: allowLoopback });
      const rx = await startReceiver();
      try {
        const ds = await addSource(s);
        const answers: Record<string, number[]> = {
          '/flaky': [500, 502, 200],
          '/busy': [503],
          '/bad': [400, 200],
          '/gone': [410],
          '/moved': [302, 200],
        };
        const calls: Record<string, number> = {};
        rx.respond = (r): { status: number; headers?: Record<string, string>; body?: string } => {
          const n = (calls[r.path] = (calls[r.path] ?? 0) + 1);
          const list = answers[r.path] ?? [200];
          const status = list[Math.min(n, list.length) - 1]!;
          if (status === 503) return { status, headers: { 'retry-after': '3600' } };
          if (status === 302) return { status, headers: { location: `${rx.url}/redirected` } };
          if (status === 400) return { status, body: `{"error":"no such customer"}${'x'.repeat(5000)}` };
          return { status };
        };
        const sub: Record<string, { id: string }> = {};
        for (const p of Object.keys(answers))
          sub[p] = await subscribe(s, { url: `${rx.url}${p}`, eventTypes: ['datasource.refresh.succeeded'] });
        const refused = await subscribe(s, { url: `${rx.url}/refused`, eventTypes: ['datasource.refresh.succeeded'] });
        // As if stored under an earlier, wider allow-list: the address is checked again when sending.
        await s.runtime.services.db.run('UPDATE subscriptions SET url = ? WHERE id = ?', [
          'http://10.1.2.3:9/in',
          refused.id,
        ]);
        await refresh(s, ds);
        const flaky = await deliveries(s, sub['/flaky']!.id, (d) => d[0]?.status === 'succeeded');
        assert.deepEqual(
          flaky[0].attempts.map((a: any) => a.statusCode),
          [500, 502, 200],
        );
        assert.equal(flaky[0].attempts[0].error, 'HTTP 500');
        const busy = await deliveries(s, sub['/busy']!.id, (d) => d[0]?.attempts.length === 1);
        assert.equal(busy[0].status, 'pending');
        assert.ok(Date.parse(busy[0].nextAttemptAt) - Date.parse(busy[0].attempts[0].at) >= 3_599_000);
        const bad = await deliveries(s, sub['/bad']!.id, (d) => d[0]?.status === 'failed');
        assert.equal(bad[0].attempts.length, 1);
        const gone = await deliveries(s, sub['/gone']!.id, (d) => d[0]?.status === 'failed');
        assert.equal(gone[0].attempts[0].statusCode, 410);
        const goneSub = (await s.call('GET', `${U}/subscriptions/${sub['/gone']!.id}`)).body;
        assert.equal(goneSub.enabled, false);
        assert.match(goneSub.disabledReason, /410/);
        const moved = await deliveries(s, sub['/moved']!.id, (d) => d[0]?.status === 'succeeded');
        assert.equal(moved[0].attempts[0].statusCode, 302);
        assert.match(moved[0].attempts[0].error, /Redirect/);
        assert.equal(rx.received.filter((r) => r.path === '/redirected').length, 0);
        const ref = await deliveries(s, refused.id, (d) => d[0]?.status === 'failed');
        assert.equal(ref[0].attempts.length, 1);
        assert.equal(ref[0].attempts[0].statusCode, null);
        assert.match(ref[0].attempts[0].error, /TargetRefused/);

        const retried = await s.call('POST', `${U}/subscriptions/${sub['/bad']!.id}/deliveries/${bad[0].id}/retry`);
        assert.equal(retried.status, 202);
        const again = await deliveries(s, sub['/bad']!.id, (d) => d[0]?.status === 'succeeded');
        assert.deepEqual(
          again[0].attempts.map((a: any) => a.statusCode),
          [400, 200],
        );
        const ids = rx.received.filter((r) => r.path === '/bad').map((r) => r.headers['webhook-id']);
        assert.equal(new Set(ids).size, 1, 'webhook-id is stable across retries');
        // One delivery with its bodies: the request as sent, each response's first 4 KiB.
        const detail = await s.call('GET', `${U}/subscriptions/${sub['/bad']!.id}/deliveries/${bad[0].id}`);
        assert.equal(detail.status, 200);
        const sent = rx.received.find((r) => r.path === '/bad')!.body;
        assert.deepEqual(detail.body.request, { body: sent, bytes: Buffer.byteLength(sent), truncated: false });
        assert.deepEqual(
          detail.body.attempts.map((a: any) => [a.statusCode, a.response.length]),
          [
            [400, 4096],
            [200, 0],
          ],
        );
        assert.match(detail.body.attempts[0].response, /^\{"error":"no such customer"\}x+$/);
        assert.equal((await s.call('GET', `${U}/subscriptions/${sub['/bad']!.id}/deliveries/dlv_nope`)).status, 404);
        const event = await s.call('GET', `${U}/events/${bad[0].eventId}`);
        assert.equal(event.status, 200);
        assert.deepEqual(
          { id: event.body.id, type: event.body.type, data: event.body.data },
          { id: bad[0].eventId, type: 'datasource.refresh.succeeded', data: JSON.parse(sent).data },
        );
        assert.equal((await s.call('GET', `${U}/events/evt_nope`)).status, 404);
        // Retry now of a pending delivery: due at once instead of in an hour, its schedule going on.
        const hurried = await s.call('POST', `${U}/subscriptions/${sub['/busy']!.id}/deliveries/${busy[0].id}/retry`);
        assert.equal(hurried.status, 202, JSON.stringify(hurried.body));
        const busyAgain = await deliveries(s, sub['/busy']!.id, (d) => d[0]?.attempts.length === 2);
        assert.equal(busyAgain[0].status, 'pending');
        assert.equal(
          (await s.call('POST', `${U}/subscriptions/${sub['/bad']!.id}/deliveries/${bad[0].id}/retry`)).status,
          409,
        );
        assert.equal(
          (await s.call('POST', `${U}/subscriptions/${sub['/bad']!.id}/deliveries/dlv_nope/retry`)).status,
          404,
        );
        await refresh(s, ds);
        await deliveries(s, sub['/flaky']!.id, (d) => d.length === 2 && d.every((x) => x.status === 'succeeded'));
        assert.equal(
          (await s.call('GET', `${U}/subscriptions/${sub['/gone']!.id}/deliveries`)).body.value.length,
          1,
          'a disabled subscription gets no new deliveries',
        );
      } finally {
        await rx.close();
        await s.stop();
      }
    });

    test('events emitted in one transaction reach each subscription in emit order; a rolled-back one sends nothing', async () => {
      const s = await startTestServer({ engine, env: allowLoopback });
      const rx = await startReceiver();
      const { db, outbox } = s.runtime.services;
      const completed = unificationCompleted();
      const refreshed = (submissionKind: 'scheduled' | 'onDemand') => ({
        jobId: 'job_y',
        submissionKind,
        status: 'succeeded' as const,
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:00:01.000Z',
        durationMs: 1000,
        tasks: [],
      });
      try {
        await subscribe(s, { url: `${rx.url}/both`, eventTypes: ['unification.completed', 'refresh.full.completed'] });
        await subscribe(s, { url: `${rx.url}/one`, eventTypes: ['unification.completed'] });
        await assert.rejects(
          db.tx(async (tx) => {
            await outbox.emit(tx, 'default', 'unification.completed', completed);
            throw new Error('roll back');
          }),
          /roll back/,
        );
        const ids = await db.tx(async (tx) => [
          await outbox.emit(tx, 'default', 'unification.completed', completed),
          // On demand: not for /both, which did not ask for manual refreshes.
          await outbox.emit(tx, 'default', 'refresh.full.completed', refreshed('onDemand')),
          await outbox.emit(tx, 'default', 'refresh.full.completed', refreshed('scheduled')),
          await outbox.emit(tx, 'default', 'unification.completed', completed),
        ]);
        // Outside a transaction an emit is a transaction of its own.
        ids.push(await outbox.emit(db, 'default', 'unification.completed', completed));
        const got = await rx.waitFor(7);
        await s.runtime.services.deliveryWorker.drain();
        assert.equal(rx.received.length, 7, 'the rolled-back event was not sent');
        const seen = (p: string) =>
          got
            .filter((r) => r.path === p)
            .map((r) => [r.json.sequence, r.json.id, r.json.type])
            .sort((a, b) => a[0] - b[0]);
        const [u1, , r2, u2, u3] = ids;
        assert.deepEqual(seen('/both'), [
          [1, u1, 'unification.completed'],
          [2, r2, 'refresh.full.completed'],
          [3, u2, 'unification.completed'],
          [4, u3, 'unification.completed'],
        ]);
        assert.deepEqual(seen('/one'), [
          [1, u1, 'unification.completed'],
          [2, u2, 'unification.completed'],
          [3, u3, 'unification.completed'],
        ]);
      } finally {
        await rx.close();
        await s.stop();
      }
    });

    test('replay re-sends matching events with their ids and sequences; disabled subscriptions receive nothing', async () => {
      const s = await startTestServer({ engine, env: allowLoopback });
      const rx = await startReceiver();
      try {
        const a = await addSource(s, 'A');
        const b = await addSource(s, 'B');
        const sub = await subscribe(s, {
          url: `${rx.url}/a`,
          eventTypes: ['datasource.refresh.succeeded'],
          dataSourceId: a,
        });
        const since = new Date(Date.now() - 1000).toISOString();
        await refresh(s, a);
        await refresh(s, b);
        await refresh(s, a);
        const first = await rx.waitFor(2);
        assert.equal(first.length, 2);
        const r = await s.call('POST', `${U}/subscriptions/${sub.id}/replay`, { body: { since } });
        assert.equal(r.status, 202);
        assert.equal(r.body.count, 2);
        const all = await rx.waitFor(4);
        const seen = all.map((x) => `${String(x.headers['webhook-id'])}#${x.json.sequence}`);
        assert.deepEqual(seen.slice(2).sort(), seen.slice(0, 2).sort());
        const later = await s.call('POST', `${U}/subscriptions/${sub.id}/replay`, {
          body: { since: new Date(Date.now() + 60_000).toISOString() },
        });
        assert.equal(later.body.count, 0);
        assert.equal(
          (await s.call('POST', `${U}/subscriptions/${sub.id}/replay`, { body: { since: 'yesterday' } })).status,
          400,
        );
        await s.call('PATCH', `${U}/subscriptions/${sub.id}`, { body: { enabled: false } });
        await refresh(s, a);
        await s.call('PATCH', `${U}/subscriptions/${sub.id}`, { body: { enabled: true } });
        await refresh(s, a);
        await deliveries(s, sub.id, (d) => d.length === 5 && d.every((x) => x.status === 'succeeded'));
        assert.equal(rx.received.length, 5);
      } finally {
        await rx.close();
        await s.stop();
      }
    });

    test('polling feed: pages after a cursor, 202 when caught up, type filter, Location and Retry-After', async () => {
      const s = await startTestServer({ engine });
      try {
        const ds = await addSource(s);
        const empty = await s.call('GET', `${U}/events`);
        assert.equal(empty.status, 202);
        assert.equal(empty.headers.get('retry-after'), '5');
        assert.match(empty.headers.get('location') ?? '', /\/events\?after=0$/);
        await refresh(s, ds);
        await refresh(s, ds);
        const r = await s.call('GET', `${U}/events?type=datasource.refresh.succeeded`);
        assert.equal(r.status, 200);
        assert.equal(r.body.value.length, 2);
        assert.equal(r.body.value[0].type, 'datasource.refresh.succeeded');
        assert.equal(r.body.value[0].data.dataSourceId, ds);
        assert.ok(Date.parse(r.body.value[0].time) <= Date.parse(r.body.value[1].time));
        assert.equal(typeof r.body.cursor, 'string');
        const next = new URL(r.headers.get('location')!);
        assert.equal(next.searchParams.get('after'), r.body.cursor);
        assert.equal(next.searchParams.get('type'), 'datasource.refresh.succeeded');
        assert.ok(r.headers.get('retry-after'));
        const caughtUp = await s.call('GET', next.pathname + next.search);
        assert.equal(caughtUp.status, 202);
        assert.equal(caughtUp.headers.get('location'), next.toString());
        await refresh(s, ds);
        const more = await s.call('GET', next.pathname + next.search);
        assert.equal(more.status, 200);
        assert.equal(more.body.value.length, 1);
        assert.notEqual(more.body.value[0].id, r.body.value[1].id);
        assert.equal((await s.call('GET', `${U}/events?type=refresh.full.completed`)).status, 202);
        assert.equal((await s.call('GET', `${U}/events?type=nope`)).status, 400);
        assert.equal((await s.call('GET', `${U}/events?after=abc`)).status, 400);
      } finally {
        await s.stop();
      }
    });
  });
}
