// What a read of an entity reads: its published table, plus the live real-time data while any is unexpired.
// Real-time records live in DuckDB side tables beside the entity (the control store's realtime_records says which
// entities have unexpired ones, so reads of entities without live data touch the published table only):
//   "<Entity>__realtime"   records created by "Create item", appended to the entity's rows (UNION ALL);
//   "Customer__overlay"    field values set by "Update item", laid over the profile with the same CustomerId.
// Both keep the values as JSON, so a republished entity with other attributes still reads them (missing → null).
// The result is one table expression, so filters, ordering and keyset paging treat live rows like any other.
import type { Attribute, PublishedEntity } from '../datastore/index.ts';
import { duckTypeOf, quoteIdent, sqlString } from '../datastore/index.ts';
import type { Db } from '../store/index.ts';

export const realtimeTable = (entity: string): string => quoteIdent(`${entity}__realtime`);
export const overlayTable = (entity: string): string => quoteIdent(`${entity}__overlay`);

/** rowid offset of live records of entities without a key, so their rowids never meet published ones. */
const liveRowidBase = 2n ** 62n;

const jsonPath = (name: string): string => sqlString(`$."${name.replaceAll('"', '\\"')}"`);
const timestampLiteral = (d: Date): string =>
  `TIMESTAMP ${sqlString(d.toISOString().replace('T', ' ').replace('Z', ''))}`;
const fromJson = (a: Attribute, column = '_data'): string =>
  `TRY_CAST(json_extract_string(${column}, ${jsonPath(a.name)}) AS ${duckTypeOf(a.type)})`;

/** The entity whose real-time data overlays its rows (Update item); every other entity gets appended records. */
export const profileEntity = 'Customer';

export interface LiveState {
  created: boolean;
  overlay: boolean;
}

/** Which kind of unexpired real-time data an entity has (one indexed control-store query). */
export async function liveState(db: Db, instanceId: string, entity: string, now: Date): Promise<LiveState> {
  const row = await db.get(
    'SELECT 1 AS one FROM realtime_records WHERE instance_id = ? AND entity = ? AND valid_until > ? LIMIT 1',
    [instanceId, entity, now.toISOString()],
  );
  const live = row !== undefined;
  return { created: live && entity !== profileEntity, overlay: live && entity === profileEntity };
}

/** The entity to hand to the OData compiler: `table` becomes a table expression including live data. */
export function withLiveData(entity: PublishedEntity, live: LiveState, now: Date): PublishedEntity {
  if (!live.created && !live.overlay) return entity;
  const until = `_valid_until > ${timestampLiteral(now)}`;
  const cols = entity.attributes.map((a) => quoteIdent(a.name));
  const noKey = entity.key.length === 0;
  let source = noKey ? `(SELECT *, rowid AS rowid FROM ${entity.table})` : entity.table;
  if (live.overlay && entity.key.length === 1) source = overlaid(entity, source, until);
  if (live.created) {
    const liveCols = entity.attributes.map((a) => `${fromJson(a)} AS ${quoteIdent(a.name)}`);
    if (noKey) liveCols.push(`${liveRowidBase} + rowid AS rowid`);
    const base = noKey ? [...cols, 'rowid'] : cols;
    source = `(SELECT ${base.join(', ')} FROM ${source} AS p UNION ALL SELECT ${liveCols.join(', ')} FROM ${realtimeTable(entity.name)} WHERE ${until})`;
  }
  return { ...entity, table: source };
}

/** Published rows with the latest unexpired overlay value of each field set for their key. */
function overlaid(entity: PublishedEntity, source: string, until: string): string {
  const key = entity.key[0] as string;
  const fields = entity.attributes.filter((a) => a.name !== key);
  if (fields.length === 0) return source;
  const aggs = fields.flatMap((a, i) => [
    `arg_max_null(json_extract_string(_data, ${jsonPath(a.name)}), _seq) FILTER (WHERE json_exists(_data, ${jsonPath(a.name)})) AS v${i}`,
    `bool_or(json_exists(_data, ${jsonPath(a.name)})) AS s${i}`,
  ]);
  const cols = entity.attributes.map((a) => {
    const i = fields.indexOf(a);
    if (i < 0) return `c.${quoteIdent(a.name)}`;
    return `CASE WHEN o.s${i} THEN TRY_CAST(o.v${i} AS ${duckTypeOf(a.type)}) ELSE c.${quoteIdent(a.name)} END AS ${quoteIdent(a.name)}`;
  });
  const agg = `SELECT _key, ${aggs.join(', ')} FROM ${overlayTable(entity.name)} WHERE ${until} GROUP BY _key`;
  return `(SELECT ${cols.join(', ')} FROM ${source} AS c LEFT JOIN (${agg}) AS o ON CAST(c.${quoteIdent(key)} AS VARCHAR) = o._key)`;
}
