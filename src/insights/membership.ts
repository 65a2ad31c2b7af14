// The storage of a SegmentMembership version (ADR 0008): a flags table — CustomerId and one BOOLEAN column per segment
// of the version, written by one scan (segment-engine.ts) — and the entity version itself, a view that unfolds it into
// rows (SegmentId, SegmentName, CustomerId), one UNION ALL branch per segment, so a read filtered by SegmentName or
// SegmentId reads one column. Writing a million booleans per segment costs a fraction of writing member rows.
//
// A flags column is named by its segment's id, so a flags table says which segments it holds on any node (its
// Parquet copy too). The seam for steps that compare memberships (entered/exited customers): `flags` of two versions
// joined on CustomerId compare every segment in one pass; any version, whatever its storage, reads as the view.
import { backingName, quoteIdent, sqlString } from '../datastore/schema.ts';

export interface MembershipLayout {
  /** The entity version: a view (SegmentId, SegmentName, CustomerId). */
  view: string;
  /** CustomerId, then one BOOLEAN column per segment, named by its id (flagColumn). */
  flags: string;
  /** Every segment the version holds, in SegmentId order. */
  segments: Array<{ id: string; name: string }>;
}

export function membershipLayout(view: string, segments: Array<{ id: string; name: string }>): MembershipLayout {
  const sorted = [...segments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { view, flags: backingName(view, 'flags'), segments: sorted };
}

/** The flags column of a segment: its id. */
export const flagColumn = (segmentId: string): string => quoteIdent(segmentId);

/** CREATE VIEW of the version over its flags table. */
export function membershipViewSql(layout: MembershipLayout): string {
  const branches = layout.segments.map(
    (s) =>
      `SELECT ${sqlString(s.id)} AS "SegmentId", ${sqlString(s.name)} AS "SegmentName", f."CustomerId" ` +
      `FROM ${layout.flags} AS f WHERE f.${flagColumn(s.id)}`,
  );
  const body =
    branches.length > 0
      ? branches.join(' UNION ALL ')
      : 'SELECT CAST(NULL AS VARCHAR) AS "SegmentId", CAST(NULL AS VARCHAR) AS "SegmentName", ' +
        'CAST(NULL AS VARCHAR) AS "CustomerId" WHERE FALSE';
  return `CREATE OR REPLACE VIEW ${layout.view} AS ${body}`;
}

/** SELECT of each segment's member count, one row with columns s0, s1 …; undefined without segments. */
export function memberCountsSql(layout: MembershipLayout): string | undefined {
  if (layout.segments.length === 0) return undefined;
  const counts = layout.segments.map((s, ix) => `count_if(${flagColumn(s.id)}) AS ${quoteIdent(`s${ix}`)}`);
  return `SELECT ${counts.join(', ')} FROM ${layout.flags}`;
}
