// The entity catalog: which physical DuckDB table holds the published version of each entity. It lives in the
// control store so that publishing (catalog rows) and the events it causes commit in one transaction.
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { InstanceData } from './engine.ts';
import { dropEntityVersion, queryRows } from './engine.ts';
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

/** Publishes staged tables; returns the physical tables they replace, for the caller to drop after commit. */
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
  return replaced;
}

/** Removes an entity from the catalog (its data source was deleted); returns its physical table. */
export async function unpublishEntity(tx: Db, instanceId: string, name: string): Promise<string | undefined> {
  const old = await tx.get<{ physical: string }>('SELECT physical FROM entities WHERE instance_id = ? AND name = ?', [
    instanceId,
    name,
  ]);
  await tx.run('DELETE FROM entities WHERE instance_id = ? AND name = ?', [instanceId, name]);
  return old?.physical;
}

/** Drops the versioned tables and views (`Entity__vN`) of an instance that the catalog does not publish, with their
 * backing tables (`Entity__vN__members`), and backing tables whose version is not published — what a job stopped by
 * a crash had staged. Only while no job of the instance runs (recovery at start). Returns the versions dropped. */
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
    return orphans;
  });
}
