// Emitting events. An event is inserted in the caller's transaction — the same one as the state change that caused
// it — and fanned out in that transaction to every matching subscription's sink (a webhook delivery row, a flow run
// row). Nothing is sent here; workers pick the rows up after commit, so a crash loses no event. Events emitted one by
// one are gathered in their transaction and written together just before it commits: a few multi-row statements and
// one subscription lookup per instance, however many events the transaction emits.
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import { inChunks, toJson } from '../store/index.ts';
import type { EventData, EventEnvelope, EventType } from './catalog.ts';
import { payloadSchemas } from './catalog.ts';
import type { Subscription, SubscriptionStyle } from './subscriptions.ts';
import type { MembershipChange, NewEvent } from './membership-events.ts';
import { emitMembershipChanged, membershipEventMatches } from './membership-events.ts';
import { enabledSubscriptions, saveTriggerState, stateFor, subscriptionsFor, takeSequences } from './subscriptions.ts';
import { evaluateCrossing } from './threshold.ts';

/** Receives, inside the emitting transaction, envelopes (one or many, in sequence order) for one subscription. */
export type Sink = (tx: Db, envelopes: EventEnvelope[], subscription: Subscription) => Promise<void>;

export interface Outbox {
  emit<T extends EventType>(tx: Db, instanceId: string, type: T, data: EventData<T>): Promise<string>;
  /** Reports a new value of a segment or measure series; fires threshold events for the subscriptions it crosses. */
  evaluated(tx: Db, input: Evaluation): Promise<number>;
  /** Reports the customers who entered or left a segment in an evaluation; fires segment.membership.changed events
   * (summaries, or per-profile events in batches) for the subscriptions on that segment. Returns the events stored. */
  membershipChanged(tx: Db, input: MembershipChange): Promise<number>;
}

export interface Evaluation {
  instanceId: string;
  kind: 'segment' | 'measure';
  subjectId: string;
  /** Stable key of the series: the dimension values as JSON for a measure with dimensions, else "". */
  seriesKey: string;
  dimension: Record<string, unknown> | null;
  previous: number | null;
  current: number;
  jobId: string;
  evaluatedAt: string;
  /** segmentName/measureName and owners. */
  name: string;
  owners: string[];
}

/** An emitted event, before it is written and fanned out. */
interface EmittedEvent extends NewEvent {
  instanceId: string;
  type: EventType;
  subject: string | null;
}

export function createOutbox(opts: { clock: Clock; sinks: Partial<Record<SubscriptionStyle, Sink>> }): Outbox {
  const insertEvents = async (
    tx: Db,
    instanceId: string,
    type: EventType,
    items: Array<{ data: Record<string, unknown>; subject: string | null }>,
  ): Promise<EmittedEvent[]> => {
    const time = opts.clock.now().toISOString();
    const out = items.map((item) => ({
      id: newId('evt'),
      instanceId,
      type,
      time,
      subject: item.subject,
      data: item.data,
    }));
    await insertEventRows(tx, out);
    return out;
  };
  const deliverMany = async (tx: Db, sub: Subscription, events: Array<NewEvent & { type: EventType }>) => {
    const sink = opts.sinks[sub.style];
    if (!sink || events.length === 0) return;
    const first = await takeSequences(tx, sub.id, events.length);
    const envelopes = events.map((e, i) => ({
      id: e.id,
      type: e.type,
      time: e.time,
      instanceId: sub.instanceId,
      subscriptionId: sub.id,
      sequence: first + i,
      data: e.data,
    }));
    await sink(tx, envelopes, sub);
  };

  /** The events emitted in a transaction and not written yet, in emit order. */
  const emitted = {};
  const pending = (tx: Db): EmittedEvent[] => tx.batch(emitted, (): EmittedEvent[] => [], writeEmitted);
  /** Writes a transaction's emitted events: one INSERT for the events, one subscription lookup per instance, and per
   * subscription one sequence range and one call of its sink for the events it wants (in emit order). Runs before
   * commit, and before anything else in the transaction takes sequence numbers (threshold and membership events), so
   * every subscription's sequence follows emit order. */
  const writeEmitted = async (tx: Db, batch: EmittedEvent[]) => {
    const events = batch.splice(0);
    if (events.length === 0) return;
    await insertEventRows(tx, events);
    for (const instanceId of new Set(events.map((e) => e.instanceId))) {
      const ofInstance = events.filter((e) => e.instanceId === instanceId);
      for (const sub of await enabledSubscriptions(tx, instanceId)) {
        await deliverMany(
          tx,
          sub,
          ofInstance.filter((e) => sub.eventTypes.includes(e.type) && matches(sub, e.type, e.data)),
        );
      }
    }
  };
  const writeEmittedNow = (tx: Db) => writeEmitted(tx, pending(tx));

  /** Threshold events: each fired to the one subscription whose threshold the series crossed. */
  const evaluated = async (tx: Db, ev: Evaluation): Promise<number> => {
    await writeEmittedNow(tx);
    const type: EventType = ev.kind === 'segment' ? 'segment.threshold.crossed' : 'measure.threshold.crossed';
    let fired = 0;
    for (const sub of await subscriptionsFor(tx, ev.instanceId, type)) {
      const p = sub.params;
      const subjectId = ev.kind === 'segment' ? p.segmentId : p.measureId;
      if (subjectId !== ev.subjectId || p.threshold === undefined) continue;
      if (ev.kind === 'measure' && seriesKeyOf(p.dimension ?? null) !== ev.seriesKey) continue;
      const key = `${ev.subjectId}:${ev.seriesKey}`;
      const outcome = evaluateCrossing(
        { threshold: p.threshold, direction: p.direction ?? 'above', hysteresis: p.hysteresis ?? 0 },
        stateFor(sub.triggerState, key),
        ev.previous,
        ev.current,
        ev.jobId,
      );
      await saveTriggerState(tx, sub.id, { ...sub.triggerState, [key]: outcome.state });
      if (!outcome.fired) continue;
      const common = {
        owners: ev.owners,
        threshold: p.threshold,
        direction: outcome.fired,
        previousValue: ev.previous as number,
        currentValue: ev.current,
        evaluatedAt: ev.evaluatedAt,
        jobId: ev.jobId,
      };
      const data =
        ev.kind === 'segment'
          ? payloadSchemas['segment.threshold.crossed'].parse({
              segmentId: ev.subjectId,
              segmentName: ev.name,
              ...common,
            })
          : payloadSchemas['measure.threshold.crossed'].parse({
              measureId: ev.subjectId,
              measureName: ev.name,
              dimension: ev.dimension,
              ...common,
            });
      await deliverMany(tx, sub, await insertEvents(tx, ev.instanceId, type, [{ data, subject: sub.id }]));
      fired++;
    }
    return fired;
  };

  return {
    emit: async (db, instanceId, type, data) => {
      const checked = payloadSchemas[type].parse(data) as Record<string, unknown>;
      const event: EmittedEvent = {
        id: newId('evt'),
        instanceId,
        type,
        time: opts.clock.now().toISOString(),
        subject: null,
        data: checked,
      };
      await db.tx(async (tx) => {
        pending(tx).push(event);
      });
      return event.id;
    },
    evaluated: (db, ev) => db.tx((tx) => evaluated(tx, ev)),
    membershipChanged: (db, change) =>
      db.tx(async (tx) => {
        await writeEmittedNow(tx);
        return emitMembershipChanged(tx, change, {
          subscriptions: (t) => subscriptionsFor(t, change.instanceId, 'segment.membership.changed'),
          insertEvents: (t, items) => insertEvents(t, change.instanceId, 'segment.membership.changed', items),
          deliver: (t, sub, events) =>
            deliverMany(
              t,
              sub,
              events.map((e) => ({ ...e, type: 'segment.membership.changed' as const })),
            ),
        });
      }),
  };
}

/** Inserts stored events, a few hundred rows per statement. */
async function insertEventRows(tx: Db, events: EmittedEvent[]): Promise<void> {
  for (const batch of inChunks(events)) {
    await tx.run(
      `INSERT INTO events (id, instance_id, type, time, subject, data) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      batch.flatMap((e) => [e.id, e.instanceId, e.type, e.time, e.subject, toJson(e.data)]),
    );
  }
}

/** Whether a stored event belongs to a subscription (for replays): its type and trigger parameters match; a
 * threshold event belongs only to the subscription whose threshold it crossed. */
export function matchesSubscription(
  sub: Subscription,
  type: EventType,
  data: Record<string, unknown>,
  subject: string | null,
): boolean {
  if (!sub.eventTypes.includes(type)) return false;
  if (type === 'segment.threshold.crossed' || type === 'measure.threshold.crossed') return subject === sub.id;
  if (type === 'segment.membership.changed') return membershipEventMatches(sub, data);
  return matches(sub, type, data);
}

/** Whether a subscription's trigger parameters select this event. */
function matches(sub: Subscription, type: EventType, data: Record<string, unknown>): boolean {
  const p = sub.params;
  if (type === 'datasource.refresh.failed' || type === 'datasource.refresh.succeeded') {
    return p.dataSourceId === undefined || p.dataSourceId === data.dataSourceId;
  }
  if (type === 'refresh.full.completed') return p.includeManual === true || data.submissionKind === 'scheduled';
  return true;
}

/** Canonical JSON of dimension values (keys sorted), so {a,b} and {b,a} name the same series. */
export function seriesKeyOf(dimension: Record<string, unknown> | null): string {
  if (!dimension) return '';
  return JSON.stringify(Object.fromEntries(Object.entries(dimension).sort(([a], [b]) => a.localeCompare(b))));
}
