// Recovery at start: jobs left running by a stopped node (all of them on the embedded store; on PostgreSQL those
// whose heartbeat is older than 30 s) are failed — running tasks with code Interrupted, through their executors'
// finish so that their events are emitted, queued ones skipped — and the tables they had staged are dropped.
import { dropUnpublishedTables } from '../datastore/index.ts';
import { finishJob, getJob, orphanedJobs, setTaskStatus } from './jobs.sql.ts';
import type { Job } from './model.ts';
import type { FinishContext, JobRunnerDeps, TaskOutcome } from './runner.ts';

/** Fails the jobs a stopped node left running; returns how many. */
export async function recoverInterruptedJobs(
  deps: JobRunnerDeps,
  { multiNode }: { multiNode: boolean },
): Promise<number> {
  const staleBefore = multiNode ? new Date(deps.clock.now().getTime() - 30_000).toISOString() : null;
  const orphans = await orphanedJobs(deps.db, { staleBefore });
  for (const o of orphans) {
    await deps.db.tx(async (tx) => {
      const job = await getJob(tx, o.instanceId, o.id);
      if (!job) return;
      const now = deps.clock.now().toISOString();
      for (const t of job.tasks) {
        if (t.status === 'running') {
          const error = { code: 'Interrupted', message: 'the server stopped while this task was running' };
          await setTaskStatus(tx, t.id, { status: 'failed', finishedAt: now, error });
          const outcome: TaskOutcome = {
            status: 'failed',
            error,
            stats: null,
            startedAt: t.startedAt ?? now,
            finishedAt: now,
          };
          const ctx: FinishContext = {
            clock: deps.clock,
            outbox: deps.outbox,
            instanceId: o.instanceId,
            job,
            task: t,
            log: deps.log,
            staging: null,
          };
          await deps.executors[t.operationType].finish?.(tx, ctx, outcome);
        } else if (t.status === 'queued') {
          await setTaskStatus(tx, t.id, {
            status: 'skipped',
            finishedAt: now,
            error: { code: 'Interrupted', message: 'the server stopped before this task ran' },
          });
        }
      }
      await finishJob(tx, o.id, 'failed', now);
      const finished = (await getJob(tx, o.instanceId, o.id)) as Job;
      await deps.onJobFinished?.(tx, finished);
    });
    deps.log.warn('job interrupted by a stop was marked failed', { jobId: o.id });
  }
  for (const instanceId of new Set(orphans.map((o) => o.instanceId))) {
    const dropped = await dropUnpublishedTables(deps.db, await deps.dataStore.instance(instanceId), instanceId);
    if (dropped.length) deps.log.info('dropped tables staged by interrupted jobs', { instanceId, tables: dropped });
  }
  return orphans.length;
}
