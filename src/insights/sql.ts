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

/** Filter options of segment queries and measure filters outside the one-scan engine. */
export const filterOptions = (scope: InsightsScope): FilterOptions => ({
  alias: 't',
  membershipTable: scope.membershipTable,
  related: relatedEntities(scope),
});

const isCount = (a: Aggregation) => a === 'count' || a === 'countDistinct';
/** Aggregations whose value over no rows is 0 rather than null. */
export const zeroWhenEmpty = (a: Aggregation): boolean => isCount(a) || a === 'sum';

/** The SQL of an aggregation over `column` (null: rows), over the rows meeting `where` when given. */
export function aggregateSql(a: Aggregation, column: string | null, where?: string): string {
  const of = column ?? '*';
  const inner = {
    sum: `sum(${of})`,
    avg: `avg(${of})`,
    count: `count(${of})`,
    countDistinct: `count(DISTINCT ${of})`,
    min: `min(${of})`,
    max: `max(${of})`,
  }[a];
  const filtered = where === undefined ? inner : `${inner} FILTER (WHERE ${where})`;
  const value = zeroWhenEmpty(a) ? `coalesce(${filtered}, 0)` : filtered;
  return `CAST(${value} AS ${isCount(a) ? 'BIGINT' : 'DOUBLE'})`;
}

/** The entity a measure aggregates, from the scope. */
export function measureEntity(def: MeasureDefinition, scope: InsightsScope): ScopedEntity | undefined {
  return def.entity === 'Customer' ? scope.customer : scope.entities.get(def.entity);
}

export function attributeOf(entity: ScopedEntity, name: string | null): Attribute | null {
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

/** Stores a customer measure's values by CustomerIx (the rowid of Customer; null for CustomerIds not in it). */
export function customerValuesTableSql(target: string, customerTable: string, values: CompiledSql): CompiledSql {
  return {
    sql:
      `CREATE OR REPLACE TABLE ${target} AS SELECT CAST(c.rowid AS INTEGER) AS "CustomerIx", v."value" FROM (${values.sql}) AS v ` +
      `LEFT JOIN ${customerTable} AS c ON c."CustomerId" = v."CustomerId"`,
    params: values.params,
  };
}

/** A customer measure column of CustomerMeasures: its name, the table holding its values by CustomerIx (in
 * `column`, default "value") and its aggregation. */
export interface MeasureColumn {
  name: string;
  table: string;
  column?: string;
  aggregation: Aggregation;
}

/**
 * Creates CustomerMeasures in one statement: every customer, the kept columns of the previous version, then one
 * column per measure evaluated (customers without rows: 0 or null); each table of values is joined once.
 */
export function customerMeasuresTableSql(
  target: string,
  customerTable: string,
  columns: MeasureColumn[],
  previous: { table: string; keep: string[] } | undefined,
): string {
  const keep = previous?.keep ?? [];
  const tables = [...new Set(columns.map((m) => m.table))];
  const alias = (m: MeasureColumn) => `v${tables.indexOf(m.table)}`;
  const cols = [
    'c."CustomerId"',
    ...keep.map((k) => `p.${quoteIdent(k)}`),
    ...columns.map((m) => {
      const v = `${alias(m)}.${quoteIdent(m.column ?? 'value')}`;
      return `${zeroWhenEmpty(m.aggregation) ? `coalesce(${v}, 0)` : v} AS ${quoteIdent(m.name)}`;
    }),
  ];
  const joins = [
    ...(previous && keep.length > 0 ? [`LEFT JOIN ${previous.table} AS p ON p."CustomerId" = c."CustomerId"`] : []),
    ...tables.map((t, i) => `LEFT JOIN ${t} AS v${i} ON v${i}."CustomerIx" = c.rowid`),
  ];
  return `CREATE OR REPLACE TABLE ${target} AS SELECT ${cols.join(', ')} FROM ${customerTable} AS c ${joins.join(' ')}`.trimEnd();
}
