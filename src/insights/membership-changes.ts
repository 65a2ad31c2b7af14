// SegmentMembershipChanges: who entered and who left each segment at each evaluation. The diff is one SQL pass over
// the previous published SegmentMembership and the job's new one, for all the segments a job evaluated at once: a
// full join of their flags tables on CustomerId (membership.ts), or — for a version whose flags do not name the
// segments, from an earlier release — of their member rows read through the entity shape. Each job's changes become one log part, a table `SegmentMembershipChanges__logN` (N: the version the
// job publishes); a version of the entity is a view over the parts still within the retention period. Parts are
// published once and shared by the versions that read them, on every node (datastore/snapshot-files.ts), so a
// publish writes only the job's own changes, and the history is the same whichever node ran which job. When a
// version would read more than `maxChangesParts` parts, the job merges them into its own part.
import type { EntitySchema } from '../datastore/schema.ts';
import { logPartsRead, quoteIdent, sqlString } from '../datastore/schema.ts';
import type { FlagPlace } from './membership.ts';
import { anyFlagSql } from './membership.ts';
import type { CompiledSql } from './sql.ts';

export const changesEntity = 'SegmentMembershipChanges';

export const membershipChangesSchema: EntitySchema = {
  name: changesEntity,
  kind: 'segmentMembershipChanges',
  attributes: [
    { name: 'SegmentId', type: 'string' },
    { name: 'SegmentName', type: 'string' },
    { name: 'CustomerId', type: 'string' },
    { name: 'Change', type: 'string' },
    { name: 'EvaluatedAt', type: 'timestamp' },
    { name: 'JobId', type: 'string' },
  ],
  key: ['JobId', 'SegmentId', 'CustomerId'],
};

/** Parts a version reads at most; beyond, the job's part takes in the rows of the others. */
export const maxChangesParts = 16;

/** The log part of the job that publishes version `version`. */
export const changesPart = (version: number): string => quoteIdent(`${changesEntity}__log${Math.trunc(version)}`);

/**
 * The log parts a version's view reads, from its definition (`duckdb_views().sql`); undefined when the version is not
 * made of parts — stored as rows (a table), or a view over the single log of earlier releases — and its rows must be
 * copied into the next part.
 */
export function partsOf(viewSql: string | undefined): string[] | undefined {
  if (viewSql === undefined || new RegExp(`\\b${changesEntity}__log\\b`).test(viewSql)) return undefined;
  return logPartsRead(viewSql, changesEntity).map(quoteIdent);
}

/** A segment whose changes an evaluation records: its id, its name now, and when it was evaluated. */
export interface EvaluatedSegment {
  id: string;
  name: string;
  evaluatedAt: string;
}

const columns = '"SegmentId", "SegmentName", "CustomerId", "Change", "EvaluatedAt", "JobId"';
const timestamp = (d: Date | string): string =>
  `CAST(${sqlString((typeof d === 'string' ? d : d.toISOString()).replace('Z', ''))} AS TIMESTAMP)`;

/** One side of a comparison of memberships: a SegmentMembership version, and its flags table (membership.ts) with
 * the place of each segment's flag, when that holds a flag for every compared segment. */
export interface MembershipSide {
  view: string;
  flags?: { table: string; places: Map<string, FlagPlace> } | undefined;
}

/**
 * SELECT of the changes (SegmentId, CustomerId, Change) between two SegmentMembership versions, for segments `ids`.
 * With both flags tables: one pass, a full join on CustomerId of their rows in at least one of the segments, keeping
 * the customers whose flags differ, unfolded per segment. Otherwise through the versions' entity shape: a full join of their member rows.
 */
export function membershipDiffSql(o: { previous: MembershipSide; next: MembershipSide; ids: string[] }): string {
  if (o.previous.flags && o.next.flags) return flagsDiffSql(o.previous.flags, o.next.flags, o.ids);
  const ids = o.ids.map(sqlString).join(', ');
  return (
    `SELECT coalesce(n."SegmentId", p."SegmentId") AS "SegmentId", coalesce(n."CustomerId", p."CustomerId") AS "CustomerId", ` +
    `CASE WHEN p."CustomerId" IS NULL THEN 'entered' ELSE 'exited' END AS "Change" ` +
    `FROM (SELECT "SegmentId", "CustomerId" FROM ${o.next.view} WHERE "SegmentId" IN (${ids})) AS n ` +
    `FULL JOIN (SELECT "SegmentId", "CustomerId" FROM ${o.previous.view} WHERE "SegmentId" IN (${ids})) AS p ` +
    `ON n."SegmentId" = p."SegmentId" AND n."CustomerId" = p."CustomerId" ` +
    `WHERE n."CustomerId" IS NULL OR p."CustomerId" IS NULL`
  );
}

type Flags = NonNullable<MembershipSide['flags']>;

const placesOf = (flags: Flags, ids: string[]): FlagPlace[] => ids.map((id) => flags.places.get(id) as FlagPlace);

/** The rows of a flags table in at least one of the segments: a customer in none on both sides has no change. */
const membersOf = (flags: Flags, ids: string[]): string =>
  `SELECT * FROM ${flags.table} AS f WHERE ${anyFlagSql('f', placesOf(flags, ids))}`;

function flagsDiffSql(previous: Flags, next: Flags, ids: string[]): string {
  const was = (id: string) => `coalesce(${anyFlagSql('p', placesOf(previous, [id]))}, FALSE)`;
  const is = (id: string) => `coalesce(${anyFlagSql('n', placesOf(next, [id]))}, FALSE)`;
  const flags = ids.map((id, i) => `${is(id)} AS n${i}, ${was(id)} AS p${i}`).join(', ');
  const differ = ids.map((id) => `${is(id)} <> ${was(id)}`).join(' OR ');
  const unfold = ids.map(
    (id, i) =>
      `SELECT ${sqlString(id)} AS "SegmentId", "CustomerId", CASE WHEN n${i} THEN 'entered' ELSE 'exited' END AS "Change" ` +
      `FROM x WHERE n${i} <> p${i}`,
  );
  return (
    `WITH x AS MATERIALIZED (SELECT coalesce(n."CustomerId", p."CustomerId") AS "CustomerId", ${flags} ` +
    `FROM (${membersOf(next, ids)}) AS n FULL JOIN (${membersOf(previous, ids)}) AS p ` +
    `ON n."CustomerId" = p."CustomerId" WHERE ${differ}) ` +
    unfold.join(' UNION ALL ')
  );
}

/**
 * CREATE of one job's log part: the changes of `segments` between `previous` and `next` (none without segments),
 * and the rows within retention of `merge` (parts, or a version not made of parts), in key order.
 */
export function changesPartSql(o: {
  part: string;
  jobId: string;
  previous: MembershipSide;
  next: MembershipSide;
  segments: EvaluatedSegment[];
  merge: string[];
  retainFrom: Date;
}): CompiledSql {
  const branches: string[] = [];
  const params: unknown[] = [];
  if (o.segments.length > 0) {
    const values = o.segments
      .map((s) => `(${sqlString(s.id)}, ${sqlString(s.name)}, ${timestamp(s.evaluatedAt)})`)
      .join(', ');
    const diff = membershipDiffSql({ previous: o.previous, next: o.next, ids: o.segments.map((s) => s.id) });
    branches.push(
      `SELECT s.id AS "SegmentId", s.name AS "SegmentName", d."CustomerId", d."Change", s.evaluated AS "EvaluatedAt", ` +
        `CAST(? AS VARCHAR) AS "JobId" FROM (${diff}) AS d JOIN (VALUES ${values}) AS s(id, name, evaluated) ON s.id = d."SegmentId"`,
    );
    params.push(o.jobId);
  }
  for (const m of o.merge)
    branches.push(`SELECT ${columns} FROM ${m} WHERE "EvaluatedAt" >= ${timestamp(o.retainFrom)}`);
  if (branches.length === 0)
    branches.push(
      'SELECT CAST(NULL AS VARCHAR) AS "SegmentId", CAST(NULL AS VARCHAR) AS "SegmentName", ' +
        'CAST(NULL AS VARCHAR) AS "CustomerId", CAST(NULL AS VARCHAR) AS "Change", CAST(NULL AS TIMESTAMP) AS "EvaluatedAt", ' +
        'CAST(NULL AS VARCHAR) AS "JobId" WHERE FALSE',
    );
  return {
    sql:
      `CREATE OR REPLACE TABLE ${o.part} AS SELECT ${columns} FROM (${branches.join(' UNION ALL ')}) ` +
      `ORDER BY "JobId", "SegmentId", "CustomerId"`,
    params,
  };
}

/** CREATE VIEW of a version over its parts, showing the rows within retention. */
export function changesViewSql(view: string, parts: string[], retainFrom: Date): string {
  const body =
    parts.length > 0
      ? `SELECT ${columns} FROM (${parts.map((p) => `SELECT ${columns} FROM ${p}`).join(' UNION ALL ')}) ` +
        `WHERE "EvaluatedAt" >= ${timestamp(retainFrom)}`
      : 'SELECT CAST(NULL AS VARCHAR) AS "SegmentId", CAST(NULL AS VARCHAR) AS "SegmentName", ' +
        'CAST(NULL AS VARCHAR) AS "CustomerId", CAST(NULL AS VARCHAR) AS "Change", ' +
        'CAST(NULL AS TIMESTAMP) AS "EvaluatedAt", CAST(NULL AS VARCHAR) AS "JobId" WHERE FALSE';
  return `CREATE OR REPLACE VIEW ${view} AS ${body}`;
}

/** The parts among `parts` that hold a change within retention (column part). */
export const livePartsSql = (parts: string[], retainFrom: Date): string =>
  parts
    .map((p) => `SELECT ${sqlString(p)} AS part FROM ${p} WHERE "EvaluatedAt" >= ${timestamp(retainFrom)} LIMIT 1`)
    .map((q) => `(${q})`)
    .join(' UNION ALL ');

/** Entered and exited counts per segment of a job's changes in its part. */
export const changeCountsSql = (part: string, jobId: string): CompiledSql => ({
  sql:
    `SELECT "SegmentId" AS segment, count(*) FILTER (WHERE "Change" = 'entered') AS entered, ` +
    `count(*) FILTER (WHERE "Change" = 'exited') AS exited FROM ${part} WHERE "JobId" = ? GROUP BY 1`,
  params: [jobId],
});

/**
 * The first `limit` changed customers of each kind per segment of a job's changes in its part (CustomerId order),
 * with the row of `customerTable` (the evaluated Customer) where the customer is in it. Columns `__segment`,
 * `__change`, `__customer`, `__found`, then the Customer's.
 */
export function changedProfilesSql(
  part: string,
  jobId: string,
  limits: Array<{ segmentId: string; limit: number }>,
  customerTable: string,
): CompiledSql {
  const values = limits.map((l) => `(${sqlString(l.segmentId)}, ${Math.trunc(l.limit)})`).join(', ');
  return {
    sql:
      `SELECT l."SegmentId" AS "__segment", l."Change" AS "__change", l."CustomerId" AS "__customer", ` +
      `c."CustomerId" IS NOT NULL AS "__found", c.* FROM (` +
      `SELECT x."SegmentId", x."Change", x."CustomerId" FROM ${part} AS x ` +
      `JOIN (VALUES ${values}) AS k(id, n) ON k.id = x."SegmentId" WHERE x."JobId" = ? ` +
      `QUALIFY row_number() OVER (PARTITION BY x."SegmentId", x."Change" ORDER BY x."CustomerId") <= k.n) AS l ` +
      `LEFT JOIN ${customerTable} AS c ON c."CustomerId" = l."CustomerId" ORDER BY 1, 2, 3`,
    params: [jobId],
  };
}
