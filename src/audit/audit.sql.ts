// Control-store queries of the audit log.
import type { Db, SqlValue } from '../store/index.ts';
import type { Actor, AuditEntry, AuditFilter } from './model.ts';

interface Row {
  id: string;
  instance_id: string;
  at: string;
  actor_type: Actor['type'];
  actor_id: string;
  actor_email: string | null;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string;
  summary: string;
  request_id: string | null;
}

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  instanceId: r.instance_id,
  at: r.at,
  actor: {
    type: r.actor_type,
    id: r.actor_id,
    ...(r.actor_email ? { email: r.actor_email } : {}),
    ...(r.actor_name ? { name: r.actor_name } : {}),
  },
  action: r.action,
  target: { type: r.target_type, id: r.target_id },
  summary: r.summary,
  requestId: r.request_id,
});

/** Writes entries (one per instance concerned); call it with the transaction of the change. */
export async function insertAudit(db: Db, entries: AuditEntry[]): Promise<void> {
  for (const e of entries)
    await db.run(
      `INSERT INTO audit_log (id, instance_id, at, actor_type, actor_id, actor_email, actor_name, action, target_type,
         target_id, summary, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        e.id,
        e.instanceId,
        e.at,
        e.actor.type,
        e.actor.id,
        e.actor.email ?? null,
        e.actor.name ?? null,
        e.action,
        e.target.type,
        e.target.id,
        e.summary,
        e.requestId,
      ],
    );
}

/** Newest first. */
export async function listAudit(db: Db, instanceId: string, f: AuditFilter): Promise<AuditEntry[]> {
  const where = ['instance_id = ?'];
  const params: SqlValue[] = [instanceId];
  if (f.actor !== undefined) {
    where.push('(actor_id = ? OR LOWER(actor_email) = ?)');
    params.push(f.actor, f.actor.toLowerCase());
  }
  if (f.action !== undefined) {
    where.push('action = ?');
    params.push(f.action);
  }
  if (f.target !== undefined) {
    where.push('target_id = ?');
    params.push(f.target);
  }
  if (f.since !== undefined) {
    where.push('at >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    where.push('at < ?');
    params.push(f.until);
  }
  if (f.before !== undefined) {
    where.push('(at < ? OR (at = ? AND id < ?))');
    params.push(f.before.at, f.before.at, f.before.id);
  }
  params.push(f.top);
  const rows = await db.all<Row>(
    `SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`,
    params,
  );
  return rows.map(toEntry);
}

/** Removes entries older than `before`; returns how many. */
export async function pruneAudit(db: Db, before: Date): Promise<number> {
  return (await db.run('DELETE FROM audit_log WHERE at < ?', [before.toISOString()])).changes;
}
