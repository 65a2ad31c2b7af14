// Trigger segment-membership-changed end to end through the HTTP API, with real receivers on loopback: the first
// evaluation is the baseline and an unchanged refresh fires nothing; a refresh that changes members sends one signed
// summary (counts, memberCount, a changesLink that reads the changes through Get items), per-profile events with the
// customer's profile up to maxProfiles and then a truncated summary, and an exited-only summary; the changes stay in
// SegmentMembershipChanges; bad trigger parameters are refused with 400. Both engines.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { manualClock } from '../src/core/clock.ts';
import { getEntity, logPartsRead, queryRows } from '../src/datastore/index.ts';
import { maxChangesParts } from '../src/insights/index.ts';
import { engines } from './support/engines.ts';
import { runsOf, startSmtp } from './support/flows.ts';
import { startReceiver, type Received } from './support/receiver.ts';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const unification = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: { first_name: 'FirstName', email: 'Email', points: 'Points' },
    },
  ],
  match: { order: ['CrmContacts'], deduplicate: false, rules: [] },
  merge: { default: { policy: 'importance' }, attributes: {} },
};
const contacts = (rows: string[]) => ['contact_id,first_name,email,points', ...rows].join('\n');
const before = contacts(['1,Ann,ann@example.com,100', '2,Bob,bob@example.com,500', '3,Cy,cy@example.com,300']);
// Bob leaves VIP (points), Ann and Dee and Eve enter; Cy stays.
const after = contacts([
  '1,Ann,ann@example.com,900',
  '2,Bob,bob@example.com,10',
  '3,Cy,cy@example.com,300',
  '4,Dee,dee@example.com,700',
  '5,Eve,eve@example.com,800',
]);

async function setUp(s: TestServer): Promise<{ segmentId: string }> {
  s.importFile('crm.csv', before);
  await ok(s, 'POST', `${U}/manage/datasources`, {
    name: 'CRM',
    kind: 'csv',
    location: 'crm.csv',
    entity: 'CrmContacts',
    primaryKey: 'contact_id',
  });
  const ingestion = await ok(s, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
  assert.equal((await s.waitForJob('default', ingestion.id)).status, 'succeeded');
  await ok(s, 'PUT', `${U}/manage/unification`, unification, 200);
  const segment = await ok(s, 'POST', `${U}/manage/segments`, {
    name: 'VIP',
    query: 'Points ge 300',
    owners: ['vip-team@example.com'],
  });
  return { segmentId: segment.id };
}

const subscribe = (s: TestServer, body: Record<string, unknown>) =>
  s.call('POST', `${U}/triggers/segment-membership-changed/subscriptions`, { body });

const eventsOf = (received: Received[], secret: string) =>
  received.map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as any);

async function deliveredAll(s: TestServer): Promise<void> {
  await s.runtime.services.deliveryWorker.drain();
}

for (const engine of await engines()) {
  describe(`trigger segment-membership-changed (${engine})`, () => {
    test('baseline, no change, then summaries, per-profile events with the cap, and the changes entity', async () => {
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      const all = await startReceiver();
      const perProfile = await startReceiver();
      const exited = await startReceiver();
      try {
        const { segmentId } = await setUp(s);
        const unknown = await subscribe(s, { callbackUrl: all.url, segmentId: 'seg_nope' });
        assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
        assert.match(unknown.body.error.message, /segmentId/);
        assert.equal((await subscribe(s, { callbackUrl: all.url })).status, 400, 'segmentId is required');
        const badChange = await subscribe(s, { callbackUrl: all.url, segmentId, change: 'sideways' });
        assert.equal(badChange.status, 400);
        assert.match(badChange.body.error.message, /change/);
        const badCap = await subscribe(s, { callbackUrl: all.url, segmentId, perProfile: true, maxProfiles: 0 });
        assert.equal(badCap.status, 400);

        const a = await subscribe(s, { callbackUrl: all.url, segmentId });
        const b = await subscribe(s, {
          callbackUrl: perProfile.url,
          segmentId,
          change: 'entered',
          perProfile: true,
          maxProfiles: 2,
        });
        const c = await subscribe(s, { callbackUrl: exited.url, segmentId, change: 'exited' });
        for (const r of [a, b, c]) assert.equal(r.status, 201, JSON.stringify(r.body));

        await runAll(s, { mustSucceed: true });
        await runAll(s, { mustSucceed: true });
        await deliveredAll(s);
        const feed = await s.call('GET', `${U}/events?type=segment.membership.changed`);
        assert.equal(feed.status, 202, 'baseline and unchanged refresh fire nothing');
        assert.equal(all.received.length + perProfile.received.length + exited.received.length, 0);
        const baseline = await ok(s, 'GET', `${U}/data/SegmentMembershipChanges`, undefined, 200);
        assert.deepEqual(baseline.value, []);

        s.importFile('crm.csv', after);
        const job = await runAll(s, { mustSucceed: true });

        const [summary] = eventsOf(await all.waitFor(1), a.body.secret);
        assert.equal(summary.type, 'segment.membership.changed');
        assert.equal(summary.data.segmentId, segmentId);
        assert.equal(summary.data.segmentName, 'VIP');
        assert.deepEqual(summary.data.owners, ['vip-team@example.com']);
        assert.equal(summary.data.entered, 3);
        assert.equal(summary.data.exited, 1);
        assert.equal(summary.data.memberCount, 4);
        assert.equal(summary.data.jobId, job.id);
        assert.equal(summary.data.truncated, false);
        assert.equal(summary.data.customerId, undefined);

        const link = new URL(summary.data.changesLink);
        assert.equal(link.origin, s.url);
        const changes = await ok(s, 'GET', link.pathname + link.search, undefined, 200);
        const byCustomer = new Map<string, string>();
        const profiles = (await ok(s, 'GET', `${U}/data/Customer?$top=100`, undefined, 200)).value;
        const emailOf = new Map(profiles.map((p: any) => [p.CustomerId as string, p.Email as string]));
        for (const row of changes.value) {
          assert.equal(row.SegmentId, segmentId);
          assert.equal(row.SegmentName, 'VIP');
          assert.equal(row.JobId, job.id);
          assert.equal(typeof row.EvaluatedAt, 'string');
          byCustomer.set(emailOf.get(row.CustomerId) as string, row.Change);
        }
        assert.deepEqual(Object.fromEntries([...byCustomer].sort()), {
          'ann@example.com': 'entered',
          'bob@example.com': 'exited',
          'dee@example.com': 'entered',
          'eve@example.com': 'entered',
        });

        const got = eventsOf(await perProfile.waitFor(3), b.body.secret);
        const single = got.filter((e) => e.data.customerId !== undefined);
        assert.equal(single.length, 2, 'maxProfiles per-profile events');
        for (const e of single) {
          assert.equal(e.data.change, 'entered');
          assert.equal(e.data.profile.CustomerId, e.data.customerId);
          assert.match(e.data.profile.Email, /@example\.com$/);
          assert.notEqual(e.data.profile.Email, 'bob@example.com');
        }
        const truncated = got.filter((e) => e.data.customerId === undefined);
        assert.equal(truncated.length, 1);
        assert.equal(truncated[0].data.truncated, true);
        assert.equal(truncated[0].data.entered, 3);
        assert.equal(truncated[0].data.exited, 1);
        const sequences = got.map((e) => e.sequence as number).sort((x, y) => x - y);
        assert.deepEqual(
          sequences,
          [0, 1, 2].map((i) => (sequences[0] as number) + i),
          'consecutive per-subscription sequence numbers',
        );
        assert.equal(truncated[0].sequence, sequences[2], 'the truncated summary comes last');

        const [left] = eventsOf(await exited.waitFor(1), c.body.secret);
        assert.equal(left.data.exited, 1);

        // Nothing more: the same refresh again changes nothing.
        await runAll(s, { mustSucceed: true });
        await deliveredAll(s);
        assert.deepEqual([all.received.length, perProfile.received.length, exited.received.length], [1, 3, 1]);
        const polled = await ok(s, 'GET', `${U}/events?type=segment.membership.changed`, undefined, 200);
        assert.equal(
          polled.value.length,
          4,
          'one summary (for both summary subscriptions), two per-profile, one truncated',
        );
      } finally {
        await s.stop();
        await Promise.all([all.close(), perProfile.close(), exited.close()]);
      }
    });
  });
}

for (const engine of await engines()) {
  describe(`example: welcome mail to each customer who entered a segment (${engine})`, () => {
    test('a built-in flow with perProfile runs once per entered customer and mails each one', async () => {
      const smtp = await startSmtp();
      const publicUrl = 'https://insights.example.com/crm';
      const s = await startTestServer({
        engine,
        env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_PUBLIC_URL: publicUrl },
      });
      try {
        await ok(
          s,
          'PUT',
          `${U}/manage/settings/email`,
          { host: '127.0.0.1', port: smtp.port, secure: false, from: 'insightflow@example.com' },
          200,
        );
        const { segmentId } = await setUp(s);
        const flow = await ok(s, 'POST', `${U}/flows`, {
          name: 'Welcome to VIP',
          trigger: { type: 'segment-membership-changed', segmentId, change: 'entered', perProfile: true },
          steps: [
            {
              name: 'welcome',
              type: 'email.send',
              to: '{{ event.data.profile.Email }}',
              subject: 'Welcome to {{ event.data.segmentName }}, {{ event.data.profile.FirstName }}',
              body: 'You are one of {{ event.data.memberCount }} members.',
            },
          ],
        });
        await runAll(s, { mustSucceed: true });
        await s.runtime.services.flowWorker.drain();
        assert.deepEqual((await ok(s, 'GET', `${U}/flows/${flow.id}/runs`, undefined, 200)).value, [], 'baseline');

        s.importFile('crm.csv', after);
        await runAll(s, { mustSucceed: true });
        const runs = await runsOf(s, flow.id, (r) => r.length === 3 && r.every((x: any) => x.status !== 'running'));
        assert.ok(
          runs.every((r) => r.status === 'succeeded'),
          JSON.stringify(runs),
        );
        assert.deepEqual(smtp.mails.map((m) => m.to.join(',')).sort(), [
          'ann@example.com',
          'dee@example.com',
          'eve@example.com',
        ]);
        const feed = await ok(s, 'GET', `${U}/events?type=segment.membership.changed`, undefined, 200);
        const link = new URL(feed.value[0].data.changesLink);
        assert.equal(`${link.origin}${link.pathname}`, `${publicUrl}${U}/data/SegmentMembershipChanges`);
        assert.equal(
          link.searchParams.get('$filter'),
          `SegmentId eq '${segmentId}' and JobId eq '${feed.value[0].data.jobId}'`,
        );
        const ann = smtp.mails.find((m) => m.to[0] === 'ann@example.com');
        assert.match(ann!.data, /Subject: Welcome to VIP, Ann/);
        assert.match(ann!.data, /You are one of 4 members\./);

        await runAll(s, { mustSucceed: true });
        await s.runtime.services.flowWorker.drain();
        assert.equal((await ok(s, 'GET', `${U}/flows/${flow.id}/runs`, undefined, 200)).value.length, 3);
        assert.equal(smtp.mails.length, 3, 'an unchanged refresh mails no one');
      } finally {
        await s.stop();
        await smtp.close();
      }
    });
  });
}

describe('SegmentMembershipChanges retention', () => {
  test('changes older than INSIGHTFLOW_CHANGES_RETENTION_DAYS are gone after the next evaluation', async () => {
    const clock = manualClock('2026-03-01T08:00:00.000Z');
    const s = await startTestServer({ clock, env: { INSIGHTFLOW_CHANGES_RETENTION_DAYS: '1' } });
    try {
      await setUp(s);
      await runAll(s, { mustSucceed: true });
      s.importFile('crm.csv', after);
      const first = await runAll(s, { mustSucceed: true });
      const jobsOf = async () =>
        (await ok(s, 'GET', `${U}/data/SegmentMembershipChanges?$top=100`, undefined, 200)).value.map(
          (r: any) => `${r.JobId} ${r.Change} ${r.EvaluatedAt}`,
        );
      const kept = await jobsOf();
      assert.equal(kept.length, 4);
      assert.ok(
        kept.every((r: string) => r.startsWith(first.id) && r.endsWith('2026-03-01T08:00:00.000Z')),
        kept.join(),
      );

      clock.advance(2 * 86_400_000);
      s.importFile('crm.csv', before);
      const second = await runAll(s, { mustSucceed: true });
      const now = await jobsOf();
      assert.equal(now.length, 4, 'the changes back, the first job’s changes expired');
      assert.ok(
        now.every((r: string) => r.startsWith(second.id)),
        now.join(),
      );
    } finally {
      await s.stop();
    }
  });
});

const segmentsJob = async (s: TestServer): Promise<{ id: string }> => {
  const job = await ok(s, 'POST', `${U}/jobs`, { operationType: 'segments' }, 202);
  const done = await s.waitForJob('default', job.id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.tasks));
  return { id: job.id as string };
};

describe('SegmentMembershipChanges history in parts', () => {
  test('each job adds one part; past maxChangesParts a job merges them; parts that leave are queued for removal', async () => {
    const s = await startTestServer();
    try {
      const { segmentId } = await setUp(s);
      await runAll(s, { mustSucceed: true });
      const data = await s.runtime.services.dataStore.instance('default');
      // The parts the published version reads.
      const partsNow = async () => {
        const e = await getEntity(s.runtime.services.db, 'default', 'SegmentMembershipChanges');
        const view = await data.read((conn) =>
          queryRows(conn, 'SELECT sql FROM duckdb_views() WHERE view_name = ?', [e!.table.slice(1, -1)]),
        );
        return logPartsRead(view[0]!.sql as string, 'SegmentMembershipChanges');
      };
      const jobs: string[] = [];
      for (let i = 0; i < maxChangesParts + 2; i++) {
        // Ann (100) and Bob (500) leave and come back: 2 changes per job, segments only.
        await ok(
          s,
          'PATCH',
          `${U}/manage/segments/${segmentId}`,
          { query: `Points ge ${i % 2 === 0 ? 600 : 300}` },
          200,
        );
        jobs.push((await segmentsJob(s)).id);
        const parts = await partsNow();
        assert.ok(parts.length <= maxChangesParts, `at most ${maxChangesParts} parts, got ${parts.length}`);
        const files = parts.map((p) => path.join(s.dataDir, 'snapshots', 'default', p, 'part0.parquet'));
        assert.ok(files.every(existsSync), 'every part the published version reads is on the shared directory');
      }
      const history = await ok(s, 'GET', `${U}/data/SegmentMembershipChanges?$top=1000&$count=true`, undefined, 200);
      assert.equal(history['@odata.count'], 2 * jobs.length, 'the whole history, across the merge');
      assert.deepEqual(new Set(history.value.map((r: any) => r.JobId)), new Set(jobs));
      const queued = await s.runtime.services.db.all<{ physical: string }>(
        "SELECT physical FROM snapshot_garbage WHERE physical LIKE '%SegmentMembershipChanges__log%'",
      );
      assert.equal(queued.length, maxChangesParts, 'the merged parts are queued for removal');
      const unchanged = await partsNow();
      await segmentsJob(s);
      assert.deepEqual(await partsNow(), unchanged, 'an unchanged refresh adds no part');
    } finally {
      await s.stop();
    }
  });
});
