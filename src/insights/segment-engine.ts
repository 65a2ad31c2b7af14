// The one-scan segment engine: every segment a job evaluates becomes a boolean column of one statement that reads
// Customer once. any/all over a related entity whose condition reads only the related row is aggregated per customer
// once per entity (one GROUP BY for all such conditions) and joined once; IsMemberOfSegment of a segment evaluated in
// the same statement reads that segment's column from an inner layer (segments are layered in dependency order), and
// of a segment kept from the previous version reads a column joined from it. The result is the version's flags table,
// one row per customer and one bit per segment, which the SegmentMembership view unfolds (membership.ts).
import { AppError } from '../core/errors.ts';
import type { HoistedLambda } from '../datastore/odata/index.ts';
import { compileFilter } from '../datastore/odata/index.ts';
import { quoteIdent, sqlString } from '../datastore/schema.ts';
import type { InsightsScope, ScopedEntity } from './links.ts';
import { relatedEntities } from './links.ts';
import type { MembershipLayout } from './membership.ts';
import { packedFlagsSql } from './membership.ts';
import { referencedSegments } from './references.ts';
import { evaluationOrder } from './segments.ts';
import type { CompiledSql } from './sql.ts';

export interface EngineSegment {
  id: string;
  name: string;
  query: string;
}

export interface SegmentScan {
  /** CREATE TABLE of the flags table, with its parameters. */
  statement: CompiledSql;
  /** Segments whose query no longer fits Customer, by id (their column is FALSE). */
  invalid: Map<string, AppError>;
}

/** Column names inside the statement; the prefix keeps them apart from Customer's attributes. */
const flag = (ix: number) => quoteIdent(`__if_s${ix}`);
const lifted = (ix: number) => quoteIdent(`__if_h${ix}`);

interface Lifted {
  nav: string;
  table: string;
  aggregate: string;
  /** The related rows that can change the answer: those meeting an any() condition, those failing an all() one. */
  telling: string;
}

/**
 * The statement that creates `layout.flags`: CustomerId and one bit per segment of the layout, those in
 * `evaluate` from their queries, the others kept from `previous` (a SegmentMembership version) by CustomerId.
 */
export function segmentScanSql(input: {
  layout: MembershipLayout;
  customer: ScopedEntity;
  scope: InsightsScope;
  evaluate: EngineSegment[];
  previous: string | undefined;
}): SegmentScan {
  const { layout, customer, scope } = input;
  const ixOf = new Map(layout.segments.map((s, i) => [s.id, i]));
  const evaluated = new Set(input.evaluate.map((s) => s.id));
  const params: unknown[] = [];
  const invalid = new Map<string, AppError>();
  const liftedCols: Lifted[] = [];
  const hoist = (h: HoistedLambda): string => {
    const ix = liftedCols.length;
    const cond = h.body === null ? 'TRUE' : `coalesce(${h.body}, FALSE)`;
    const any = h.kind === 'any';
    liftedCols.push({
      nav: h.nav,
      table: h.related.table,
      aggregate: `bool_${any ? 'or' : 'and'}(${cond})`,
      telling: any ? cond : `NOT ${cond}`,
    });
    return `coalesce(t.${lifted(ix)}, ${any ? 'FALSE' : 'TRUE'})`;
  };
  // Levels in evaluation order: a segment sits one layer above the evaluated segments it refers to; a reference to
  // a segment evaluated later (a cycle) is false, as when segments were evaluated one after the other.
  const level = new Map<string, number>();
  const byName = new Map(layout.segments.map((s) => [s.name, s]));
  const layers: string[][] = [];
  for (const seg of evaluationOrder(input.evaluate)) {
    const ix = ixOf.get(seg.id) as number;
    const deps = referencedSegments(seg.query).map((n) => byName.get(n)?.id);
    const l = 1 + Math.max(0, ...deps.map((id) => (id !== undefined ? (level.get(id) ?? 0) : 0)));
    const segmentColumn = (name: string): string | undefined => {
      const id = byName.get(name)?.id;
      // Saving refuses unknown names, so only a definition stored by an earlier version gets here: its segment fails
      // alone, rather than counting an unknown segment as empty.
      if (id === undefined) throw new AppError('InvalidQuery', `IsMemberOfSegment names no segment "${name}"`);
      if (evaluated.has(id) && !level.has(id)) return undefined;
      return `t.${flag(ixOf.get(id) as number)}`;
    };
    let sql = 'FALSE';
    try {
      const opts = { alias: 't', params, hoist, segmentColumn, related: relatedEntities(scope) };
      sql = `coalesce(${compileFilter(seg.query, customer, opts).sql}, FALSE)`;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      invalid.set(seg.id, err);
    }
    level.set(seg.id, l);
    (layers[l - 1] ??= []).push(`${sql} AS ${flag(ix)}`);
  }
  const kept = layout.segments.flatMap((s, ix) => (evaluated.has(s.id) ? [] : [{ id: s.id, ix }]));
  return { statement: { sql: statementSql(layout.flags, input, liftedCols, kept, layers), params }, invalid };
}

function statementSql(
  target: string,
  input: { customer: ScopedEntity; previous: string | undefined; layout: MembershipLayout },
  liftedCols: Lifted[],
  kept: Array<{ id: string; ix: number }>,
  layers: string[][],
): string {
  const cols: string[] = ['t.*'];
  const joins: string[] = [];
  const navs = [...new Set(liftedCols.map((c) => c.nav))];
  navs.forEach((nav, n) => {
    const mine = liftedCols.flatMap((c, ix) => (c.nav === nav ? [{ ...c, ix }] : []));
    const aggs = mine.map((c) => `${c.aggregate} AS ${lifted(c.ix)}`);
    // Customers without telling rows get null: any() false, all() true (coalesce in hoist).
    const where = mine.map((c) => `(${c.telling})`).join(' OR ');
    joins.push(
      `LEFT JOIN (SELECT r."__CustomerId", ${aggs.join(', ')} FROM ${(mine[0] as Lifted).table} AS r WHERE ${where} ` +
        `GROUP BY 1) AS a${n} ON a${n}."__CustomerId" = t."CustomerId"`,
    );
    cols.push(...mine.map((c) => `a${n}.${lifted(c.ix)}`));
  });
  if (kept.length > 0 && input.previous) {
    const aggs = kept.map((k) => `bool_or(p."SegmentId" = ${sqlString(k.id)}) AS ${flag(k.ix)}`);
    joins.push(
      `LEFT JOIN (SELECT p."CustomerId", ${aggs.join(', ')} FROM ${input.previous} AS p WHERE p."SegmentId" IN ` +
        `(${kept.map((k) => sqlString(k.id)).join(', ')}) GROUP BY 1) AS k ON k."CustomerId" = t."CustomerId"`,
    );
  }
  cols.push(...kept.map((k) => `coalesce(${input.previous ? `k.${flag(k.ix)}` : 'NULL'}, FALSE) AS ${flag(k.ix)}`));
  let from = `(SELECT ${cols.join(', ')} FROM ${input.customer.table} AS t ${joins.join(' ')})`;
  for (const layer of layers) from = `(SELECT t.*, ${layer.join(', ')} FROM ${from} AS t)`;
  const out = packedFlagsSql(input.layout, (ix) => `t.${flag(ix)}`);
  return `CREATE OR REPLACE TABLE ${target} AS SELECT t."CustomerId"${out.map((o) => `, ${o}`).join('')} FROM ${from} AS t`;
}
