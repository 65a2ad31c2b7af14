// The scope segment queries and measures see. At definition time: Customer with the unified attributes of the
// current unification configuration (so segments can be defined before the first refresh) and the published
// entities. At evaluation time: the entities this job staged, else the published ones.
import type { PublishedEntity } from '../../datastore/index.ts';
import { listEntities } from '../../datastore/index.ts';
import type { InsightsScope, MappedEntity, ScopedEntity } from '../../insights/index.ts';
import { membershipSchema } from '../../insights/index.ts';
import type { Db } from '../../store/index.ts';
import { unificationConfigSchema, unifiedAttributes } from '../../unify/config.ts';
import type { TaskContext } from '../runner.ts';
import { getUnificationConfig } from './unification.ts';

/** Entities a query or measure cannot use: Customer has its own place; CustomerMeasures is what measures make. */
const notInScope = new Set(['Customer', 'CustomerMeasures']);

/** The mapped entities of a stored unification configuration (read leniently: it was validated when stored). */
function mappedOf(stored: unknown): MappedEntity[] {
  const map = (stored as { map?: unknown } | undefined)?.map;
  if (!Array.isArray(map)) return [];
  return map.flatMap((m: { entity?: unknown; primaryKey?: unknown }) =>
    typeof m.entity === 'string' && typeof m.primaryKey === 'string'
      ? [{ entity: m.entity, primaryKey: m.primaryKey }]
      : [],
  );
}

function scopeOf(entities: PublishedEntity[], stored: unknown, customer: ScopedEntity | undefined): InsightsScope {
  const byName = new Map(entities.map((e) => [e.name, e]));
  const scoped = new Map<string, ScopedEntity>([
    ['SegmentMembership', { ...membershipSchema, table: '"SegmentMembership"' }],
  ]);
  for (const e of entities) if (!notInScope.has(e.name)) scoped.set(e.name, e);
  return {
    customer,
    entities: scoped,
    mapped: mappedOf(stored),
    conflationTable: byName.get('ConflationMap')?.table,
    membershipTable: byName.get('SegmentMembership')?.table,
  };
}

export async function definitionScope(db: Db, instanceId: string): Promise<InsightsScope> {
  const stored = await getUnificationConfig(db, instanceId);
  const entities = await listEntities(db, instanceId);
  const published = entities.find((e) => e.name === 'Customer');
  const parsed = unificationConfigSchema.safeParse(stored);
  const customer: ScopedEntity | undefined = parsed.success
    ? {
        name: 'Customer',
        kind: 'unified',
        attributes: unifiedAttributes(parsed.data, entities),
        key: ['CustomerId'],
        table: published?.table ?? '"Customer"',
      }
    : published;
  const scope = scopeOf(entities, stored, customer);
  return { ...scope, membershipTable: scope.membershipTable ?? '"SegmentMembership"' };
}

export async function evaluationScope(ctx: TaskContext): Promise<InsightsScope> {
  const byName = new Map((await listEntities(ctx.db, ctx.instanceId)).map((e) => [e.name, e]));
  for (const e of ctx.staging.staged()) byName.set(e.name, e);
  const stored = await getUnificationConfig(ctx.db, ctx.instanceId);
  const customer = byName.get('Customer');
  // The job's staged SegmentMembership, once its segments are evaluated, answers IsMemberOfSegment in measures.
  return scopeOf([...byName.values()], stored, customer);
}
