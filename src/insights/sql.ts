// The DuckDB SQL of segment and measure evaluation, built from definitions and a scope. Pure string building (values
// bound as parameters, identifiers quoted from schemas), so the benchmark runs exactly this SQL on bare DuckDB too.
import { compileFilter } from '../datastore/odata/index.ts';
import type { FilterOptions } from '../datastore/odata/index.ts';
import type { Attribute } from '../datastore/schema.ts';
import { backingName, quoteIdent, sqlString } from '../datastore/schema.ts';
import type { CustomerLink, InsightsScope, ScopedEntity } from './links.ts';
import { customerLink, linkedTable, relatedEntities } from './links.ts';
import type { Aggregation, MeasureDefinition } from './model.ts';

export interface CompiledSql {
  sql: string;
  params: unknown[];
}

/** Filter options over `table`: IsMemberOfSegment tests rowids when the job's compact membership indexes that table. */
export const filterOptions = (scope: InsightsScope, table?: string): FilterOptions => ({
  alias: 't',
  membershipTable: scope.membershipTable,
  compactMembership:
    table !== undefined && scope.compactMembership?.customerTable === table ? scope.compactMembership : undefined,
  related: relatedEntities(scope),
});

/** The tables of one SegmentMembership version: the view readers see, and the compact tables behind it. */
export interface MembershipTables {
  /** The entity version: a view (SegmentId, SegmentName, CustomerId) over the three tables below. */
  view: string;
  /** SegmentIx SMALLINT, CustomerIx INTEGER: one row per membership. */
  members: string;
  /** SegmentIx, SegmentId, SegmentName of every segment the version holds. */
  segments: string;
  /** CustomerIx (the rowid of the Customer table evaluated), CustomerId: the view needs no Customer table. */
  customers: string;
}

export const membershipTables = (view: string): MembershipTables => ({
  view,
  members: backingName(view, 'members'),
  segments: backingName(view, 'segments'),
  customers: backingName(view, 'customers'),
});

/**
 * Creates a SegmentMembership version over `customerTable`: its segments (SegmentIx in SegmentId order), its
 * customers, the previous members of the segments kept (by CustomerId, so customers gone are dropped) and the view.
 */
export function membershipTablesSql(
  t: MembershipTables,
  customerTable: string,
  segments: Array<{ id: string; name: string }>,
  previous: { table: string; keep: string[] } | undefined,
): string[] {
  const out = [
    `CREATE TABLE ${t.segments} ("SegmentIx" SMALLINT, "SegmentId" VARCHAR, "SegmentName" VARCHAR)`,
    `CREATE TABLE ${t.customers} AS SELECT CAST(c.rowid AS INTEGER) AS "CustomerIx", c."CustomerId" FROM ${customerTable} AS c`,
    `CREATE TABLE ${t.members} ("SegmentIx" SMALLINT, "CustomerIx" INTEGER)`,
  ];
  if (segments.length > 0) {
    const values = segments.map((s) => `(${sqlString(s.id)}, ${sqlString(s.name)})`).join(', ');
    out.push(
      `INSERT INTO ${t.segments} SELECT CAST(row_number() OVER (ORDER BY k.id) - 1 AS SMALLINT), k.id, k.name ` +
        `FROM (VALUES ${values}) AS k(id, name)`,
    );
  }
  if (previous && previous.keep.length > 0)
    out.push(
      `INSERT INTO ${t.members} SELECT s."SegmentIx", c."CustomerIx" FROM ${previous.table} AS p ` +
        `JOIN ${t.segments} AS s ON s."SegmentId" = p."SegmentId" JOIN ${t.customers} AS c ON c."CustomerId" = p."CustomerId" ` +
        `WHERE p."SegmentId" IN (${previous.keep.map(sqlString).join(', ')})`,
    );
  out.push(
    `CREATE VIEW ${t.view} AS SELECT s."SegmentId", s."SegmentName", c."CustomerId" FROM ${t.members} AS m ` +
      `JOIN ${t.segments} AS s ON s."SegmentIx" = m."SegmentIx" JOIN ${t.customers} AS c ON c."CustomerIx" = m."CustomerIx"`,
  );
  return out;
}

/** The SegmentIx of a segment in a version's segments table, added (with the next index) when missing. */
export function segmentIndexSql(t: MembershipTables, segment: { id: string; name: string }): CompiledSql[] {
  return [
    {
      sql:
        `INSERT INTO ${t.segments} SELECT CAST(coalesce(max("SegmentIx") + 1, 0) AS SMALLINT), ?, ? FROM ${t.segments} ` +
        `HAVING count(*) FILTER (WHERE "SegmentId" = ?) = 0`,
      params: [segment.id, segment.name, segment.id],
    },
    { sql: `UPDATE ${t.segments} SET "SegmentName" = ? WHERE "SegmentId" = ?`, params: [segment.name, segment.id] },
    { sql: `SELECT "SegmentIx" AS ix FROM ${t.segments} WHERE "SegmentId" = ?`, params: [segment.id] },
  ];
}

/** SELECT of a segment's members (SegmentIx, CustomerIx = rowid of Customer); throws InvalidQuery for a bad query. */
export function segmentMembersSql(
  segmentIx: number,
  query: string,
  customer: ScopedEntity,
  scope: InsightsScope,
): CompiledSql {
  const filter = compileFilter(query, customer, filterOptions(scope, customer.table));
  return {
    sql:
      'SELECT CAST(? AS SMALLINT) AS "SegmentIx", CAST(t.rowid AS INTEGER) AS "CustomerIx" ' +
      `FROM ${customer.table} AS t WHERE ${filter.sql}`,
    params: [segmentIx, ...filter.params],
  };
}

const isCount = (a: Aggregation) => a === 'count' || a === 'countDistinct';
/** Aggregations whose value over no rows is 0 rather than null. */
export const zeroWhenEmpty = (a: Aggregation): boolean => isCount(a) || a === 'sum';

function aggregateSql(a: Aggregation, column: string | null): string {
  const of = column ?? '*';
  const inner = {
    sum: `sum(${of})`,
    avg: `avg(${of})`,
    count: `count(${of})`,
    countDistinct: `count(DISTINCT ${of})`,
    min: `min(${of})`,
    max: `max(${of})`,
  }[a];
  const value = zeroWhenEmpty(a) ? `coalesce(${inner}, 0)` : inner;
  return `CAST(${value} AS ${isCount(a) ? 'BIGINT' : 'DOUBLE'})`;
}

/** The entity a measure aggregates, from the scope. */
export function measureEntity(def: MeasureDefinition, scope: InsightsScope): ScopedEntity | undefined {
  return def.entity === 'Customer' ? scope.customer : scope.entities.get(def.entity);
}

function attributeOf(entity: ScopedEntity, name: string | null): Attribute | null {
  if (name === null) return null;
  const a = entity.attributes.find((x) => x.name === name);
  if (!a) throw new Error(`unknown attribute '${name}' of ${entity.name}`);
  return a;
}

/**
 * A business measure's SELECT: one row with "value", or one row per dimension value ("d0", "d1" … then "value").
 * Throws InvalidQuery for a bad filter.
 */
export function businessMeasureSql(def: MeasureDefinition, entity: ScopedEntity, scope: InsightsScope): CompiledSql {
  const attr = attributeOf(entity, def.attribute);
  const agg = aggregateSql(def.aggregation, attr ? `t.${quoteIdent(attr.name)}` : null);
  const filter = def.filter ? compileFilter(def.filter, entity, filterOptions(scope, entity.table)) : null;
  const where = filter ? ` WHERE ${filter.sql}` : '';
  const dims = def.dimensions.map((d, i) => `t.${quoteIdent((attributeOf(entity, d) as Attribute).name)} AS "d${i}"`);
  const params = filter?.params ?? [];
  if (dims.length === 0) return { sql: `SELECT ${agg} AS "value" FROM ${entity.table} AS t${where}`, params };
  const order = def.dimensions.map((_, i) => `"d${i}" NULLS LAST`).join(', ');
  return {
    sql: `SELECT ${dims.join(', ')}, ${agg} AS "value" FROM ${entity.table} AS t${where} GROUP BY ALL ORDER BY ${order}`,
    params,
  };
}

/** A customer measure's SELECT: "CustomerId", "value" for every customer the entity's rows reach. */
export function customerMeasureSql(
  def: MeasureDefinition,
  entity: ScopedEntity,
  link: CustomerLink,
  scope: InsightsScope,
): CompiledSql {
  const attr = attributeOf(entity, def.attribute);
  const agg = aggregateSql(def.aggregation, attr ? `t.${quoteIdent(attr.name)}` : null);
  const filter = def.filter ? compileFilter(def.filter, entity, filterOptions(scope)) : null;
  const source = linkedTable(entity.table, link, scope.conflationTable);
  return {
    sql: `SELECT t."__CustomerId" AS "CustomerId", ${agg} AS "value" FROM ${source} AS t${filter ? ` WHERE ${filter.sql}` : ''} GROUP BY 1`,
    params: filter?.params ?? [],
  };
}

/** The link of a customer measure, or the reason it has none. */
export const measureLink = (def: MeasureDefinition, entity: ScopedEntity, scope: InsightsScope) =>
  customerLink(entity, scope.mapped, def.link);

/** Stores a customer measure's values by CustomerIx (the rowid of Customer; null for CustomerIds not in it). */
export function customerValuesTableSql(target: string, customerTable: string, values: CompiledSql): CompiledSql {
  return {
    sql:
      `CREATE TABLE ${target} AS SELECT CAST(c.rowid AS INTEGER) AS "CustomerIx", v."value" FROM (${values.sql}) AS v ` +
      `LEFT JOIN ${customerTable} AS c ON c."CustomerId" = v."CustomerId"`,
    params: values.params,
  };
}

/** A customer measure column of CustomerMeasures: its name, its customerValuesTableSql table and aggregation. */
export interface MeasureColumn {
  name: string;
  table: string;
  aggregation: Aggregation;
}

/**
 * Creates CustomerMeasures in one statement: every customer, the kept columns of the previous version, then one
 * column per measure evaluated (customers without rows: 0 or null).
 */
export function customerMeasuresTableSql(
  target: string,
  customerTable: string,
  columns: MeasureColumn[],
  previous: { table: string; keep: string[] } | undefined,
): string {
  const keep = previous?.keep ?? [];
  const cols = [
    'c."CustomerId"',
    ...keep.map((k) => `p.${quoteIdent(k)}`),
    ...columns.map(
      (m, i) =>
        `${zeroWhenEmpty(m.aggregation) ? `coalesce(v${i}."value", 0)` : `v${i}."value"`} AS ${quoteIdent(m.name)}`,
    ),
  ];
  const joins = [
    ...(previous && keep.length > 0 ? [`LEFT JOIN ${previous.table} AS p ON p."CustomerId" = c."CustomerId"`] : []),
    ...columns.map((m, i) => `LEFT JOIN ${m.table} AS v${i} ON v${i}."CustomerIx" = c.rowid`),
  ];
  return `CREATE TABLE ${target} AS SELECT ${cols.join(', ')} FROM ${customerTable} AS c ${joins.join(' ')}`.trimEnd();
}
