// Control-store queries for jobs and tasks.
import type { SweepScope } from '../cluster/index.ts';
import { lostHolder } from '../cluster/index.ts';
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { Job, Status, Task, TaskError } from './model.ts';

interface JobRow {
  id: string;
  instance_id: string;
  operation_type: Job['operationType'];
  identifiers: string | null;
  submission_kind: Job['submissionKind'];
  status: Status;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  cancel_requested: number;
}

interface TaskRow {
  id: string;
  job_id: string;
  ordinal: number;
  operation_type: Task['operationType'];
  identifier: string | null;
  friendly_name: string;
  depends_on: string;
  status: Status;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  stats: string | null;
}

const toTask = (r: TaskRow): Task => ({
  id: r.id,
  operationType: r.operation_type,
  identifier: r.identifier,
  friendlyName: r.friendly_name,
  dependsOn: fromJson<string[]>(r.depends_on),
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error ? fromJson<TaskError>(r.error) : null,
  stats: r.stats ? fromJson<Record<string, unknown>>(r.stats) : null,
});

const toJob = (r: JobRow, tasks: Task[]): Job => ({
  id: r.id,
  instanceId: r.instance_id,
  operationType: r.operation_type,
  identifiers: r.identifiers ? fromJson<string[]>(r.identifiers) : null,
  submissionKind: r.submission_kind,
  status: r.status,
  submittedAt: r.submitted_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  cancelRequested: Number(r.cancel_requested) === 1,
  tasks,
});

export async function insertJob(db: Db, job: Job): Promise<void> {
  await db.run(
    `INSERT INTO jobs (id, instance_id, operation_type, identifiers, submission_kind, status, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      job.id,
      job.instanceId,
      job.operationType,
      job.identifiers ? toJson(job.identifiers) : null,
      job.submissionKind,
      job.status,
      job.submittedAt,
    ],
  );
  let ordinal = 0;
  for (const t of job.tasks) {
    await db.run(
      `INSERT INTO tasks (id, job_id, ordinal, operation_type, identifier, friendly_name, depends_on, status, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        t.id,
        job.id,
        ordinal++,
        t.operationType,
        t.identifier,
        t.friendlyName,
        toJson(t.dependsOn),
        t.status,
        t.error ? toJson(t.error) : null,
      ],
    );
  }
}

export async function getJob(db: Db, instanceId: string, jobId: string): Promise<Job | undefined> {
  const r = await db.get<JobRow>('SELECT * FROM jobs WHERE instance_id = ? AND id = ?', [instanceId, jobId]);
  if (!r) return undefined;
  const tasks = await db.all<TaskRow>('SELECT * FROM tasks WHERE job_id = ? ORDER BY ordinal', [jobId]);
  return toJob(r, tasks.map(toTask));
}

export async function listJobs(
  db: Db,
  instanceId: string,
  opts: { limit: number; status?: Status | undefined },
): Promise<Job[]> {
  const rows = opts.status
    ? await db.all<JobRow>(
        'SELECT * FROM jobs WHERE instance_id = ? AND status = ? ORDER BY submitted_at DESC, id DESC LIMIT ?',
        [instanceId, opts.status, opts.limit],
      )
    : await db.all<JobRow>('SELECT * FROM jobs WHERE instance_id = ? ORDER BY submitted_at DESC, id DESC LIMIT ?', [
        instanceId,
        opts.limit,
      ]);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const tasks = await db.all<TaskRow>(
    `SELECT * FROM tasks WHERE job_id IN (${ids.map(() => '?').join(',')}) ORDER BY job_id, ordinal`,
    ids,
  );
  const byJob = new Map<string, Task[]>();
  for (const t of tasks) byJob.set(t.job_id, [...(byJob.get(t.job_id) ?? []), toTask(t)]);
  return rows.map((r) => toJob(r, byJob.get(r.id) ?? []));
}

/** Claims the oldest queued job of an instance that has none running; the partial unique index makes two nodes
 * claiming jobs of one instance at once impossible (the loser's update fails and it moves on). */
export async function claimNextJob(
  db: Db,
  opts: { nodeId: string; now: Date },
): Promise<{ id: string; instanceId: string } | undefined> {
  const candidates = await db.all<{ id: string; instance_id: string }>(
    `SELECT j.id, j.instance_id FROM jobs j WHERE j.status = 'queued'
       AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.instance_id = j.instance_id AND r.status = 'running')
     ORDER BY j.submitted_at, j.id LIMIT 5`,
  );
  for (const c of candidates) {
    try {
      const r = await db.run(
        `UPDATE jobs SET status = 'running', started_at = ?, claimed_by = ?, heartbeat_at = ? WHERE id = ? AND status = 'queued'`,
        [opts.now.toISOString(), opts.nodeId, opts.now.toISOString(), c.id],
      );
      if (r.changes === 1) return { id: c.id, instanceId: c.instance_id };
    } catch (err) {
      if (!/unique|duplicate/i.test((err as Error).message)) throw err;
    }
  }
  return undefined;
}

export async function setTaskStatus(
  db: Db,
  taskId: string,
  fields: {
    status: Status;
    startedAt?: string;
    finishedAt?: string;
    error?: TaskError | null;
    stats?: Record<string, unknown> | null;
  },
): Promise<void> {
  await db.run(
    `UPDATE tasks SET status = ?, started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at),
       error = COALESCE(?, error), stats = COALESCE(?, stats) WHERE id = ?`,
    [
      fields.status,
      fields.startedAt ?? null,
      fields.finishedAt ?? null,
      fields.error ? toJson(fields.error) : null,
      fields.stats ? toJson(fields.stats) : null,
      taskId,
    ],
  );
}

/** Records how far a running task is (its stats until it ends); a task that has ended keeps its own. */
export async function setTaskProgress(db: Db, taskId: string, stats: Record<string, unknown>): Promise<void> {
  await db.run(`UPDATE tasks SET stats = ? WHERE id = ? AND status = 'running'`, [toJson(stats), taskId]);
}

/** Ends a job that has not ended; false when it had (the sweeper ended it: this node had lost its lease). */
export async function finishJob(db: Db, jobId: string, status: Status, finishedAt: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE jobs SET status = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')`,
    [status, finishedAt, jobId],
  );
  return r.changes === 1;
}

export async function requestCancel(db: Db, jobId: string): Promise<void> {
  await db.run('UPDATE jobs SET cancel_requested = 1 WHERE id = ?', [jobId]);
}

/** What the node running a job checks every second: a cancel request, or that the job is no longer its own (another
 * node's sweeper ended it after this node's lease expired). */
export async function jobControl(
  db: Db,
  jobId: string,
  nodeId: string,
): Promise<{ cancelRequested: boolean; lost: boolean }> {
  const r = await db.get<{ c: number; status: Status; claimed_by: string | null }>(
    'SELECT cancel_requested AS c, status, claimed_by FROM jobs WHERE id = ?',
    [jobId],
  );
  return { cancelRequested: Number(r?.c) === 1, lost: !r || r.status !== 'running' || r.claimed_by !== nodeId };
}

/** Running jobs whose node lost them under `scope` (or that name no node). */
export async function interruptedJobs(
  db: Db,
  scope: SweepScope,
): Promise<Array<{ id: string; instanceId: string; claimedBy: string | null }>> {
  const lost = lostHolder('j.claimed_by', scope);
  const rows = await db.all<{ id: string; instance_id: string; claimed_by: string | null }>(
    `SELECT j.id, j.instance_id, j.claimed_by FROM jobs j
     WHERE j.status = 'running' AND (j.claimed_by IS NULL OR ${lost.sql}) ORDER BY j.started_at, j.id`,
    lost.params,
  );
  return rows.map((r) => ({ id: r.id, instanceId: r.instance_id, claimedBy: r.claimed_by }));
}

/** Marks a lost job failed, if it still runs under the same holder; false when another sweeper was first. */
export async function failLostJob(
  db: Db,
  job: { id: string; claimedBy: string | null },
  finishedAt: string,
): Promise<boolean> {
  const r = await db.run(
    `UPDATE jobs SET status = 'failed', finished_at = ? WHERE id = ? AND status = 'running' AND COALESCE(claimed_by, '') = ?`,
    [finishedAt, job.id, job.claimedBy ?? ''],
  );
  return r.changes === 1;
}

/** A queued scheduled full refresh already waiting, so a schedule that comes due again does not pile up jobs. */
export async function hasQueuedScheduledJob(db: Db, instanceId: string): Promise<boolean> {
  return (
    (await db.get(
      `SELECT id FROM jobs WHERE instance_id = ? AND status = 'queued' AND submission_kind = 'scheduled' LIMIT 1`,
      [instanceId],
    )) !== undefined
  );
}

/** Latest task per (operation, identifier) of an instance: the status page and the status report. */
export async function latestTasks(db: Db, instanceId: string): Promise<Array<Task & { jobId: string }>> {
  const rows = await db.all<TaskRow>(
    `SELECT t.* FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE j.instance_id = ? AND t.status NOT IN ('queued')
       AND (t.operation_type <> 'ingestion' OR t.identifier IN (SELECT id FROM data_sources WHERE instance_id = ?))
     ORDER BY t.started_at DESC, t.id DESC LIMIT 2000`,
    [instanceId, instanceId],
  );
  const seen = new Set<string>();
  const out: Array<Task & { jobId: string }> = [];
  for (const r of rows) {
    const key = `${r.operation_type}:${r.identifier ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...toTask(r), jobId: r.job_id });
  }
  return out;
}
