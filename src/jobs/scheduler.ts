// The scheduler: on each tick, for every instance whose schedule is enabled, a cron time that passed since the last
// check queues one scheduled full refresh — unless a scheduled one is already waiting, so runs that come due while a
// job is running queue once instead of piling up. Ticks run under a cluster-wide lock, and the last check time is
// stored, so several nodes on PostgreSQL never queue the same run twice.
import type { Clock } from '../core/clock.ts';
import { errorInfo } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/index.ts';
import { hasQueuedScheduledJob } from './jobs.sql.ts';
import { getSchedule, getSetting, parseCron, putSetting } from './schedule.ts';
import type { JobServiceDeps } from './service.ts';
import { submitJob } from './service.ts';

export interface Scheduler {
  /** Checks every instance's schedule once; returns the ids of the jobs it queued. */
  tick(): Promise<string[]>;
  start(): void;
  stop(): Promise<void>;
}

export function createScheduler(deps: {
  db: Db;
  clock: Clock;
  log: Logger;
  jobs: JobServiceDeps;
  intervalMs?: number;
}): Scheduler {
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<unknown> = Promise.resolve();

  const checkInstance = async (instanceId: string, now: Date): Promise<string | null> => {
    const schedule = await getSchedule(deps.db, instanceId);
    if (!schedule.enabled || schedule.cron.length === 0) return null;
    const state = await getSetting<{ checkedAt: string }>(deps.db, instanceId, 'schedule_state');
    const since = new Date(state?.checkedAt ?? now.toISOString());
    await putSetting(deps.db, instanceId, 'schedule_state', { checkedAt: now.toISOString() }, now);
    const due = schedule.cron.some((expr) => {
      const next = parseCron(expr, schedule.timezone).nextRun(since);
      return next !== null && next.getTime() <= now.getTime();
    });
    if (!due || (await hasQueuedScheduledJob(deps.db, instanceId))) return null;
    const job = await submitJob(deps.jobs, instanceId, { operationType: 'all' }, 'scheduled');
    deps.log.info('scheduled full refresh queued', { instanceId, jobId: job.id });
    return job.id;
  };

  const tick = async (): Promise<string[]> => {
    const out = await deps.db.withLock('scheduler', async () => {
      const now = deps.clock.now();
      const instances = await deps.db.all<{ instance_id: string }>(
        `SELECT instance_id FROM settings WHERE name = 'schedule'`,
      );
      const queued: string[] = [];
      for (const { instance_id } of instances) {
        try {
          const id = await checkInstance(instance_id, now);
          if (id) queued.push(id);
        } catch (err) {
          deps.log.error('schedule check failed', { instanceId: instance_id, ...errorInfo(err) });
        }
      }
      return queued;
    });
    return out ?? [];
  };

  return {
    tick,
    start: () => {
      if (timer) return;
      const loop = () => {
        current = tick().finally(() => {
          if (timer) timer = setTimeout(loop, deps.intervalMs ?? 1000);
        });
      };
      timer = setTimeout(loop, 0);
    },
    stop: async () => {
      if (timer) clearTimeout(timer);
      timer = null;
      await current.catch(() => undefined);
    },
  };
}
