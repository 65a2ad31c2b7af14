// Measures: create, change, read (with the last value or values and history) and delete.
import type { Clock } from '../core/clock.ts';
import { AppError, refuseIfDependents } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import { checkMeasure } from './check.ts';
import { checkSegmentReferences, measureDependents } from './references.ts';
import { historyOf } from './history.ts';
import { deleteSubject, getMeasure, listMeasures, saveMeasure } from './insights.sql.ts';
import type { InsightsScope } from './links.ts';
import type { DimensionValue, HistoryPoint, Measure, MeasureDefinition, MeasureIn, MeasurePatch } from './model.ts';

export interface MeasureOut extends MeasureDefinition {
  id: string;
  name: string;
  description: string | null;
  owners: string[];
  /** The last value (for a customer measure: the aggregation over all rows); null before the first evaluation, or
   * for a measure with dimensions (see values). */
  value: number | null;
  /** A measure with dimensions: one value per dimension value at the last evaluation. */
  values: DimensionValue[] | null;
  lastEvaluatedAt: string | null;
  history: HistoryPoint[];
  createdAt: string;
  updatedAt: string;
}

const toOut = (m: Measure, history: HistoryPoint[]): MeasureOut => {
  const last = history[history.length - 1];
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    kind: m.kind,
    entity: m.entity,
    aggregation: m.aggregation,
    attribute: m.attribute,
    filter: m.filter,
    dimensions: m.dimensions,
    link: m.link,
    owners: m.owners,
    value: last?.value ?? null,
    values: last?.values ?? null,
    lastEvaluatedAt: last?.evaluatedAt ?? null,
    history,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
};

export async function listMeasuresOut(db: Db, instanceId: string): Promise<MeasureOut[]> {
  const history = await historyOf(db, instanceId);
  return (await listMeasures(db, instanceId)).map((m) => toOut(m, history.get(m.id) ?? []));
}

export async function requireMeasure(db: Db, instanceId: string, id: string): Promise<Measure> {
  const m = await getMeasure(db, instanceId, id);
  if (!m) throw new AppError('NotFound', `measure ${id} not found`);
  return m;
}

export async function getMeasureOut(db: Db, instanceId: string, id: string): Promise<MeasureOut> {
  const m = await requireMeasure(db, instanceId, id);
  return toOut(m, (await historyOf(db, instanceId, id)).get(id) ?? []);
}

/** Names are unique; customer measures are columns of CustomerMeasures, where case does not tell names apart. */
async function checkNameFree(db: Db, m: Measure): Promise<void> {
  for (const other of await listMeasures(db, m.instanceId)) {
    if (other.id === m.id) continue;
    if (other.name === m.name)
      throw new AppError('Conflict', `a measure named "${m.name}" already exists (${other.id})`);
    if (m.kind === 'customer' && other.kind === 'customer' && other.name.toLowerCase() === m.name.toLowerCase())
      throw new AppError(
        'Conflict',
        `customer measure "${other.name}" already names the column ${m.name} of CustomerMeasures`,
      );
  }
}

const definitionOf = (m: Measure): MeasureDefinition => ({
  kind: m.kind,
  entity: m.entity,
  aggregation: m.aggregation,
  attribute: m.attribute,
  filter: m.filter === null || m.filter.trim() === '' ? null : m.filter,
  dimensions: m.dimensions,
  link: m.link,
});

async function save(db: Db, m: Measure, scope: InsightsScope, isNew: boolean): Promise<void> {
  checkMeasure(m.name, definitionOf(m), scope);
  await db.tx(async (tx) => {
    await checkNameFree(tx, m);
    await checkSegmentReferences(tx, m.instanceId, m.filter, { field: 'filter' });
    await saveMeasure(tx, { ...m, ...definitionOf(m) }, { isNew });
  });
}

export async function createMeasure(
  db: Db,
  clock: Clock,
  instanceId: string,
  input: MeasureIn,
  scope: InsightsScope,
): Promise<MeasureOut> {
  const now = clock.now().toISOString();
  const m: Measure = {
    id: newId('msr'),
    instanceId,
    name: input.name,
    description: input.description ?? null,
    kind: input.kind,
    entity: input.entity,
    aggregation: input.aggregation,
    attribute: input.attribute ?? null,
    filter: input.filter ?? null,
    dimensions: input.dimensions,
    link: input.link ?? null,
    owners: input.owners,
    createdAt: now,
    updatedAt: now,
  };
  await save(db, m, scope, true);
  return toOut({ ...m, ...definitionOf(m) }, []);
}

export async function patchMeasure(
  db: Db,
  clock: Clock,
  instanceId: string,
  id: string,
  patch: MeasurePatch,
  scope: InsightsScope,
): Promise<MeasureOut> {
  const old = await requireMeasure(db, instanceId, id);
  const pick = <K extends keyof MeasurePatch & keyof Measure>(k: K) =>
    (patch[k] === undefined ? old[k] : patch[k]) as Measure[K];
  const m: Measure = {
    ...old,
    name: pick('name'),
    description: pick('description'),
    kind: pick('kind'),
    entity: pick('entity'),
    aggregation: pick('aggregation'),
    attribute: pick('attribute'),
    filter: pick('filter'),
    dimensions: pick('dimensions'),
    link: pick('link'),
    owners: pick('owners'),
    updatedAt: clock.now().toISOString(),
  };
  await save(db, m, scope, false);
  return getMeasureOut(db, instanceId, id);
}

/** Deletes a measure; refused (409) while subscriptions or flows refer to it. */
export async function removeMeasure(db: Db, instanceId: string, id: string): Promise<void> {
  await db.tx(async (tx) => {
    const m = await requireMeasure(tx, instanceId, id);
    refuseIfDependents(`measure "${m.name}"`, await measureDependents(tx, m), 'delete');
    await deleteSubject(tx, 'measures', instanceId, id);
  });
}
