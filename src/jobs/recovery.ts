// Ending interrupted work, in one place: the sweeper of every node (cluster/membership.ts) calls endInterruptedJobs
// for jobs whose node lost its lease — another node that died, or this node at its start after a stop. Running tasks
// are failed with code Interrupted through their executors' finish, so that their events are emitted; queued ones are
// skipped. At start a node also drops the tables that its own interrupted jobs had staged in its local data store.
import type { SweepScope } from '../cluster/index.ts';
import { dropUnpublishedTables } from '../datastore/index.ts';
import type { FinishContext, JobRunnerDeps, TaskOutcome } from './executor.ts';
import { failLostJob, getJob, interruptedJobs, setTaskStatus } from './jobs.sql.ts';
import type { Job } from './model.ts';

export type RecoveryDeps = Omit<JobRunnerDeps, 'nodeId' | 'pollMs'>;

/** Fails the jobs whose node lost them under `scope`; returns how many this call ended. */
export async function endInterruptedJobs(deps: RecoveryDeps, scope: SweepScope): Promise<number> {
  let ended = 0;
  for (const lost of await interruptedJobs(deps.db, scope)) {
    const done = await deps.db.tx(async (tx) => {
      const now = deps.clock.now().toISOString();
      if (!(await failLostJob(tx, lost, now))) return false;
      const job = (await getJob(tx, lost.instanceId, lost.id)) as Job;
      for (const t of job.tasks) {
        if (t.status === 'running') {
          const error = { code: 'Interrupted', message: 'the node running this task stopped' };
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
            instanceId: lost.instanceId,
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
            error: { code: 'Interrupted', message: 'the node running this job stopped before this task ran' },
          });
        }
      }
      await deps.onJobFinished?.(tx, (await getJob(tx, lost.instanceId, lost.id)) as Job);
      return true;
    });
    if (!done) continue;
    ended++;
    deps.log.warn('job interrupted by a stopped node was marked failed', { jobId: lost.id, node: lost.claimedBy });
  }
  return ended;
}

/** Drops what jobs interrupted on this node had staged in its local data store: every versioned table the catalog
 * does not publish. Only at start, before this node's runner claims work. */
export async function dropStagedTables(deps: Pick<RecoveryDeps, 'db' | 'dataStore' | 'log'>): Promise<void> {
  for (const instanceId of deps.dataStore.localInstances()) {
    const dropped = await dropUnpublishedTables(deps.db, await deps.dataStore.instance(instanceId), instanceId);
    if (dropped.length) deps.log.info('dropped tables staged by interrupted jobs', { instanceId, tables: dropped });
  }
}
