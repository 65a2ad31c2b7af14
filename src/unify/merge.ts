// The merge step: gives each profile its CustomerId and writes Customer (one row per profile, every unified attribute
// chosen by its merge policy) and ConflationMap (one row per source record, with the rule that joined it).
//
// CustomerId stability: a profile keeps the previous run's CustomerId of its founding record (its most important
// record: first entity in match.order, then lowest key) when that record was in the previous ConflationMap. When
// two profiles' founders shared one previous id (a profile split), the one whose founder founded the old profile
// keeps it. Every other profile gets a new id, "cus_" and a time-ordered UUIDv7 in hex.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Attribute } from '../datastore/schema.ts';
import { quoteIdent } from '../datastore/schema.ts';
import type { UnificationConfig } from './config.ts';
import { policyOf } from './config.ts';
import { sqlString } from '../datastore/schema.ts';

export interface MergeTables {
  /** Records table (see records.ts). */
  recs: string;
  /** Profile of each record that matched something: (_rid, _founder, _rix); absent records found their own profile. */
  assign: string;
  /** Temporary table to create: (_founder, CustomerId). */
  ids: string;
  previousConflationMap?: string | undefined;
  customer: string;
  conflationMap: string;
}

const values = (names: string[]) =>
  names.length ? `(VALUES ${names.map((n, i) => `(${i}, ${sqlString(n)})`).join(', ')})` : `(SELECT 0, '' WHERE false)`;

/** Assigns CustomerIds to profiles (see the file header for the rule). */
export async function assignCustomerIds(conn: DuckDBConnection, t: MergeTables, entities: string[]): Promise<void> {
  const founders = `SELECT r._rid, e.name, r._key FROM ${t.recs} r
    JOIN ${values(entities)} AS e(ent, name) ON e.ent = r._ent
    ANTI JOIN ${t.assign} a ON a._rid = r._rid AND a._founder <> r._rid`;
  const fresh = `'cus_' || replace(CAST(uuidv7() AS VARCHAR), '-', '')`;
  if (!t.previousConflationMap) {
    await conn.run(`CREATE TEMP TABLE ${t.ids} AS SELECT _rid AS _founder, ${fresh} AS CustomerId FROM (${founders})`);
    return;
  }
  await conn.run(`CREATE TEMP TABLE ${t.ids} AS
    WITH f AS (${founders}),
    p AS (SELECT f._rid, CAST(pm.CustomerId AS VARCHAR) AS prev, pm.MatchedBy IS NULL AS founded FROM f
          JOIN ${t.previousConflationMap} pm ON pm.SourceEntity = f.name AND CAST(pm.SourceKey AS VARCHAR) = f._key),
    kept AS (SELECT _rid, prev FROM p QUALIFY row_number() OVER (PARTITION BY prev ORDER BY founded DESC, _rid) = 1)
    SELECT f._rid AS _founder, coalesce(kept.prev, ${fresh}) AS CustomerId FROM f LEFT JOIN kept USING (_rid)`);
}

/** The SQL aggregate choosing one attribute value of a profile by the attribute's merge policy. */
function mergeAggregate(config: UnificationConfig, a: Attribute): string {
  const v = quoteIdent(a.name);
  const p = policyOf(config, a.name);
  const importance = `arg_min(${v}, _rid) FILTER (WHERE ${v} IS NOT NULL)`;
  if (p.policy === 'importance') return importance;
  if (p.policy === 'mostFilled')
    return `arg_max(${v}, {'len': length(CAST(${v} AS VARCHAR)), 'rid': -_rid}) FILTER (WHERE ${v} IS NOT NULL)`;
  const by = quoteIdent(p.by as string);
  const pick =
    p.policy === 'mostRecent'
      ? `arg_max(${v}, {'by': ${by}, 'rid': -_rid})`
      : `arg_min(${v}, {'by': ${by}, 'rid': _rid})`;
  return `coalesce(${pick} FILTER (WHERE ${v} IS NOT NULL AND ${by} IS NOT NULL), ${importance})`;
}

/** Creates the Customer (stored in CustomerId order, so pages walk rowids: datastore/key-order.ts) and ConflationMap
 * tables. */
export async function writeOutputs(
  conn: DuckDBConnection,
  t: MergeTables,
  opts: { config: UnificationConfig; attributes: Attribute[]; entities: string[]; rules: string[] },
): Promise<void> {
  const attrs = opts.attributes.filter((a) => a.name !== 'CustomerId');
  const members = `SELECT r.*, coalesce(a._founder, r._rid) AS _founder, a._rix FROM ${t.recs} r
    LEFT JOIN ${t.assign} a USING (_rid)`;
  await conn.run(`CREATE OR REPLACE TABLE ${t.customer} AS
    SELECT i.CustomerId${attrs.map((a) => `, m.${quoteIdent(a.name)}`).join('')}
    FROM (SELECT _founder${attrs.map((a) => `, ${mergeAggregate(opts.config, a)} AS ${quoteIdent(a.name)}`).join('')}
          FROM (${members}) GROUP BY _founder) m
    JOIN ${t.ids} i USING (_founder)
    ORDER BY i.CustomerId`);
  await conn.run(`CREATE OR REPLACE TABLE ${t.conflationMap} AS
    SELECT i.CustomerId, e.name AS SourceEntity, m._key AS SourceKey, ru.name AS MatchedBy
    FROM (${members}) m
    JOIN ${t.ids} i USING (_founder)
    JOIN ${values(opts.entities)} AS e(ent, name) ON e.ent = m._ent
    LEFT JOIN ${values(opts.rules)} AS ru(_rix, name) ON ru._rix = m._rix`);
}
