// The scheduled full refresh: validation, due runs, no piling up, one queue per cluster. Both engines; the clock is
// injected and ticks are called directly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../src/core/clock.ts';
import { silentLogger } from '../src/core/log.ts';
import { createScheduler } from '../src/jobs/index.ts';
import { engines } from './support/engines.ts';
import { startTestServer } from './support/runtime.ts';

const path = '/v1/instances/default/manage/schedule';

for (const engine of await engines()) {
  describe(`scheduler (${engine})`, () => {
    test('invalid schedules are 400 naming the entry', async () => {
      const s = await startTestServer({ engine });
      try {
        assert.deepEqual((await s.call('GET', path)).body, { enabled: false, timezone: 'UTC', cron: [] });
        const cases: Array<[unknown, RegExp]> = [
          [{ enabled: true, cron: ['61 * * * *'] }, /cron\.0: "61 \* \* \* \*" is not a valid cron expression/],
          [{ enabled: true, cron: ['* * *'] }, /has 3 fields/],
          [{ enabled: true, cron: ['0 0 * * * * *'] }, /has 7 fields/],
          [
            { enabled: true, timezone: 'Mars/Olympus', cron: ['0 3 * * *'] },
            /timezone: "Mars\/Olympus" is not an IANA time zone/,
          ],
          [{ enabled: true, cron: [] }, /at least one cron expression/],
          [{ enabled: 'yes', cron: [] }, /body\.enabled/],
        ];
        for (const [body, message] of cases) {
          const r = await s.call('PUT', path, { body });
          assert.equal(r.status, 400, JSON.stringify(body));
          assert.match(r.body.error.message, message);
        }
        const ok = await s.call('PUT', path, {
          body: { enabled: true, timezone: 'Europe/Berlin', cron: ['0 3 * * *', '30 0 12 * * 1-5'] },
        });
        assert.equal(ok.status, 200);
        assert.deepEqual((await s.call('GET', path)).body, {
          enabled: true,
          timezone: 'Europe/Berlin',
          cron: ['0 3 * * *', '30 0 12 * * 1-5'],
        });
      } finally {
        await s.stop();
      }
    });

    test('a due time queues one scheduled full refresh; further due times do not pile up', async () => {
      const clock = manualClock('2026-03-01T09:58:00.000Z');
      const s = await startTestServer({ engine, clock });
      try {
        const { services } = s.runtime;
        await services.scheduler.stop();
        await services.runner.stop();
        assert.equal(
          (await s.call('PUT', path, { body: { enabled: true, timezone: 'UTC', cron: ['*/5 * * * *'] } })).status,
          200,
        );
        assert.deepEqual(await services.scheduler.tick(), [], 'nothing is due yet');
        clock.set('2026-03-01T10:00:00.000Z');
        const [first] = await services.scheduler.tick();
        assert.ok(first);
        const job = (await s.call('GET', `/v1/instances/default/jobs/${first}`)).body;
        assert.equal(job.submissionKind, 'scheduled');
        assert.equal(job.operationType, 'all');
        clock.set('2026-03-01T10:01:00.000Z');
        assert.deepEqual(await services.scheduler.tick(), [], 'not due again within the period');
        clock.set('2026-03-01T10:12:00.000Z');
        assert.deepEqual(await services.scheduler.tick(), [], 'a scheduled job is still waiting: nothing piles up');
        services.runner.start();
        await s.waitForJob('default', first);
        clock.set('2026-03-01T10:15:00.000Z');
        assert.equal(
          (await services.scheduler.tick()).length,
          1,
          'once the waiting job ran, the next due time queues again',
        );
        await s.call('PUT', path, { body: { enabled: false, timezone: 'UTC', cron: ['*/5 * * * *'] } });
        clock.set('2026-03-01T10:30:00.000Z');
        assert.deepEqual(await services.scheduler.tick(), [], 'a disabled schedule queues nothing');
      } finally {
        await s.stop();
      }
    });

    test('two schedulers sharing one store queue a due run once', async () => {
      const clock = manualClock('2026-03-01T09:59:00.000Z');
      const s = await startTestServer({ engine, clock });
      try {
        const { services } = s.runtime;
        await services.scheduler.stop();
        await services.runner.stop();
        await s.call('PUT', path, { body: { enabled: true, timezone: 'UTC', cron: ['0 * * * *'] } });
        const nodes = [1, 2, 3].map(() =>
          createScheduler({ db: services.db, clock, log: silentLogger, jobs: services.jobs }),
        );
        clock.set('2026-03-01T10:00:30.000Z');
        const queued = (await Promise.all(nodes.map((n) => n.tick()))).flat();
        assert.equal(queued.length, 1);
        const jobs = (await s.call('GET', '/v1/instances/default/jobs')).body.value;
        assert.equal(jobs.length, 1);
      } finally {
        await s.stop();
      }
    });
  });
}
