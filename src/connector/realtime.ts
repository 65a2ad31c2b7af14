// "Create item" and "Update item": real-time records and profile field values that reads include until they expire.
// Values are checked against the entity's attributes and types; the record is logged in the control store
// (realtime_records, which also tells reads that an entity has live data) and written to the entity's DuckDB side
// table (see entity-source.ts). Expired rows are pruned on the next write to the same entity.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Attribute, DataStore, PublishedEntity } from '../datastore/index.ts';
import { duckTypeOf, quoteIdent } from '../datastore/index.ts';
import type { Db } from '../store/index.ts';
import { toJson } from '../store/index.ts';
import { isWritable } from './entity-schema.ts';
import { overlayTable, profileEntity, realtimeTable } from './entity-source.ts';

/** Longest a real-time value may live: 30 days (ms). */
export const maxValidityMs = 30 * 24 * 3600 * 1000;
/** Default lifetime of a created record: 30 days; of a profile update: 4 hours (as the original service). */
export const defaultCreateValidityMs = maxValidityMs;
export const defaultUpdateValidityMs = 4 * 3600 * 1000;

export type RecordValues = Record<string, string | number | boolean | null>;

const invalid = (message: string) => new AppError('ValidationFailed', message);

/** The expiry time: `validUntil` (ISO 8601, in the future, at most 30 days ahead) or now + the default. */
export function expiryOf(validUntil: string | undefined, now: Date, defaultMs: number): Date {
  if (validUntil === undefined) return new Date(now.getTime() + defaultMs);
  const t = Date.parse(validUntil);
  if (!/^\d{4}-\d\d-\d\dT/.test(validUntil) || Number.isNaN(t))
    throw invalid(`validUntil must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z, got "${validUntil}"`);
  if (t <= now.getTime()) throw invalid(`validUntil ${validUntil} is not in the future`);
  if (t - now.getTime() > maxValidityMs) throw invalid(`validUntil ${validUntil} is more than 30 days ahead`);
  return new Date(t);
}

/** Checks one value against its attribute type; returns the value as stored (timestamps in UTC without zone). */
function checkValue(a: Attribute, v: unknown): string | number | boolean | null {
  const where = `body.${a.name}`;
  if (v === null) return null;
  switch (a.type) {
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`${where}: must be a whole number`);
      return v;
    case 'decimal':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${where}: must be a number`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw invalid(`${where}: must be true or false`);
      return v;
    case 'date':
      if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(v) || Number.isNaN(Date.parse(v)))
        throw invalid(`${where}: must be a date like 2026-01-31`);
      return v;
    case 'timestamp': {
      if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(v) || Number.isNaN(Date.parse(v)))
        throw invalid(`${where}: must be an ISO 8601 timestamp like 2026-01-31T10:00:00Z`);
      const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(v);
      return new Date(zoned ? v : `${v.replace(' ', 'T')}Z`).toISOString().replace('T', ' ').replace('Z', '');
    }
    case 'string':
      if (typeof v !== 'string') throw invalid(`${where}: must be a string`);
      return v;
  }
}

/** Checks every field of `values` against the entity: known attributes, right types. */
export function checkRecord(entity: PublishedEntity, values: RecordValues): RecordValues {
  const out: RecordValues = {};
  for (const [name, v] of Object.entries(values)) {
    const a = entity.attributes.find((x) => x.name === name);
    if (!a)
      throw invalid(
        `body.${name}: ${entity.name} has no attribute ${name} (attributes: ${entity.attributes.map((x) => x.name).join(', ')})`,
      );
    out[name] = checkValue(a, v);
  }
  return out;
}

async function ensureSideTable(conn: DuckDBConnection, table: string, overlay: boolean): Promise<void> {
  await conn.run(
    overlay
      ? `CREATE TABLE IF NOT EXISTS ${table} (_rt_id VARCHAR, _key VARCHAR, _seq BIGINT, _valid_until TIMESTAMP, _data JSON)`
      : `CREATE TABLE IF NOT EXISTS ${table} (_rt_id VARCHAR, _valid_until TIMESTAMP, _data JSON)`,
  );
}

const duckTime = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

/** Whether a row with this key exists, published or live. */
async function keyExists(
  conn: DuckDBConnection,
  entity: PublishedEntity,
  keyValues: RecordValues,
  now: Date,
): Promise<boolean> {
  const names = Object.keys(keyValues);
  const published = names.map((n) => `${quoteIdent(n)} = CAST(? AS ${duckTypeOf(typeOf(entity, n))})`).join(' AND ');
  const params = names.map((n) => keyValues[n] as DuckDBValue);
  const a = await conn.runAndReadAll(`SELECT 1 FROM ${entity.table} WHERE ${published} LIMIT 1`, params);
  if (a.currentRowCount > 0) return true;
  const live = names.map((n) => `json_extract_string(_data, '$."${n}"') = CAST(? AS VARCHAR)`).join(' AND ');
  const b = await conn.runAndReadAll(
    `SELECT 1 FROM ${realtimeTable(entity.name)} WHERE _valid_until > CAST(? AS TIMESTAMP) AND ${live} LIMIT 1`,
    [duckTime(now), ...params.map((p) => (p === null ? null : String(p)))],
  );
  return b.currentRowCount > 0;
}

const typeOf = (entity: PublishedEntity, name: string) =>
  (entity.attributes.find((a) => a.name === name) as Attribute).type;

export interface RealtimeDeps {
  db: Db;
  dataStore: DataStore;
  clock: Clock;
}

/** Create item: a new record of `entity`, visible to reads until `validUntil`. Returns the stored record. */
export async function createRecord(
  deps: RealtimeDeps,
  instanceId: string,
  entity: PublishedEntity,
  values: RecordValues,
  validUntil: string | undefined,
): Promise<{ id: string; record: RecordValues; validUntil: string }> {
  if (entity.name === profileEntity)
    throw invalid(`profiles are not created in real time; update one with PATCH …/data/${profileEntity}/{key}`);
  if (!isWritable(entity.kind))
    throw invalid(`${entity.name} is computed by Insightflow and takes no items; create items in a source entity`);
  const now = deps.clock.now();
  const until = expiryOf(validUntil, now, defaultCreateValidityMs);
  const record = checkRecord(entity, values);
  for (const k of entity.key)
    if (record[k] === undefined || record[k] === null) throw invalid(`body.${k}: the key attribute is required`);
  const id = newId('rt');
  const keyValues = Object.fromEntries(entity.key.map((k) => [k, record[k] as string | number | boolean]));
  const data = await deps.dataStore.instance(instanceId);
  await data.write(async (conn) => {
    const table = realtimeTable(entity.name);
    await ensureSideTable(conn, table, false);
    if (entity.key.length > 0 && (await keyExists(conn, entity, keyValues, now)))
      throw new AppError(
        'Conflict',
        `${entity.name} already has an item with ${entity.key.join(', ')} ${Object.values(keyValues).join(', ')}`,
      );
    await conn.run(`DELETE FROM ${table} WHERE _valid_until <= CAST(? AS TIMESTAMP)`, [duckTime(now)]);
    await conn.run(`INSERT INTO ${table} VALUES (?, CAST(? AS TIMESTAMP), ?)`, [
      id,
      duckTime(until),
      JSON.stringify(record),
    ]);
  });
  await logRecord(deps, {
    id,
    instanceId,
    entity: entity.name,
    key: Object.values(keyValues).join('|'),
    record,
    now,
    until,
  });
  return { id, record, validUntil: until.toISOString() };
}

/** Update item: real-time values of some fields of the profile `key`, laid over reads until `validUntil`. */
export async function updateProfile(
  deps: RealtimeDeps,
  instanceId: string,
  entity: PublishedEntity,
  key: string,
  values: RecordValues,
  validUntil: string | undefined,
): Promise<{ id: string; fields: RecordValues; validUntil: string }> {
  const keyName = entity.key[0];
  if (entity.key.length !== 1 || keyName === undefined)
    throw invalid(`${entity.name} has no single key attribute; its items cannot be updated`);
  const now = deps.clock.now();
  const until = expiryOf(validUntil, now, defaultUpdateValidityMs);
  const fields = checkRecord(entity, values);
  if (keyName in fields) throw invalid(`body.${keyName}: the key attribute cannot be changed`);
  if (Object.keys(fields).length === 0) throw invalid('body: name at least one attribute to update');
  const id = newId('rt');
  const data = await deps.dataStore.instance(instanceId);
  await data.write(async (conn) => {
    const found = await conn.runAndReadAll(
      `SELECT 1 FROM ${entity.table} WHERE ${quoteIdent(keyName)} = TRY_CAST(? AS ${duckTypeOf(typeOf(entity, keyName))}) LIMIT 1`,
      [key],
    );
    if (found.currentRowCount === 0) throw new AppError('NotFound', `${entity.name} ${key} not found`);
    const table = overlayTable(entity.name);
    await ensureSideTable(conn, table, true);
    await conn.run(`DELETE FROM ${table} WHERE _valid_until <= CAST(? AS TIMESTAMP)`, [duckTime(now)]);
    await conn.run(
      `INSERT INTO ${table} SELECT ?, CAST(TRY_CAST(? AS ${duckTypeOf(typeOf(entity, keyName))}) AS VARCHAR),
         coalesce(max(_seq), 0) + 1, CAST(? AS TIMESTAMP), ? FROM ${table}`,
      [id, key, duckTime(until), JSON.stringify(fields)],
    );
  });
  await logRecord(deps, { id, instanceId, entity: entity.name, key, record: fields, now, until });
  return { id, fields, validUntil: until.toISOString() };
}

async function logRecord(
  deps: RealtimeDeps,
  r: { id: string; instanceId: string; entity: string; key: string; record: RecordValues; now: Date; until: Date },
): Promise<void> {
  await deps.db.run('DELETE FROM realtime_records WHERE instance_id = ? AND entity = ? AND valid_until <= ?', [
    r.instanceId,
    r.entity,
    r.now.toISOString(),
  ]);
  await deps.db.run(
    `INSERT INTO realtime_records (id, instance_id, entity, record_key, data, created_at, valid_until)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [r.id, r.instanceId, r.entity, r.key, toJson(r.record), r.now.toISOString(), r.until.toISOString()],
  );
}
