// Control-store queries of segments and measures (tables from migration 0003).
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { Measure, MeasureDefinition, Segment, SegmentState } from './model.ts';

interface SegmentRow {
  id: string;
  instance_id: string;
  name: string;
  description: string | null;
  query: string;
  state: SegmentState;
  owners: string;
  created_at: string;
  updated_at: string;
}

const toSegment = (r: SegmentRow): Segment => ({
  id: r.id,
  instanceId: r.instance_id,
  name: r.name,
  description: r.description,
  query: r.query,
  state: r.state,
  owners: fromJson<string[]>(r.owners),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listSegments(db: Db, instanceId: string): Promise<Segment[]> {
  const rows = await db.all<SegmentRow>('SELECT * FROM segments WHERE instance_id = ? ORDER BY name', [instanceId]);
  return rows.map(toSegment);
}

export async function getSegment(db: Db, instanceId: string, id: string): Promise<Segment | undefined> {
  const r = await db.get<SegmentRow>('SELECT * FROM segments WHERE instance_id = ? AND id = ?', [instanceId, id]);
  return r ? toSegment(r) : undefined;
}

export async function saveSegment(db: Db, s: Segment, opts: { isNew: boolean }): Promise<void> {
  const values = [s.name, s.description, s.query, s.state, toJson(s.owners), s.updatedAt];
  if (opts.isNew) {
    await db.run(
      `INSERT INTO segments (name, description, query, state, owners, updated_at, id, instance_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, s.id, s.instanceId, s.createdAt],
    );
  } else {
    await db.run(
      'UPDATE segments SET name = ?, description = ?, query = ?, state = ?, owners = ?, updated_at = ? WHERE id = ? AND instance_id = ?',
      [...values, s.id, s.instanceId],
    );
  }
}

interface MeasureRow {
  id: string;
  instance_id: string;
  name: string;
  definition: string;
  owners: string;
  created_at: string;
  updated_at: string;
}

/** The stored definition, read leniently (rows written by older builds may lack fields). */
function definitionOf(raw: string): MeasureDefinition & { description: string | null } {
  const d = fromJson<Partial<MeasureDefinition> & { description?: string | null }>(raw);
  return {
    kind: d.kind ?? 'business',
    entity: d.entity ?? 'Customer',
    aggregation: d.aggregation ?? 'count',
    attribute: d.attribute ?? null,
    filter: d.filter ?? null,
    dimensions: Array.isArray(d.dimensions) ? d.dimensions : [],
    link: d.link ?? null,
    description: d.description ?? null,
  };
}

const toMeasure = (r: MeasureRow): Measure => ({
  id: r.id,
  instanceId: r.instance_id,
  name: r.name,
  ...definitionOf(r.definition),
  owners: fromJson<string[]>(r.owners),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listMeasures(db: Db, instanceId: string): Promise<Measure[]> {
  const rows = await db.all<MeasureRow>('SELECT * FROM measures WHERE instance_id = ? ORDER BY name', [instanceId]);
  return rows.map(toMeasure);
}

export async function getMeasure(db: Db, instanceId: string, id: string): Promise<Measure | undefined> {
  const r = await db.get<MeasureRow>('SELECT * FROM measures WHERE instance_id = ? AND id = ?', [instanceId, id]);
  return r ? toMeasure(r) : undefined;
}

export async function saveMeasure(db: Db, m: Measure, opts: { isNew: boolean }): Promise<void> {
  const definition = toJson({
    kind: m.kind,
    entity: m.entity,
    aggregation: m.aggregation,
    attribute: m.attribute,
    filter: m.filter,
    dimensions: m.dimensions,
    link: m.link,
    description: m.description,
  });
  const values = [m.name, definition, toJson(m.owners), m.updatedAt];
  if (opts.isNew) {
    await db.run(
      `INSERT INTO measures (name, definition, owners, updated_at, id, instance_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [...values, m.id, m.instanceId, m.createdAt],
    );
  } else {
    await db.run(
      'UPDATE measures SET name = ?, definition = ?, owners = ?, updated_at = ? WHERE id = ? AND instance_id = ?',
      [...values, m.id, m.instanceId],
    );
  }
}

/** Deletes a segment or measure row and its evaluation history; false when there was none. */
export async function deleteSubject(db: Db, table: 'segments' | 'measures', instanceId: string, id: string) {
  const r = await db.run(`DELETE FROM ${table} WHERE instance_id = ? AND id = ?`, [instanceId, id]);
  await db.run('DELETE FROM evaluations WHERE instance_id = ? AND subject_id = ?', [instanceId, id]);
  return r.changes > 0;
}
