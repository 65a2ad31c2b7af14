// The map step: checks each mapped entity's primary key, then gathers every source record into one table of
// records (_rid, _ent, _key, each unified attribute cast to its unified type, and the normalized values the match
// rules compare). Record ids number the records by entity importance, then key, so the lowest id of a profile is
// its most important record.
import type { DuckDBConnection } from '@duckdb/node-api';
import { TaskError } from '../core/errors.ts';
import type { Attribute, EntitySchema } from '../datastore/schema.ts';
import { quoteIdent } from '../datastore/schema.ts';
import { duckTypeOf } from '../datastore/engine.ts';
import type { Normalization, UnificationConfig } from './config.ts';
import { normalizeSql } from './normalize-sql.ts';

export interface SourceTable {
  /** Quoted physical table. */
  table: string;
  schema: EntitySchema;
}

/** One normalized value compared by match conditions: an attribute under a list of normalizations. */
export interface Feature {
  column: string;
  attribute: string;
  normalize: Normalization[];
}

/** The distinct (attribute, normalizations) pairs of the rules, each with the column that will hold it. */
export function featuresOf(config: UnificationConfig): Feature[] {
  const out: Feature[] = [];
  for (const r of config.match.rules)
    for (const c of r.conditions)
      if (!out.some((f) => f.attribute === c.attribute && f.normalize.join() === c.normalize.join()))
        out.push({ column: quoteIdent(`_f${out.length}`), attribute: c.attribute, normalize: c.normalize });
  return out;
}

/** Fails with PrimaryKeyViolation naming up to 10 offending keys per entity when a key is duplicated or null. */
export async function checkPrimaryKeys(
  conn: DuckDBConnection,
  config: UnificationConfig,
  sources: Record<string, SourceTable>,
): Promise<void> {
  const problems: string[] = [];
  for (const m of config.map) {
    const { table } = sources[m.entity] as SourceTable;
    const pk = quoteIdent(m.primaryKey);
    const counts = await conn.runAndReadAll(
      `SELECT count(*) FILTER (WHERE ${pk} IS NULL) AS nulls, count(${pk}) - count(DISTINCT ${pk}) AS extra
       FROM ${table}`,
    );
    const { nulls, extra } = counts.getRowObjectsJS()[0] as { nulls: bigint; extra: bigint };
    if (nulls === 0n && extra === 0n) continue;
    const parts: string[] = [];
    if (extra > 0n) {
      const dups = await conn.runAndReadAll(
        `SELECT CAST(${pk} AS VARCHAR) AS k FROM ${table} WHERE ${pk} IS NOT NULL
         GROUP BY ${pk} HAVING count(*) > 1 ORDER BY k LIMIT 10`,
      );
      const keys = dups.getRowObjectsJS().map((r) => r.k as string);
      const n = await conn.runAndReadAll(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${pk} IS NOT NULL GROUP BY ${pk} HAVING count(*) > 1)`,
      );
      const total = Number(n.getRowObjectsJS()[0]?.n);
      parts.push(
        `${total} duplicate key${total === 1 ? '' : 's'} (${keys.join(', ')}${total > keys.length ? ', …' : ''})`,
      );
    }
    if (nulls > 0n) parts.push(`${nulls} record${nulls === 1n ? '' : 's'} without a key`);
    problems.push(`${m.entity}: ${parts.join(' and ')} in primary key ${m.primaryKey}`);
  }
  if (problems.length)
    throw new TaskError('PrimaryKeyViolation', `${problems.join('; ')}; keys must be unique and non-null`);
}

/** Creates the records table `into` and returns its row count. */
export async function buildRecords(
  conn: DuckDBConnection,
  opts: {
    config: UnificationConfig;
    sources: Record<string, SourceTable>;
    attributes: Attribute[];
    features: Feature[];
    /** Alias lookup table made by createAliasTable. */
    aliasTable: string;
    into: string;
  },
): Promise<number> {
  const { config, attributes } = opts;
  const selects = config.match.order.map((entity, ent) => {
    const m = config.map.find((x) => x.entity === entity);
    if (!m) throw new TaskError('InvalidConfiguration', `entity ${entity} is ordered but not mapped`);
    const byAttr = new Map(Object.entries(m.attributes).map(([col, attr]) => [attr, col]));
    const cols = attributes.map((a) => {
      const col = byAttr.get(a.name);
      const type = duckTypeOf(a.type);
      if (col === undefined) return `CAST(NULL AS ${type}) AS ${quoteIdent(a.name)}`;
      const v = `TRY_CAST(${quoteIdent(col)} AS ${type})`;
      return a.type === 'string'
        ? `CASE WHEN trim(${v}) = '' THEN NULL ELSE ${v} END AS ${quoteIdent(a.name)}`
        : `${v} AS ${quoteIdent(a.name)}`;
    });
    const { table } = opts.sources[entity] as SourceTable;
    return `SELECT CAST(${ent} AS SMALLINT) AS _ent, CAST(${quoteIdent(m.primaryKey)} AS VARCHAR) AS _key, ${cols.join(', ')}
      FROM ${table}`;
  });
  const nopts = { phoneCountry: config.match.phoneCountry, aliasTable: opts.aliasTable };
  const feats = opts.features.map(
    (f) =>
      `NULLIF(${normalizeSql(`CAST(${quoteIdent(f.attribute)} AS VARCHAR)`, f.normalize, nopts)}, '') AS ${f.column}`,
  );
  await conn.run(
    `CREATE TEMP TABLE ${opts.into} AS
     SELECT CAST(row_number() OVER (ORDER BY _ent, _key) - 1 AS INTEGER) AS _rid, *${feats.map((f) => `, ${f}`).join('')}
     FROM (${selects.join(' UNION ALL ')})`,
  );
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${opts.into}`);
  return Number(r.getRowObjectsJS()[0]?.n ?? 0);
}
