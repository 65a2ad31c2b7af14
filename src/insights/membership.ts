// The storage of a SegmentMembership version (ADR 0008, packed by ADR 0137): a flags table — CustomerId and one bit per
// segment of the version, 64 segments to a UBIGINT column, written by one scan (segment-engine.ts) — and the entity
// version itself, a view that unfolds it into rows (SegmentId, SegmentName, CustomerId), one UNION ALL branch per
// segment, so a read filtered by SegmentName or SegmentId tests one bit. Writing two integers per customer costs a
// fraction of writing a hundred booleans, let alone member rows.
//
// A flags column is named by the ids of its segments, in bit order, separated by spaces, so a flags table says which
// segments it holds on any node (its Parquet copy too). Versions written before ADR 0137 hold one BOOLEAN column per
// segment, named by its id; flagPlaces reads both. The seam for steps that compare memberships (entered/exited
// customers): `flags` of two versions joined on CustomerId compare every segment in one pass; any version, whatever
// its storage, reads as the view.
import { backingName, quoteIdent, sqlString } from '../datastore/schema.ts';

export interface MembershipLayout {
  /** The entity version: a view (SegmentId, SegmentName, CustomerId). */
  view: string;
  /** CustomerId, then one UBIGINT column per 64 segments (flagPlaces). */
  flags: string;
  /** Every segment the version holds, in SegmentId order. */
  segments: Array<{ id: string; name: string }>;
}

/** Where a segment's flag is in a flags table: bit `bit` of a UBIGINT column, or (bit null) a BOOLEAN column. */
export interface FlagPlace {
  /** The column's name, unquoted. */
  column: string;
  bit: number | null;
}

/** Segments per flags column: the bits of a UBIGINT. */
const wordBits = 64;

export function membershipLayout(view: string, segments: Array<{ id: string; name: string }>): MembershipLayout {
  const sorted = [...segments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { view, flags: backingName(view, 'flags'), segments: sorted };
}

/** The flags columns of a layout: the ids of each column's segments, in bit order. */
const layoutWords = (layout: MembershipLayout): string[][] =>
  Array.from({ length: Math.ceil(layout.segments.length / wordBits) }, (_, w) =>
    layout.segments.slice(w * wordBits, (w + 1) * wordBits).map((s) => s.id),
  );

/** The place of each segment of a layout, in SegmentId order. */
export const layoutPlaces = (layout: MembershipLayout): FlagPlace[] =>
  layoutWords(layout).flatMap((ids) => ids.map((_, bit) => ({ column: ids.join(' '), bit })));

/** The places of the segments a flags table holds, by segment id, from its columns (name, DuckDB type). */
export function flagPlaces(columns: Array<{ name: string; type: string }>): Map<string, FlagPlace> {
  const places = new Map<string, FlagPlace>();
  for (const c of columns) {
    if (c.type === 'BOOLEAN') places.set(c.name, { column: c.name, bit: null });
    else if (c.type === 'UBIGINT') c.name.split(' ').forEach((id, bit) => places.set(id, { column: c.name, bit }));
  }
  return places;
}

const mask = (bits: number[]): string =>
  `CAST(${bits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString()} AS UBIGINT)`;

/** TRUE where any of the flags at `places` is set (NULL for a row that is NULL), on the row aliased `alias`. */
export function anyFlagSql(alias: string, places: FlagPlace[]): string {
  const byColumn = new Map<string, number[]>();
  const tests: string[] = [];
  for (const p of places) {
    if (p.bit === null) tests.push(`${alias}.${quoteIdent(p.column)}`);
    else byColumn.set(p.column, [...(byColumn.get(p.column) ?? []), p.bit]);
  }
  for (const [column, bits] of byColumn) tests.push(`(${alias}.${quoteIdent(column)} & ${mask(bits)}) <> 0`);
  return tests.length === 0 ? 'FALSE' : tests.map((t) => `(${t})`).join(' OR ');
}

/** The SELECT list of a layout's flags columns, each segment's flag given as a non-null BOOLEAN by `flagOf`. */
export function packedFlagsSql(layout: MembershipLayout, flagOf: (segmentIx: number) => string): string[] {
  return layoutWords(layout).map((ids, w) => {
    const bits = ids.map((_, bit) => `(CAST(${flagOf(w * wordBits + bit)} AS UBIGINT) << ${bit})`);
    return `(${bits.join(' | ')}) AS ${quoteIdent(ids.join(' '))}`;
  });
}

/** CREATE VIEW of the version over its flags table. */
export function membershipViewSql(layout: MembershipLayout): string {
  const places = layoutPlaces(layout);
  const branches = layout.segments.map(
    (s, ix) =>
      `SELECT ${sqlString(s.id)} AS "SegmentId", ${sqlString(s.name)} AS "SegmentName", f."CustomerId" ` +
      `FROM ${layout.flags} AS f WHERE ${anyFlagSql('f', [places[ix] as FlagPlace])}`,
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
  const counts = layoutPlaces(layout).map((p, ix) => `count_if(${anyFlagSql('f', [p])}) AS ${quoteIdent(`s${ix}`)}`);
  return `SELECT ${counts.join(', ')} FROM ${layout.flags} AS f`;
}
