// Evaluation history: one row per evaluated segment or measure per job (member count, or value / values), written
// in the publish transaction. Recording the same job again replaces its row, so a retried job keeps one point; a
// subject keeps its last historyLimit evaluations.
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { HistoryPoint } from './model.ts';
import { historyLimit } from './model.ts';

type Result = Omit<HistoryPoint, 'evaluatedAt' | 'jobId'>;

interface Row {
  subject_id: string;
  job_id: string;
  evaluated_at: string;
  result: string;
}

const toPoint = (r: Row): HistoryPoint => ({
  evaluatedAt: r.evaluated_at,
  jobId: r.job_id,
  ...fromJson<Result>(r.result),
});

export async function recordEvaluation(
  tx: Db,
  e: { instanceId: string; subjectId: string; jobId: string; evaluatedAt: string; result: Result },
): Promise<void> {
  await tx.run(
    `INSERT INTO evaluations (instance_id, subject_id, job_id, evaluated_at, result) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (subject_id, job_id) DO UPDATE SET evaluated_at = excluded.evaluated_at, result = excluded.result`,
    [e.instanceId, e.subjectId, e.jobId, e.evaluatedAt, toJson(e.result)],
  );
  // Only the last historyLimit evaluations are ever read (history, the previous value of a threshold).
  await tx.run(
    `DELETE FROM evaluations WHERE subject_id = ? AND (evaluated_at, job_id) < (
       SELECT evaluated_at, job_id FROM evaluations WHERE subject_id = ?
       ORDER BY evaluated_at DESC, job_id DESC LIMIT 1 OFFSET ?)`,
    [e.subjectId, e.subjectId, historyLimit - 1],
  );
}

/** The latest evaluation of a subject by another job than `jobId`. */
export async function previousEvaluation(tx: Db, subjectId: string, jobId: string): Promise<HistoryPoint | undefined> {
  const r = await tx.get<Row>(
    `SELECT subject_id, job_id, evaluated_at, result FROM evaluations WHERE subject_id = ? AND job_id <> ?
     ORDER BY evaluated_at DESC, job_id DESC LIMIT 1`,
    [subjectId, jobId],
  );
  return r ? toPoint(r) : undefined;
}

/** The last `historyLimit` evaluations of each subject of an instance (or of one subject), oldest first. */
export async function historyOf(db: Db, instanceId: string, subjectId?: string): Promise<Map<string, HistoryPoint[]>> {
  const rows = await db.all<Row>(
    `SELECT subject_id, job_id, evaluated_at, result FROM (
       SELECT e.*, ROW_NUMBER() OVER (PARTITION BY subject_id ORDER BY evaluated_at DESC, job_id DESC) AS rn
       FROM evaluations e WHERE instance_id = ?${subjectId ? ' AND subject_id = ?' : ''}) x
     WHERE rn <= ? ORDER BY subject_id, evaluated_at, job_id`,
    subjectId ? [instanceId, subjectId, historyLimit] : [instanceId, historyLimit],
  );
  const out = new Map<string, HistoryPoint[]>();
  for (const r of rows) {
    const list = out.get(r.subject_id) ?? [];
    list.push(toPoint(r));
    out.set(r.subject_id, list);
  }
  return out;
}
