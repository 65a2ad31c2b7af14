// SegmentMembershipChanges: who entered and who left each segment at each evaluation. The diff is one SQL pass over
// the previous published SegmentMembership and the job's new one, for all the segments a job evaluated at once; it
// reads both only through their entity shape (SegmentId, SegmentName, CustomerId), so it holds whatever tables sit
// behind them. Changes go into one append-only log table; a version of the entity is a view over the log rows of
// versions up to its own, so publishing a job's changes copies nothing, a job that does not publish leaves nothing
// visible, and rows older than the retention period are deleted from the log.
import type { EntitySchema } from '../datastore/schema.ts';
import { quoteIdent, sqlString } from '../datastore/schema.ts';
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

/** The log behind every version: not a version's backing table, so publishing or dropping a version keeps it. */
export const changesLogTable = quoteIdent(`${changesEntity}__log`);

/** A segment whose changes an evaluation records: its id, its name now, and when it was evaluated. */
export interface EvaluatedSegment {
  id: string;
  name: string;
  evaluatedAt: string;
}

const columns = '"SegmentId", "SegmentName", "CustomerId", "Change", "EvaluatedAt", "JobId"';

/**
 * The statements that record one job's changes as log version `version` and create the entity version `view`:
 * the log (once), removal of rows an unpublished attempt left at this version or later and of rows older than
 * `retainFrom`, the diff of `previous` against `next` for `segments`, and the view.
 */
export function recordChangesSql(o: {
  view: string;
  version: number;
  jobId: string;
  previous: string;
  next: string;
  segments: EvaluatedSegment[];
  retainFrom: Date;
}): CompiledSql[] {
  const log = changesLogTable;
  const out: CompiledSql[] = [
    {
      sql:
        `CREATE TABLE IF NOT EXISTS ${log} ("Version" INTEGER, "SegmentId" VARCHAR, "SegmentName" VARCHAR, ` +
        `"CustomerId" VARCHAR, "Change" VARCHAR, "EvaluatedAt" TIMESTAMP, "JobId" VARCHAR)`,
      params: [],
    },
    { sql: `DELETE FROM ${log} WHERE "Version" >= ?`, params: [o.version] },
    {
      sql: `DELETE FROM ${log} WHERE "EvaluatedAt" < CAST(? AS TIMESTAMP)`,
      params: [o.retainFrom.toISOString().replace('Z', '')],
    },
  ];
  if (o.segments.length > 0) {
    const values = o.segments
      .map(
        (s) =>
          `(${sqlString(s.id)}, ${sqlString(s.name)}, CAST(${sqlString(s.evaluatedAt.replace('Z', ''))} AS TIMESTAMP))`,
      )
      .join(', ');
    const ids = o.segments.map((s) => sqlString(s.id)).join(', ');
    out.push({
      sql:
        `INSERT INTO ${log} SELECT CAST(? AS INTEGER), s.id, s.name, d."CustomerId", d."Change", s.evaluated, ? FROM (` +
        `SELECT coalesce(n."SegmentId", p."SegmentId") AS "SegmentId", coalesce(n."CustomerId", p."CustomerId") AS "CustomerId", ` +
        `CASE WHEN p."CustomerId" IS NULL THEN 'entered' ELSE 'exited' END AS "Change" ` +
        `FROM (SELECT "SegmentId", "CustomerId" FROM ${o.next} WHERE "SegmentId" IN (${ids})) AS n ` +
        `FULL JOIN (SELECT "SegmentId", "CustomerId" FROM ${o.previous} WHERE "SegmentId" IN (${ids})) AS p ` +
        `ON n."SegmentId" = p."SegmentId" AND n."CustomerId" = p."CustomerId" ` +
        `WHERE n."CustomerId" IS NULL OR p."CustomerId" IS NULL) AS d ` +
        `JOIN (VALUES ${values}) AS s(id, name, evaluated) ON s.id = d."SegmentId" ORDER BY d."SegmentId", d."CustomerId"`,
      params: [o.version, o.jobId],
    });
  }
  out.push({
    sql: `CREATE OR REPLACE VIEW ${o.view} AS SELECT ${columns} FROM ${log} WHERE "Version" <= ${Math.trunc(o.version)}`,
    params: [],
  });
  return out;
}

/** Entered and exited counts per segment of log version `version`. */
export const changeCountsSql = (version: number): CompiledSql => ({
  sql:
    `SELECT "SegmentId" AS segment, count(*) FILTER (WHERE "Change" = 'entered') AS entered, ` +
    `count(*) FILTER (WHERE "Change" = 'exited') AS exited FROM ${changesLogTable} WHERE "Version" = ? GROUP BY 1`,
  params: [version],
});

/**
 * The first `limit` changed customers of each kind per segment of log version `version` (CustomerId order), with the
 * row of `customerTable` (the evaluated Customer) where the customer is in it. Columns `__segment`, `__change`,
 * `__customer`, `__found`, then the Customer's.
 */
export function changedProfilesSql(
  version: number,
  limits: Array<{ segmentId: string; limit: number }>,
  customerTable: string,
): CompiledSql {
  const values = limits.map((l) => `(${sqlString(l.segmentId)}, ${Math.trunc(l.limit)})`).join(', ');
  return {
    sql:
      `SELECT l."SegmentId" AS "__segment", l."Change" AS "__change", l."CustomerId" AS "__customer", ` +
      `c."CustomerId" IS NOT NULL AS "__found", c.* FROM (` +
      `SELECT x."SegmentId", x."Change", x."CustomerId" FROM ${changesLogTable} AS x ` +
      `JOIN (VALUES ${values}) AS k(id, n) ON k.id = x."SegmentId" WHERE x."Version" = ? ` +
      `QUALIFY row_number() OVER (PARTITION BY x."SegmentId", x."Change" ORDER BY x."CustomerId") <= k.n) AS l ` +
      `LEFT JOIN ${customerTable} AS c ON c."CustomerId" = l."CustomerId" ORDER BY 1, 2, 3`,
    params: [version],
  };
}
