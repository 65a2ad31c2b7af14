// Submitting and canceling jobs.
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { setDataSourceStatus } from '../sources/datasources.sql.ts';
import type { Db } from '../store/index.ts';
import { getJob, insertJob, requestCancel, setTaskStatus, finishJob } from './jobs.sql.ts';
import type { Job, JobIn, SubmissionKind } from './model.ts';
import type { PlanInputs } from './plan.ts';
import { planTasks } from './plan.ts';

export interface JobServiceDeps {
  db: Db;
  clock: Clock;
  planInputs: (db: Db, instanceId: string) => Promise<PlanInputs>;
  /** Called after a job is committed, to wake the runner. */
  onSubmitted?: () => void;
}

export async function submitJob(
  deps: JobServiceDeps,
  instanceId: string,
  input: JobIn,
  submissionKind: SubmissionKind,
): Promise<Job> {
  const job = await deps.db.tx(async (tx) => {
    const tasks = planTasks(input, await deps.planInputs(tx, instanceId));
    const j: Job = {
      id: newId('job'),
      instanceId,
      operationType: input.operationType,
      identifiers: input.identifiers ?? null,
      submissionKind,
      status: 'queued',
      submittedAt: deps.clock.now().toISOString(),
      startedAt: null,
      finishedAt: null,
      cancelRequested: false,
      tasks,
    };
    await insertJob(tx, j);
    for (const t of tasks)
      if (t.operationType === 'ingestion') await setDataSourceStatus(tx, t.identifier as string, 'queued');
    return j;
  });
  deps.onSubmitted?.();
  return job;
}

/** Cancels a queued job at once; asks a running one to stop (its running task is interrupted). */
export async function cancelJob(deps: JobServiceDeps, instanceId: string, jobId: string): Promise<Job> {
  return deps.db.tx(async (tx) => {
    const job = await getJob(tx, instanceId, jobId);
    if (!job) throw new AppError('NotFound', `job ${jobId} not found`);
    if (job.status === 'queued') {
      const now = deps.clock.now().toISOString();
      for (const t of job.tasks) {
        if (t.status === 'queued') await setTaskStatus(tx, t.id, { status: 'canceled', finishedAt: now });
        if (t.operationType === 'ingestion') await setDataSourceStatus(tx, t.identifier as string, 'canceled');
      }
      await finishJob(tx, jobId, 'canceled', now);
    } else if (job.status === 'running') {
      await requestCancel(tx, jobId);
    } else {
      throw new AppError('Conflict', `job ${jobId} has already ended (${job.status})`);
    }
    return (await getJob(tx, instanceId, jobId)) as Job;
  });
}
