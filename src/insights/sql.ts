// The DuckDB SQL of segment and measure evaluation, built from definitions and a scope. Pure string building (values
// bound as parameters, identifiers quoted from schemas), so the benchmark runs exactly this SQL on bare DuckDB too.
import { compileFilter } from '../datastore/odata/index.ts';
import type { FilterOptions } from '../datastore/odata/index.ts';
import type { Attribute } from '../datastore/schema.ts';
import { quoteIdent } from '../datastore/schema.ts';
import type { CustomerLink, InsightsScope, ScopedEntity } from './links.ts';
import { customerLink, linkedTable, relatedEntities } from './links.ts';
import type { Aggregation, MeasureDefinition } from './model.ts';

export interface CompiledSql {
  sql: string;
  params: unknown[];
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

export const filterOptions = (scope: InsightsScope): FilterOptions => ({
  alias: 't',
  membershipTable: scope.membershipTable,
  related: relatedEntities(scope),
});

/** SELECT of a segment's members (SegmentId, SegmentName, CustomerId); throws InvalidQuery for a bad query. */
export function segmentMembersSql(
  segment: { id: string; name: string; query: string },
  customer: ScopedEntity,
  scope: InsightsScope,
): CompiledSql {
  const filter = compileFilter(segment.query, customer, filterOptions(scope));
  return {
    sql:
      'SELECT CAST(? AS VARCHAR) AS "SegmentId", CAST(? AS VARCHAR) AS "SegmentName", t."CustomerId" ' +
      `FROM ${customer.table} AS t WHERE ${filter.sql}`,
    params: [segment.id, segment.name, ...filter.params],
  };
}

/** Creates a SegmentMembership table holding the previous members of the segments kept (with their current names). */
export function membershipTableSql(
  target: string,
  previous: string | undefined,
  keep: Array<{ id: string; name: string }>,
): string {
  const empty = `CREATE TABLE ${target} ("SegmentId" VARCHAR, "SegmentName" VARCHAR, "CustomerId" VARCHAR)`;
  if (!previous || keep.length === 0) return empty;
  const values = keep.map((s) => `(${sqlString(s.id)}, ${sqlString(s.name)})`).join(', ');
  return (
    `CREATE TABLE ${target} AS SELECT p."SegmentId", k.name AS "SegmentName", p."CustomerId" FROM ${previous} AS p ` +
    `JOIN (VALUES ${values}) AS k(id, name) ON k.id = p."SegmentId"`
  );
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
  const filter = def.filter ? compileFilter(def.filter, entity, filterOptions(scope)) : null;
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

/** Creates CustomerMeasures: every customer, with the kept columns of the previous version. */
export function customerMeasuresTableSql(
  target: string,
  customerTable: string,
  previous: { table: string; keep: string[] } | undefined,
): string {
  if (!previous || previous.keep.length === 0)
    return `CREATE TABLE ${target} AS SELECT c."CustomerId" FROM ${customerTable} AS c`;
  const cols = previous.keep.map((k) => `, p.${quoteIdent(k)}`).join('');
  return (
    `CREATE TABLE ${target} AS SELECT c."CustomerId"${cols} FROM ${customerTable} AS c ` +
    `LEFT JOIN ${previous.table} AS p ON p."CustomerId" = c."CustomerId"`
  );
}

/** Replaces CustomerMeasures with itself plus one measure's column (customers without rows: 0 or null). */
export function addMeasureColumnSql(
  target: string,
  column: string,
  values: CompiledSql,
  aggregation: Aggregation,
): CompiledSql {
  const v = zeroWhenEmpty(aggregation) ? 'coalesce(v."value", 0)' : 'v."value"';
  return {
    sql:
      `CREATE OR REPLACE TABLE ${target} AS SELECT m.*, ${v} AS ${quoteIdent(column)} FROM ${target} AS m ` +
      `LEFT JOIN (${values.sql}) AS v ON v."CustomerId" = m."CustomerId"`,
    params: values.params,
  };
}
