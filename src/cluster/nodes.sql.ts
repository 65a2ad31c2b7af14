// Control-store queries for the nodes of a deployment: each node has a row with a lease it renews by heartbeat. Work
// (a job, a delivery claim) names the node holding it; work whose node's lease expired is lost and is ended or handed
// over by the sweeper of any node (membership.ts).
import type { Db, SqlValue } from '../store/index.ts';

export interface NodeView {
  id: string;
  address: string | null;
  startedAt: string;
  heartbeatAt: string;
  leaseUntil: string;
}

interface Row {
  id: string;
  address: string | null;
  started_at: string;
  heartbeat_at: string;
  lease_until: string;
}

/** Which holders of work count as lost in one sweep. */
export interface SweepScope {
  /** Now, ISO 8601: a lease that ends before it has expired. */
  now: string;
  /** The node sweeping. */
  node: string;
  /** The sweeping node has just started: its own earlier work is lost at once (it restarted), whatever its lease
   * says. Otherwise a node never counts itself lost (a late heartbeat of its own is no reason to end its work). */
  restarting: boolean;
  /** Every holder is lost (SQLite at start: one process owns the store, so any claim is a stopped run's). */
  everyone: boolean;
}

/** SQL condition (with its parameters) true when the node named by `column` has lost its work under `scope`: it is
 * this node restarting, or another node with no row or an expired lease. A NULL holder is left to the caller. */
export function lostHolder(column: string, scope: SweepScope): { sql: string; params: SqlValue[] } {
  if (scope.everyone) return { sql: '1 = 1', params: [] };
  const gone = `NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = ${column} AND n.lease_until >= ?)`;
  return scope.restarting
    ? { sql: `(${column} = ? OR ${gone})`, params: [scope.node, scope.now] }
    : { sql: `(${column} <> ? AND ${gone})`, params: [scope.node, scope.now] };
}

export async function registerNode(
  db: Db,
  n: { id: string; address: string | null; now: Date; leaseMs: number },
): Promise<string> {
  const now = n.now.toISOString();
  const until = new Date(n.now.getTime() + n.leaseMs).toISOString();
  await db.run(
    `INSERT INTO nodes (id, address, started_at, heartbeat_at, lease_until) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET address = excluded.address, started_at = excluded.started_at,
       heartbeat_at = excluded.heartbeat_at, lease_until = excluded.lease_until`,
    [n.id, n.address, now, now, until],
  );
  return until;
}

/** Extends a node's lease; undefined when its row is gone (another node found the lease expired and swept). */
export async function renewLease(db: Db, n: { id: string; now: Date; leaseMs: number }): Promise<string | undefined> {
  const until = new Date(n.now.getTime() + n.leaseMs).toISOString();
  const r = await db.run('UPDATE nodes SET heartbeat_at = ?, lease_until = ? WHERE id = ?', [
    n.now.toISOString(),
    until,
    n.id,
  ]);
  return r.changes === 1 ? until : undefined;
}

/** Removes the rows of other nodes whose lease expired before `now` (after their work was swept); returns their ids. */
export async function forgetExpiredNodes(db: Db, opts: { now: string; node: string }): Promise<string[]> {
  const rows = await db.all<{ id: string }>('SELECT id FROM nodes WHERE lease_until < ? AND id <> ?', [
    opts.now,
    opts.node,
  ]);
  for (const r of rows) await db.run('DELETE FROM nodes WHERE id = ? AND lease_until < ?', [r.id, opts.now]);
  return rows.map((r) => r.id);
}

/** Removes a node's row (it stops): its leftover work counts as lost at once. */
export async function forgetNode(db: Db, id: string): Promise<void> {
  await db.run('DELETE FROM nodes WHERE id = ?', [id]);
}

export async function listNodes(db: Db): Promise<NodeView[]> {
  const rows = await db.all<Row>('SELECT * FROM nodes ORDER BY started_at, id');
  return rows.map((r) => ({
    id: r.id,
    address: r.address,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    leaseUntil: r.lease_until,
  }));
}

/** Records how far a node has synced published snapshots (files of versions replaced before that may go). */
export async function setSnapshotsSynced(db: Db, id: string, at: string): Promise<void> {
  await db.run('UPDATE nodes SET snapshots_synced_at = ? WHERE id = ?', [at, id]);
}
