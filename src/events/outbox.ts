// Emitting events. An event is inserted in the caller's transaction — the same one as the state change that caused
// it — and fanned out in that transaction to every matching subscription's sink (a webhook delivery row, a flow run
// row). Nothing is sent here; workers pick the rows up after commit, so a crash loses no event.
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import { toJson } from '../store/index.ts';
import type { EventData, EventEnvelope, EventType } from './catalog.ts';
import { payloadSchemas } from './catalog.ts';
import type { Subscription, SubscriptionStyle } from './subscriptions.ts';
import { saveTriggerState, stateFor, subscriptionsFor, takeSequence } from './subscriptions.ts';
import { evaluateCrossing } from './threshold.ts';

/** Receives, inside the emitting transaction, one envelope for one subscription. */
export type Sink = (tx: Db, envelope: EventEnvelope, subscription: Subscription) => Promise<void>;

export interface Outbox {
  emit<T extends EventType>(tx: Db, instanceId: string, type: T, data: EventData<T>): Promise<string>;
  /** Reports a new value of a segment or measure series; fires threshold events for the subscriptions it crosses. */
  evaluated(tx: Db, input: Evaluation): Promise<number>;
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

export function createOutbox(opts: { clock: Clock; sinks: Partial<Record<SubscriptionStyle, Sink>> }): Outbox {
  const insertEvent = async (
    tx: Db,
    instanceId: string,
    type: EventType,
    data: Record<string, unknown>,
    subject: string | null,
  ) => {
    const event = { id: newId('evt'), time: opts.clock.now().toISOString() };
    await tx.run('INSERT INTO events (id, instance_id, type, time, subject, data) VALUES (?, ?, ?, ?, ?, ?)', [
      event.id,
      instanceId,
      type,
      event.time,
      subject,
      toJson(data),
    ]);
    return event;
  };
  const deliver = async (
    tx: Db,
    sub: Subscription,
    event: { id: string; time: string },
    type: EventType,
    data: Record<string, unknown>,
  ) => {
    const sink = opts.sinks[sub.style];
    if (!sink) return;
    const sequence = await takeSequence(tx, sub.id);
    await sink(
      tx,
      { id: event.id, type, time: event.time, instanceId: sub.instanceId, subscriptionId: sub.id, sequence, data },
      sub,
    );
  };

  return {
    emit: async (tx, instanceId, type, data) => {
      const checked = payloadSchemas[type].parse(data) as Record<string, unknown>;
      const event = await insertEvent(tx, instanceId, type, checked, null);
      for (const sub of await subscriptionsFor(tx, instanceId, type)) {
        if (!matches(sub, type, checked)) continue;
        await deliver(tx, sub, event, type, checked);
      }
      return event.id;
    },
    evaluated: async (tx, ev) => {
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
        const event = await insertEvent(tx, ev.instanceId, type, data, sub.id);
        await deliver(tx, sub, event, type, data);
        fired++;
      }
      return fired;
    },
  };
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
