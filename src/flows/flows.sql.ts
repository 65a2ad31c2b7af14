// Control-store queries for flows and their runs.
import type { SweepScope } from '../cluster/index.ts';
import { lostHolder } from '../cluster/index.ts';
import type { EventEnvelope } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import { fromJson, inChunks, skipLocked, toJson } from '../store/index.ts';
import type { Flow, FlowRun, RunStatus, StepResult } from './model.ts';

interface FlowRow {
  id: string;
  instance_id: string;
  subscription_id: string;
  name: string;
  enabled: number;
  definition: string;
  created_at: string;
  updated_at: string;
}

interface RunRow {
  id: string;
  instance_id: string;
  flow_id: string;
  event_id: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  steps: string;
  attempt_count: number;
  next_attempt_at: string | null;
  envelope: string;
}

/** A run as stored: with its instance and the envelope of the event that started it. */
export type RunRecord = FlowRun & { instanceId: string; envelope: EventEnvelope };

const toFlow = (r: FlowRow): Flow => {
  const d = fromJson<Pick<Flow, 'trigger' | 'steps'>>(r.definition);
  return {
    id: r.id,
    instanceId: r.instance_id,
    subscriptionId: r.subscription_id,
    name: r.name,
    enabled: Number(r.enabled) === 1,
    trigger: d.trigger,
    steps: d.steps,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

export const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  instanceId: r.instance_id,
  flowId: r.flow_id,
  eventId: r.event_id,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  attempts: Number(r.attempt_count),
  nextAttemptAt: r.next_attempt_at,
  steps: fromJson<StepResult[]>(r.steps),
  envelope: fromJson<EventEnvelope>(r.envelope),
});

export async function insertFlow(db: Db, f: Flow): Promise<void> {
  await db.run(
    `INSERT INTO flows (id, instance_id, subscription_id, name, enabled, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      f.id,
      f.instanceId,
      f.subscriptionId,
      f.name,
      f.enabled ? 1 : 0,
      toJson({ trigger: f.trigger, steps: f.steps }),
      f.createdAt,
      f.updatedAt,
    ],
  );
}

export async function updateFlow(db: Db, f: Flow): Promise<void> {
  await db.run(`UPDATE flows SET name = ?, enabled = ?, definition = ?, updated_at = ? WHERE id = ?`, [
    f.name,
    f.enabled ? 1 : 0,
    toJson({ trigger: f.trigger, steps: f.steps }),
    f.updatedAt,
    f.id,
  ]);
}

export async function getFlow(db: Db, instanceId: string, id: string): Promise<Flow | undefined> {
  const r = await db.get<FlowRow>('SELECT * FROM flows WHERE instance_id = ? AND id = ?', [instanceId, id]);
  return r ? toFlow(r) : undefined;
}

export async function flowBySubscription(db: Db, subscriptionId: string): Promise<Flow | undefined> {
  const r = await db.get<FlowRow>('SELECT * FROM flows WHERE subscription_id = ?', [subscriptionId]);
  return r ? toFlow(r) : undefined;
}

export async function listFlows(db: Db, instanceId: string): Promise<Flow[]> {
  return (await db.all<FlowRow>('SELECT * FROM flows WHERE instance_id = ? ORDER BY created_at, id', [instanceId])).map(
    toFlow,
  );
}

export async function deleteFlow(db: Db, instanceId: string, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM flows WHERE instance_id = ? AND id = ?', [instanceId, id])).changes > 0;
}

export async function insertRun(db: Db, run: RunRecord): Promise<void> {
  await insertRuns(db, [run]);
}

/** Inserts runs, a few hundred rows per statement. */
export async function insertRuns(db: Db, runs: RunRecord[]): Promise<void> {
  for (const batch of inChunks(runs)) {
    await db.run(
      `INSERT INTO flow_runs (id, instance_id, flow_id, event_id, status, started_at, finished_at, steps, attempt_count, next_attempt_at, envelope)
       VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      batch.flatMap((run) => [
        run.id,
        run.instanceId,
        run.flowId,
        run.eventId,
        run.status,
        run.startedAt,
        run.finishedAt,
        toJson(run.steps),
        run.attempts,
        run.nextAttemptAt,
        toJson(run.envelope),
      ]),
    );
  }
}

/** Saves the outcome of a run that node `nodeId` claimed; dropped when another node has taken the run over since. */
export async function saveRun(db: Db, run: FlowRun, nodeId: string): Promise<void> {
  await db.run(
    `UPDATE flow_runs SET status = ?, finished_at = ?, steps = ?, attempt_count = ?, next_attempt_at = ?, lease_until = NULL
     WHERE id = ? AND (claimed_by IS NULL OR claimed_by = ?)`,
    [run.status, run.finishedAt, toJson(run.steps), run.attempts, run.nextAttemptAt, run.id, nodeId],
  );
}

export async function getRun(
  db: Db,
  instanceId: string,
  flowId: string,
  runId: string,
): Promise<RunRecord | undefined> {
  const r = await db.get<RunRow>('SELECT * FROM flow_runs WHERE instance_id = ? AND flow_id = ? AND id = ?', [
    instanceId,
    flowId,
    runId,
  ]);
  return r ? toRun(r) : undefined;
}

export async function listRuns(db: Db, instanceId: string, flowId: string, limit: number): Promise<FlowRun[]> {
  const rows = await db.all<RunRow>(
    'SELECT * FROM flow_runs WHERE instance_id = ? AND flow_id = ? ORDER BY started_at DESC, id DESC LIMIT ?',
    [instanceId, flowId, limit],
  );
  return rows.map(toRun);
}

/** Claims due runs for node `nodeId`: sets a lease so no other worker (or node) runs them at the same time. */
export async function claimDueRuns(
  db: Db,
  opts: { now: Date; leaseMs: number; limit: number; nodeId: string },
): Promise<RunRecord[]> {
  return db.tx(async (tx) => {
    const now = opts.now.toISOString();
    const rows = await tx.all<RunRow>(
      `SELECT * FROM flow_runs WHERE status = 'running' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?
         AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?${skipLocked(tx)}`,
      [now, now, opts.limit],
    );
    const lease = new Date(opts.now.getTime() + opts.leaseMs).toISOString();
    for (const r of rows)
      await tx.run('UPDATE flow_runs SET lease_until = ?, claimed_by = ? WHERE id = ?', [lease, opts.nodeId, r.id]);
    return rows.map(toRun);
  });
}

/** Ends the run claims of nodes that lost their lease (sweeper): the lease is set to expire now, so that the next
 * claim, on any node, takes the run over at once (its steps that had not succeeded run again: at-least-once). */
export async function expireLostRunClaims(db: Db, scope: SweepScope): Promise<number> {
  const lost = lostHolder('claimed_by', scope);
  return (
    await db.run(
      `UPDATE flow_runs SET lease_until = ? WHERE status = 'running' AND lease_until >= ? AND claimed_by IS NOT NULL
         AND ${lost.sql}`,
      [scope.now, scope.now, ...lost.params],
    )
  ).changes;
}

/** The earliest time a run is due, so the worker can sleep until then. */
export async function nextDueRun(db: Db): Promise<string | undefined> {
  const r = await db.get<{ t: string | null }>(
    `SELECT MIN(next_attempt_at) AS t FROM flow_runs WHERE status = 'running' AND next_attempt_at IS NOT NULL`,
  );
  return r?.t ?? undefined;
}
