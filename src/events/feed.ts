// The polling feed: events of an instance after a cursor (the event's position), oldest first.
import type { Db } from '../store/index.ts';
import { fromJson } from '../store/index.ts';
import type { EventType, StoredEvent } from './catalog.ts';

interface Row {
  position: number;
  id: string;
  instance_id: string;
  type: EventType;
  time: string;
  subject: string | null;
  data: string;
}

const toEvent = (r: Row): StoredEvent => ({
  position: Number(r.position),
  id: r.id,
  instanceId: r.instance_id,
  type: r.type,
  time: r.time,
  subject: r.subject,
  data: fromJson<Record<string, unknown>>(r.data),
});

export async function readEvents(
  db: Db,
  instanceId: string,
  opts: { after: number; type?: EventType | undefined; limit: number },
): Promise<StoredEvent[]> {
  const rows = opts.type
    ? await db.all<Row>(
        'SELECT * FROM events WHERE instance_id = ? AND type = ? AND position > ? ORDER BY position LIMIT ?',
        [instanceId, opts.type, opts.after, opts.limit],
      )
    : await db.all<Row>('SELECT * FROM events WHERE instance_id = ? AND position > ? ORDER BY position LIMIT ?', [
        instanceId,
        opts.after,
        opts.limit,
      ]);
  return rows.map(toEvent);
}

export async function getEvent(db: Db, instanceId: string, eventId: string): Promise<StoredEvent | undefined> {
  const r = await db.get<Row>('SELECT * FROM events WHERE instance_id = ? AND id = ?', [instanceId, eventId]);
  return r ? toEvent(r) : undefined;
}

/** Events of an instance since a time, for replay. */
export async function eventsSince(db: Db, instanceId: string, since: string, limit: number): Promise<StoredEvent[]> {
  const rows = await db.all<Row>('SELECT * FROM events WHERE instance_id = ? AND time >= ? ORDER BY position LIMIT ?', [
    instanceId,
    since,
    limit,
  ]);
  return rows.map(toEvent);
}
