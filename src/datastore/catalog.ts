// The entity catalog: which physical DuckDB table holds the published version of each entity. It lives in the
// control store so that publishing (catalog rows) and the events it causes commit in one transaction.
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { InstanceData } from './engine.ts';
import { dropEntityVersion, dropUnreadParts, queryRows } from './engine.ts';
import type { Attribute, EntityKind, PublishedEntity } from './schema.ts';
import { backingPattern, quoteIdent } from './schema.ts';

interface EntityRow {
  name: string;
  kind: EntityKind;
  physical: string;
  version: number;
  attributes: string;
  key_attributes: string;
  row_count: number;
}

const toEntity = (r: EntityRow): PublishedEntity => ({
  name: r.name,
  kind: r.kind,
  table: r.physical,
  version: Number(r.version),
  attributes: fromJson<Attribute[]>(r.attributes),
  key: fromJson<string[]>(r.key_attributes),
  rowCount: Number(r.row_count),
});

export async function getEntity(db: Db, instanceId: string, name: string): Promise<PublishedEntity | undefined> {
  const r = await db.get<EntityRow>('SELECT * FROM entities WHERE instance_id = ? AND name = ?', [instanceId, name]);
  return r ? toEntity(r) : undefined;
}

export async function listEntities(db: Db, instanceId: string): Promise<PublishedEntity[]> {
  const rows = await db.all<EntityRow>('SELECT * FROM entities WHERE instance_id = ? ORDER BY name', [instanceId]);
  return rows.map(toEntity);
}

/** The version a new staged table of this entity gets: one past the published one. */
export async function nextVersion(db: Db, instanceId: string, name: string): Promise<number> {
  const r = await db.get<{ version: number }>('SELECT version FROM entities WHERE instance_id = ? AND name = ?', [
    instanceId,
    name,
  ]);
  return (r ? Number(r.version) : 0) + 1;
}

/** The instance's snapshot version: bumped by every transaction that publishes or unpublishes an entity. */
export async function snapshotVersion(db: Db, instanceId: string): Promise<number> {
  const r = await db.get<{ version: number }>('SELECT version FROM snapshots WHERE instance_id = ?', [instanceId]);
  return r ? Number(r.version) : 0;
}

/** Snapshot versions of every instance that has published something. */
export async function snapshotVersions(db: Db): Promise<Map<string, number>> {
  const rows = await db.all<{ instance_id: string; version: number }>('SELECT instance_id, version FROM snapshots');
  return new Map(rows.map((r) => [r.instance_id, Number(r.version)]));
}

/** Bumps the snapshot version and queues the files of replaced versions for removal after the grace period. */
async function recordChange(tx: Db, instanceId: string, replaced: string[], now: string): Promise<void> {
  await tx.run(
    `INSERT INTO snapshots (instance_id, version, published_at) VALUES (?, 1, ?)
     ON CONFLICT (instance_id) DO UPDATE SET version = snapshots.version + 1, published_at = excluded.published_at`,
    [instanceId, now],
  );
  await queueGarbage(tx, instanceId, replaced, now);
}

async function queueGarbage(tx: Db, instanceId: string, physicals: string[], now: string): Promise<void> {
  for (const physical of physicals)
    await tx.run(
      `INSERT INTO snapshot_garbage (instance_id, physical, replaced_at) VALUES (?, ?, ?)
       ON CONFLICT (instance_id, physical) DO UPDATE SET replaced_at = excluded.replaced_at`,
      [instanceId, physical, now],
    );
}

/** Queues the files of shared parts that the version being published no longer reads (log parts past retention or
 * merged, datastore/snapshot-files.ts): removed with the versions replaced in the same transaction. */
export async function retireFiles(tx: Db, instanceId: string, physicals: string[], now: Date): Promise<void> {
  await queueGarbage(tx, instanceId, physicals, now.toISOString());
}

/** Versions replaced before `before` whose files may go: every live node has synced past them. Removes them from
 * the queue and returns them. */
export async function takeSnapshotGarbage(
  db: Db,
  opts: { before: string; now: string },
): Promise<Array<{ instanceId: string; physical: string }>> {
  const rows = await db.all<{ instance_id: string; physical: string }>(
    `SELECT instance_id, physical FROM snapshot_garbage WHERE replaced_at < ?
       AND NOT EXISTS (SELECT 1 FROM entities e
         WHERE e.instance_id = snapshot_garbage.instance_id AND e.physical = snapshot_garbage.physical)
       AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.lease_until >= ?
         AND (n.snapshots_synced_at IS NULL OR n.snapshots_synced_at <= snapshot_garbage.replaced_at))
     ORDER BY replaced_at LIMIT 1000`,
    [opts.before, opts.now],
  );
  for (const r of rows)
    await db.run('DELETE FROM snapshot_garbage WHERE instance_id = ? AND physical = ?', [r.instance_id, r.physical]);
  return rows.map((r) => ({ instanceId: r.instance_id, physical: r.physical }));
}

/** Publishes staged versions (their files already written to the shared directory by exportVersion); returns the
 * physical tables they replace, for the caller to drop after commit. */
export async function publishEntities(
  tx: Db,
  instanceId: string,
  entities: PublishedEntity[],
  opts: { jobId: string | null; now: Date },
): Promise<string[]> {
  const replaced: string[] = [];
  for (const e of entities) {
    const old = await tx.get<{ physical: string }>('SELECT physical FROM entities WHERE instance_id = ? AND name = ?', [
      instanceId,
      e.name,
    ]);
    if (old && old.physical !== e.table) replaced.push(old.physical);
    await tx.run(
      `INSERT INTO entities (instance_id, name, kind, physical, version, attributes, key_attributes, row_count, published_at, job_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instance_id, name) DO UPDATE SET kind = excluded.kind, physical = excluded.physical,
         version = excluded.version, attributes = excluded.attributes, key_attributes = excluded.key_attributes,
         row_count = excluded.row_count, published_at = excluded.published_at, job_id = excluded.job_id`,
      [
        instanceId,
        e.name,
        e.kind,
        e.table,
        e.version,
        toJson(e.attributes),
        toJson(e.key),
        e.rowCount,
        opts.now.toISOString(),
        opts.jobId,
      ],
    );
  }
  await recordChange(tx, instanceId, replaced, opts.now.toISOString());
  return replaced;
}

/** Removes an entity from the catalog (its data source was deleted); returns its physical table. */
export async function unpublishEntity(
  tx: Db,
  instanceId: string,
  name: string,
  now: Date,
): Promise<string | undefined> {
  const old = await tx.get<{ physical: string }>('SELECT physical FROM entities WHERE instance_id = ? AND name = ?', [
    instanceId,
    name,
  ]);
  await tx.run('DELETE FROM entities WHERE instance_id = ? AND name = ?', [instanceId, name]);
  if (old) await recordChange(tx, instanceId, [old.physical], now.toISOString());
  return old?.physical;
}

/** Drops the versioned tables and views (`Entity__vN`) of an instance that the catalog does not publish, with their
 * backing tables (`Entity__vN__members`), backing tables whose version is not published, and log parts no view reads —
 * what a job stopped by a crash had staged. Only while no job of the instance runs (recovery at start). Returns the versions dropped. */
export async function dropUnpublishedTables(db: Db, data: InstanceData, instanceId: string): Promise<string[]> {
  const published = new Set((await listEntities(db, instanceId)).map((e) => e.table));
  return data.write(async (conn) => {
    const rows = await queryRows(
      conn,
      `SELECT DISTINCT regexp_replace(name, '(__v[0-9]+)__[a-z]{2,}[0-9]*$', '\\1') AS version FROM (
         SELECT table_name AS name FROM duckdb_tables()
         WHERE regexp_matches(table_name, '__v[0-9]+$') OR regexp_matches(table_name, ?)
         UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND regexp_matches(view_name, '__v[0-9]+$'))
       ORDER BY 1`,
      [backingPattern],
    );
    const orphans = rows.map((r) => quoteIdent(r.version as string)).filter((t) => !published.has(t));
    for (const t of orphans) await dropEntityVersion(conn, t);
    // Log parts a job wrote before it was stopped, before any version read them.
    const parts = await dropUnreadParts(conn, '');
    return [...orphans, ...parts.map(quoteIdent)];
  });
}
