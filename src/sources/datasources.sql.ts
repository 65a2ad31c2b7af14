// Control-store queries for data sources.
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { DataSource, DataSourceStatus, LastRefresh } from './model.ts';

interface Row {
  id: string;
  instance_id: string;
  name: string;
  kind: DataSource['kind'];
  location: string;
  entity: string;
  primary_key: string | null;
  options: string;
  owners: string;
  status: DataSourceStatus;
  last_refresh: string | null;
  high_water_mark: string | null;
  created_at: string;
  updated_at: string;
}

const toDataSource = (r: Row): DataSource => {
  const options = fromJson<DataSource['options'] & { description?: string }>(r.options);
  const { description, ...rest } = options;
  return {
    id: r.id,
    instanceId: r.instance_id,
    name: r.name,
    kind: r.kind,
    location: r.location,
    entity: r.entity,
    primaryKey: r.primary_key,
    options: rest,
    owners: fromJson<string[]>(r.owners),
    description: description ?? null,
    status: r.status,
    lastRefresh: r.last_refresh ? fromJson<LastRefresh>(r.last_refresh) : null,
    highWaterMark: r.high_water_mark ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

export async function insertDataSource(db: Db, ds: DataSource): Promise<void> {
  await db.run(
    `INSERT INTO data_sources (id, instance_id, name, kind, location, entity, primary_key, options, owners, status, last_refresh, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      ds.id,
      ds.instanceId,
      ds.name,
      ds.kind,
      ds.location,
      ds.entity,
      ds.primaryKey,
      toJson(storedOptions(ds)),
      toJson(ds.owners),
      ds.status,
      null,
      ds.createdAt,
      ds.updatedAt,
    ],
  );
}

const storedOptions = (ds: DataSource) =>
  ds.description ? { ...ds.options, description: ds.description } : ds.options;

export async function updateDataSource(db: Db, ds: DataSource): Promise<void> {
  await db.run(
    `UPDATE data_sources SET name = ?, location = ?, primary_key = ?, options = ?, owners = ?, high_water_mark = ?, updated_at = ? WHERE id = ?`,
    [
      ds.name,
      ds.location,
      ds.primaryKey,
      toJson(storedOptions(ds)),
      toJson(ds.owners),
      ds.highWaterMark,
      ds.updatedAt,
      ds.id,
    ],
  );
}

export async function getDataSource(db: Db, instanceId: string, id: string): Promise<DataSource | undefined> {
  const r = await db.get<Row>('SELECT * FROM data_sources WHERE instance_id = ? AND id = ?', [instanceId, id]);
  return r ? toDataSource(r) : undefined;
}

export async function listDataSources(db: Db, instanceId: string): Promise<DataSource[]> {
  return (
    await db.all<Row>('SELECT * FROM data_sources WHERE instance_id = ? ORDER BY created_at, id', [instanceId])
  ).map(toDataSource);
}

export async function deleteDataSource(db: Db, instanceId: string, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM data_sources WHERE instance_id = ? AND id = ?', [instanceId, id])).changes > 0;
}

export async function setDataSourceStatus(
  db: Db,
  id: string,
  status: DataSourceStatus,
  lastRefresh?: LastRefresh,
): Promise<void> {
  if (lastRefresh) {
    await db.run('UPDATE data_sources SET status = ?, last_refresh = ? WHERE id = ?', [
      status,
      toJson(lastRefresh),
      id,
    ]);
  } else {
    await db.run('UPDATE data_sources SET status = ? WHERE id = ?', [status, id]);
  }
}

/** Records the high-water mark of a successful incremental refresh; null forgets it (the next refresh is full). */
export async function setHighWaterMark(db: Db, id: string, mark: string | null): Promise<void> {
  await db.run('UPDATE data_sources SET high_water_mark = ? WHERE id = ?', [mark, id]);
}
