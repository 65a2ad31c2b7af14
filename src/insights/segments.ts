// Segments: create, change, read (with member count and history) and delete; the order a refresh evaluates them in.
import type { Clock } from '../core/clock.ts';
import { AppError, refuseIfDependents } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import { checkSegmentQuery } from './check.ts';
import { historyOf } from './history.ts';
import { deleteSubject, getSegment, listSegments, saveSegment } from './insights.sql.ts';
import type { InsightsScope } from './links.ts';
import type { HistoryPoint, Segment, SegmentIn, SegmentPatch } from './model.ts';
import { checkSegmentReferences, referencedSegments, segmentDependents } from './references.ts';

export interface SegmentOut {
  id: string;
  name: string;
  description: string | null;
  query: string;
  state: Segment['state'];
  owners: string[];
  /** Members at the last evaluation; null before the first. */
  memberCount: number | null;
  lastEvaluatedAt: string | null;
  history: HistoryPoint[];
  createdAt: string;
  updatedAt: string;
}

const toOut = (s: Segment, history: HistoryPoint[]): SegmentOut => {
  const last = history[history.length - 1];
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    query: s.query,
    state: s.state,
    owners: s.owners,
    memberCount: last?.memberCount ?? null,
    lastEvaluatedAt: last?.evaluatedAt ?? null,
    history,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
};

export async function listSegmentsOut(db: Db, instanceId: string): Promise<SegmentOut[]> {
  const history = await historyOf(db, instanceId);
  return (await listSegments(db, instanceId)).map((s) => toOut(s, history.get(s.id) ?? []));
}

export async function requireSegment(db: Db, instanceId: string, id: string): Promise<Segment> {
  const s = await getSegment(db, instanceId, id);
  if (!s) throw new AppError('NotFound', `segment ${id} not found`);
  return s;
}

export async function getSegmentOut(db: Db, instanceId: string, id: string): Promise<SegmentOut> {
  const s = await requireSegment(db, instanceId, id);
  return toOut(s, (await historyOf(db, instanceId, id)).get(id) ?? []);
}

async function checkNameFree(db: Db, instanceId: string, name: string, id: string): Promise<void> {
  const other = (await listSegments(db, instanceId)).find((s) => s.name === name && s.id !== id);
  if (other) throw new AppError('Conflict', `a segment named "${name}" already exists (${other.id})`);
}

export async function createSegment(
  db: Db,
  clock: Clock,
  instanceId: string,
  input: SegmentIn,
  scope: InsightsScope,
): Promise<SegmentOut> {
  checkSegmentQuery(input.query, scope);
  const now = clock.now().toISOString();
  const s: Segment = {
    id: newId('seg'),
    instanceId,
    name: input.name,
    description: input.description ?? null,
    query: input.query,
    state: input.state,
    owners: input.owners,
    createdAt: now,
    updatedAt: now,
  };
  await db.tx(async (tx) => {
    await checkNameFree(tx, instanceId, s.name, s.id);
    await checkSegmentReferences(tx, instanceId, s.query, { field: 'query', self: s });
    await saveSegment(tx, s, { isNew: true });
  });
  return toOut(s, []);
}

export async function patchSegment(
  db: Db,
  clock: Clock,
  instanceId: string,
  id: string,
  patch: SegmentPatch,
  scope: InsightsScope,
): Promise<SegmentOut> {
  await db.tx(async (tx) => {
    const old = await requireSegment(tx, instanceId, id);
    const s: Segment = {
      ...old,
      name: patch.name ?? old.name,
      description: patch.description === undefined ? old.description : patch.description,
      query: patch.query ?? old.query,
      state: patch.state ?? old.state,
      owners: patch.owners ?? old.owners,
      updatedAt: clock.now().toISOString(),
    };
    if (patch.query !== undefined) checkSegmentQuery(s.query, scope);
    await checkNameFree(tx, instanceId, s.name, s.id);
    if (s.name !== old.name) refuseIfDependents(`segment "${old.name}"`, await segmentDependents(tx, old), 'rename');
    if (patch.query !== undefined || s.name !== old.name)
      await checkSegmentReferences(tx, instanceId, s.query, { field: 'query', self: s });
    await saveSegment(tx, s, { isNew: false });
  });
  return getSegmentOut(db, instanceId, id);
}

/** Deletes a segment; refused (409) while other segments, measures, subscriptions or flows refer to it. */
export async function removeSegment(db: Db, instanceId: string, id: string): Promise<void> {
  await db.tx(async (tx) => {
    const s = await requireSegment(tx, instanceId, id);
    refuseIfDependents(`segment "${s.name}"`, await segmentDependents(tx, s), 'delete');
    await deleteSubject(tx, 'segments', instanceId, id);
  });
}

/** Segments in evaluation order: a segment after the segments its query refers to (cycles keep name order). */
export function evaluationOrder<T extends { name: string; query: string }>(segments: T[]): T[] {
  const byName = new Map(segments.map((s) => [s.name, s]));
  const done = new Set<T>();
  const visiting = new Set<T>();
  const out: T[] = [];
  const visit = (s: T) => {
    if (done.has(s) || visiting.has(s)) return;
    visiting.add(s);
    for (const n of referencedSegments(s.query)) {
      const dep = byName.get(n);
      if (dep) visit(dep);
    }
    visiting.delete(s);
    done.add(s);
    out.push(s);
  };
  for (const s of segments) visit(s);
  return out;
}
