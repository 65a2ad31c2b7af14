// The job runner: claims queued jobs (one running job per instance, across nodes), runs their tasks in dependency
// order through registered executors, records every status change — with the events it causes — in one transaction,
// and honours cancel requests. Jobs of a node that stopped are ended by the sweeper (recovery.ts), on any node; a job
// the sweeper ended while this node still ran it (its lease expired: the node was too slow) is abandoned here.
import { errorInfo } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { InstanceData, PublishedEntity } from '../datastore/index.ts';
import { dropEntityVersion, getEntity } from '../datastore/index.ts';
import type { Db } from '../store/index.ts';
import type { JobRunnerDeps, Staging, TaskContext, TaskOutcome } from './executor.ts';
import { claimNextJob, finishJob, getJob, jobControl, setTaskStatus } from './jobs.sql.ts';
import type { Job, Status, Task } from './model.ts';
import { letsDependentsRun } from './plan.ts';
import { publicTaskError } from './task-errors.ts';

export type { FinishContext, JobRunnerDeps, Staging, TaskContext, TaskExecutor, TaskOutcome } from './executor.ts';

export interface JobRunner {
  start(): void;
  /** Ask the runner to look for work now. */
  wake(): void;
  /** Runs queued jobs until none is left (tests and the CLI). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

type TaskFields = Parameters<typeof setTaskStatus>[2];
type SetStatus = (db: Db, taskId: string, fields: TaskFields) => Promise<void>;

/** The job with one task's status changed as setTaskStatus changes the row (a field left out or null is kept). */
function withTask(job: Job, taskId: string, fields: TaskFields): Job {
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
  return { ...job, tasks: job.tasks.map((t) => (t.id === taskId ? { ...t, ...set } : t)) };
}

/** Drops the tables a job staged but did not publish (its publish task failed, was skipped or canceled). */
async function discardStaged(data: InstanceData, staged: PublishedEntity[], log: Logger): Promise<void> {
  for (const e of staged)
    await data
      .write((c) => dropEntityVersion(c, e.table))
      .catch((err: unknown) => log.warn('dropping an unpublished table failed', { table: e.table, ...errorInfo(err) }));
}

export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  let stopped = true;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let again = false;
  let current: { jobId: string; data: InstanceData } | null = null;

  const loop = async (): Promise<void> => {
    do {
      again = false;
      for (let i = 0; i < 10_000; i++) {
        const claimed = await claimNextJob(deps.db, { nodeId: deps.nodeId, now: deps.clock.now() });
        if (!claimed) break;
        await runJob(claimed.instanceId, claimed.id).catch((err: unknown) =>
          deps.log.error('job failed unexpectedly', { jobId: claimed.id, ...errorInfo(err) }),
        );
      }
    } while (again && !stopped);
  };

  const kick = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    // A failing store (a lost connection) must not end the process: the next poll tries again.
    running = loop()
      .catch((err: unknown) => deps.log.error('claiming jobs failed', errorInfo(err)))
      .finally(() => {
        running = null;
      });
    return running;
  };

  const runJob = async (instanceId: string, jobId: string): Promise<void> => {
    const data = await deps.dataStore.instance(instanceId);
    current = { jobId, data };
    let canceled = false;
    let lost = false;
    const beat = setInterval(() => {
      void jobControl(deps.db, jobId, deps.nodeId).then(
        (c) => {
          if ((c.cancelRequested || c.lost) && !canceled) {
            canceled = true;
            lost = c.lost;
            data.interruptWriter();
          }
        },
        () => undefined,
      );
    }, 1000);
    try {
      const staged = new Map<string, PublishedEntity>();
      const hooks: Array<(tx: Db) => Promise<void>> = [];
      const assemble = new Map<string, () => Promise<void>>();
      const staging: Staging = {
        stage: (e) => staged.set(e.name, e),
        staged: () => [...staged.values()],
        resolve: async (name) => staged.get(name) ?? (await getEntity(deps.db, instanceId, name)),
        onPublish: (fn) => hooks.push(fn),
        publishHooks: () => hooks,
        onAssemble: (key, fn) => assemble.set(key, fn),
        assembleSteps: () => [...assemble.values()],
      };
      // While the job runs, only this node changes its tasks (a cancel request is a flag on the job; the sweeper ends
      // the job, which jobControl reports as lost): the job is read once and kept up to date here, not re-read with
      // all its tasks before each of them (a job has a task per segment and measure).
      let job = (await getJob(deps.db, instanceId, jobId)) as Job;
      const record: SetStatus = async (db, taskId, fields) => {
        await setTaskStatus(db, taskId, fields);
        job = withTask(job, taskId, fields);
      };
      for (const task of job.tasks) {
        const control = await jobControl(deps.db, jobId, deps.nodeId);
        if (lost || control.lost) break;
        const t = job.tasks.find((x) => x.id === task.id) as Task;
        if (t.status !== 'queued') continue;
        canceled = canceled || control.cancelRequested;
        const now = deps.clock.now().toISOString();
        if (canceled) {
          await record(deps.db, t.id, { status: 'canceled', finishedAt: now });
          continue;
        }
        const upstream = job.tasks.filter((x) => t.dependsOn.includes(x.id));
        const blocker = upstream.find((u) => !letsDependentsRun(u));
        if (blocker) {
          await record(deps.db, t.id, {
            status: 'skipped',
            finishedAt: now,
            error: {
              code: 'UpstreamFailed',
              message: `skipped because "${blocker.friendlyName}" ${blocker.status === 'canceled' ? 'was canceled' : 'did not succeed'}`,
            },
          });
          continue;
        }
        await runTask({ job, task: t, data, staging, record, isCanceled: () => canceled });
      }
      job = (await getJob(deps.db, instanceId, jobId)) as Job;
      if (!job.tasks.some((t) => t.operationType === 'publish' && t.status === 'succeeded'))
        await discardStaged(data, staging.staged(), deps.log);
      if (lost || job.status !== 'running') {
        deps.log.warn('the job was ended by another node while this one ran it (this node lost its lease)', { jobId });
        return;
      }
      const status: Status = job.tasks.some((t) => t.status === 'failed')
        ? 'failed'
        : canceled || job.tasks.some((t) => t.status === 'canceled')
          ? 'canceled'
          : 'succeeded';
      await deps.db.tx(async (tx) => {
        if (!(await finishJob(tx, jobId, status, deps.clock.now().toISOString()))) return;
        const finished = (await getJob(tx, instanceId, jobId)) as Job;
        await deps.onJobFinished?.(tx, finished);
      });
    } finally {
      clearInterval(beat);
      current = null;
    }
  };

  const runTask = async (input: {
    job: Job;
    task: Task;
    data: InstanceData;
    staging: Staging;
    record: SetStatus;
    isCanceled: () => boolean;
  }): Promise<void> => {
    const executor = deps.executors[input.task.operationType];
    const ctx: TaskContext = {
      db: deps.db,
      clock: deps.clock,
      outbox: deps.outbox,
      data: input.data,
      instanceId: input.job.instanceId,
      job: input.job,
      task: input.task,
      staging: input.staging,
      log: deps.log.child({ jobId: input.job.id, taskId: input.task.id }),
      isCanceled: input.isCanceled,
    };
    const startedAt = deps.clock.now().toISOString();
    // A task whose executor adds nothing to its status changes (a segment, a measure) commits them lazily: a job has
    // one such task per segment and measure, and a full sync of each cost more than some of the tasks. Losing them in
    // a machine crash loses nothing else — the job was running and ends Interrupted — and the job's end, with its
    // events, is a full commit that syncs them too (ADR 0035).
    const flush = executor.start || executor.finish ? 'full' : 'lazy';
    await deps.db.tx(
      async (tx) => {
        await input.record(tx, input.task.id, { status: 'running', startedAt });
        await executor.start?.(tx, ctx);
      },
      { flush },
    );
    let outcome: TaskOutcome;
    try {
      const stats = await executor.run(ctx);
      outcome = { status: 'succeeded', error: null, stats, startedAt, finishedAt: deps.clock.now().toISOString() };
    } catch (err) {
      const info = input.isCanceled() ? errorInfo(err) : publicTaskError(err, ctx.log);
      const wasCanceled = input.isCanceled() || info.code === 'Canceled';
      if (!wasCanceled && info.code !== 'NotConfigured') ctx.log.warn('task failed', info);
      const finishedAt = deps.clock.now().toISOString();
      outcome = wasCanceled
        ? {
            status: 'canceled',
            error: { code: 'Canceled', message: 'the job was canceled' },
            stats: null,
            startedAt,
            finishedAt,
          }
        : {
            status: info.code === 'NotConfigured' ? 'skipped' : 'failed',
            error: info,
            stats: null,
            startedAt,
            finishedAt,
          };
    }
    try {
      await deps.db.tx(
        async (tx) => {
          // The sweeper already ended this task (with its events) if this node lost its lease meanwhile.
          if ((await jobControl(tx, input.job.id, deps.nodeId)).lost) return;
          await input.record(tx, input.task.id, {
            status: outcome.status,
            finishedAt: outcome.finishedAt,
            error: outcome.error,
            stats: outcome.stats,
          });
          await executor.finish?.(tx, ctx, outcome);
        },
        { flush },
      );
    } catch (err) {
      const info = publicTaskError(err, ctx.log);
      ctx.log.error('finishing task failed', { ...info });
      await deps.db.tx(async (tx) => {
        if ((await jobControl(tx, input.job.id, deps.nodeId)).lost) return;
        const failed: TaskOutcome = { ...outcome, status: 'failed', error: info, stats: null };
        await input.record(tx, input.task.id, { status: 'failed', finishedAt: outcome.finishedAt, error: info });
        await executor.finish?.(tx, ctx, failed).catch(() => undefined);
      });
    }
  };

  return {
    start: () => {
      if (!stopped) return;
      stopped = false;
      const tick = () => {
        if (stopped) return;
        void kick().finally(() => {
          if (!stopped) timer = setTimeout(tick, deps.pollMs ?? 1000);
        });
      };
      tick();
    },
    wake: () => {
      if (!stopped) void kick();
    },
    drain: () => kick(),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (current) current.data.interruptWriter();
      await running;
    },
  };
}
