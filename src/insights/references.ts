// References between definitions: a segment query or a measure filter names segments with IsMemberOfSegment('…'),
// and subscriptions and flows name a segment or a measure by id in their trigger. A reference must name something
// that exists when it is saved (400 otherwise), and what others refer to cannot be deleted or, for a segment, renamed
// (409 naming the dependents): a definition never silently starts to mean something else.
import { AppError } from '../core/errors.ts';
import type { Node } from '../datastore/odata/parser.ts';
import { parseFilter } from '../datastore/odata/index.ts';
import { triggerDependents } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import { listMeasures, listSegments } from './insights.sql.ts';
import type { Measure, Segment } from './model.ts';

function walk(n: Node, out: string[]): void {
  switch (n.k) {
    case 'fn':
      if (n.name === 'IsMemberOfSegment' && n.args[0]?.k === 'lit' && typeof n.args[0].value === 'string')
        out.push(n.args[0].value);
      for (const a of n.args) walk(a, out);
      return;
    case 'cmp':
    case 'and':
    case 'or':
      walk(n.left, out);
      walk(n.right, out);
      return;
    case 'in':
      walk(n.left, out);
      for (const x of n.list) walk(x, out);
      return;
    case 'not':
      walk(n.arg, out);
      return;
    case 'lambda':
      if (n.body) walk(n.body, out);
      return;
    default:
      return;
  }
}

/** Names of the segments a query refers to with IsMemberOfSegment('…'), each once; none when it does not parse. */
export function referencedSegments(query: string | null): string[] {
  if (query === null || query.trim() === '') return [];
  const out: string[] = [];
  try {
    walk(parseFilter(query), out);
  } catch {
    return [];
  }
  return [...new Set(out)];
}

/** Refuses (400) a query naming a segment that does not exist in the instance, or the segment being saved itself. */
export async function checkSegmentReferences(
  db: Db,
  instanceId: string,
  query: string | null,
  opts: { field: string; self?: Pick<Segment, 'id' | 'name'> },
): Promise<void> {
  const names = referencedSegments(query);
  if (names.length === 0) return;
  const segments = await listSegments(db, instanceId);
  for (const name of names) {
    if (opts.self && name === opts.self.name)
      throw new AppError('ValidationFailed', `${opts.field}: a segment cannot refer to itself (IsMemberOfSegment)`);
    if (!segments.some((s) => s.name === name && s.id !== opts.self?.id))
      throw new AppError('ValidationFailed', `${opts.field}: IsMemberOfSegment names no segment "${name}"`);
  }
}

/** What refers to a segment (by name in queries and filters, by id in triggers); empty when nothing does. */
export async function segmentDependents(db: Db, segment: Segment): Promise<string[]> {
  const out: string[] = [];
  for (const s of await listSegments(db, segment.instanceId))
    if (s.id !== segment.id && referencedSegments(s.query).includes(segment.name))
      out.push(`segment "${s.name}" (${s.id})`);
  for (const m of await listMeasures(db, segment.instanceId))
    if (referencedSegments(m.filter).includes(segment.name)) out.push(`measure "${m.name}" (${m.id})`);
  out.push(...(await triggerDependents(db, segment.instanceId, 'segmentId', segment.id)));
  return out;
}

/** What refers to a measure: subscriptions and flows whose trigger names it. */
export function measureDependents(db: Db, measure: Measure): Promise<string[]> {
  return triggerDependents(db, measure.instanceId, 'measureId', measure.id);
}
