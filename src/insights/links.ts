// How the rows of an entity reach customers, and the scope of entities that segment queries and measures see.
// Customer and entities with a CustomerId column reach them directly; a source entity mapped in unification reaches
// them through ConflationMap (SourceEntity, SourceKey = its primary key); any other source entity through a column
// holding the primary key of a mapped entity — named in the measure's `link`, or inferred when exactly one column is
// named like a mapped entity's primary key (ShopOrders.customer_no → ShopCustomers).
import type { RelatedEntity } from '../datastore/odata/index.ts';
import type { EntitySchema } from '../datastore/schema.ts';
import { quoteIdent, sqlString } from '../datastore/schema.ts';

/** A source entity mapped in the unification configuration, with its primary key. */
export interface MappedEntity {
  entity: string;
  primaryKey: string;
}

export interface ScopedEntity extends EntitySchema {
  /** Physical table (or table expression); a placeholder while the entity has no data yet. */
  table: string;
}

/** What segment queries and measures are checked against, and evaluated over. */
export interface InsightsScope {
  /** Customer: CustomerId and the unified attributes (of the current configuration, or of the evaluated table). */
  customer: ScopedEntity | undefined;
  /** Every other entity a measure may aggregate, or a segment query reach with any/all, by name. */
  entities: Map<string, ScopedEntity>;
  mapped: MappedEntity[];
  conflationTable: string | undefined;
  membershipTable: string | undefined;
}

/** The column holding the customer key, and the mapped entity whose ConflationMap rows translate it (null: it is a
 * CustomerId already). */
export interface CustomerLink {
  column: string;
  via: string | null;
}

/** The schema of SegmentMembership, known before the first segment is evaluated. */
export const membershipSchema: EntitySchema = {
  name: 'SegmentMembership',
  kind: 'segmentMembership',
  attributes: [
    { name: 'SegmentId', type: 'string' },
    { name: 'SegmentName', type: 'string' },
    { name: 'CustomerId', type: 'string' },
  ],
  key: ['SegmentId', 'CustomerId'],
};

const has = (e: EntitySchema, column: string) => e.attributes.some((a) => a.name === column);

/** How rows of `entity` reach customers, or the reason they cannot. */
export function customerLink(
  entity: EntitySchema,
  mapped: MappedEntity[],
  explicit: { entity: string; attribute: string } | null = null,
): CustomerLink | { problem: string } {
  if (explicit) {
    if (!mapped.some((m) => m.entity === explicit.entity))
      return { problem: `link.entity: ${explicit.entity} is not mapped in the unification configuration` };
    if (!has(entity, explicit.attribute))
      return { problem: `link.attribute: unknown attribute '${explicit.attribute}' of ${entity.name}` };
    return { column: explicit.attribute, via: explicit.entity };
  }
  if (has(entity, 'CustomerId')) return { column: 'CustomerId', via: null };
  const own = mapped.find((m) => m.entity === entity.name);
  if (own) return { column: own.primaryKey, via: own.entity };
  const candidates = mapped.filter((m) => has(entity, m.primaryKey));
  if (candidates.length === 1) {
    const m = candidates[0] as MappedEntity;
    return { column: m.primaryKey, via: m.entity };
  }
  return {
    problem:
      candidates.length === 0
        ? `${entity.name} does not reach customers: it is not mapped in unification and has no attribute named like ` +
          'the primary key of a mapped entity; name one with "link": {"entity", "attribute"}'
        : `${entity.name} could reach customers through ${candidates.map((c) => c.entity).join(' or ')}; choose with ` +
          '"link": {"entity", "attribute"}',
  };
}

/** The rows of `table` with their customer's id in "__CustomerId" (rows reaching no customer are left out). */
export function linkedTable(table: string, link: CustomerLink, conflationTable: string | undefined): string {
  const col = quoteIdent(link.column);
  if (link.via === null) return `(SELECT s.${col} AS "__CustomerId", s.* FROM ${table} AS s)`;
  return (
    `(SELECT cm."CustomerId" AS "__CustomerId", s.* FROM ${table} AS s JOIN ${conflationTable ?? '"ConflationMap"'} ` +
    `AS cm ON cm."SourceEntity" = ${sqlString(link.via)} AND cm."SourceKey" = CAST(s.${col} AS VARCHAR))`
  );
}

/** The related entities a Customer query reaches with any/all, by entity name. */
export function relatedEntities(scope: InsightsScope): (nav: string) => RelatedEntity | undefined {
  return (nav) => {
    const e = scope.entities.get(nav);
    if (!e) return undefined;
    const link = customerLink(e, scope.mapped);
    if ('problem' in link) return undefined;
    return {
      table: linkedTable(e.table, link, scope.conflationTable),
      attributes: e.attributes,
      customerIdColumn: '__CustomerId',
    };
  };
}
