// Subscriptions: who wants which events, with which trigger parameters, through which sink (a webhook, a Power
// Automate callback, or a built-in flow). Stored here because matching an event to subscriptions is part of emitting.
import { z } from 'zod';
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';
import type { EventType } from './catalog.ts';
import { eventTypes } from './catalog.ts';
import type { ThresholdState } from './threshold.ts';
import { initialThresholdState } from './threshold.ts';

/** How a subscription was made and where its events go. */
export type SubscriptionStyle = 'webhook' | 'powerautomate' | 'flow';
export type DeliveryFormat = 'standard' | 'cloudevents';

const id = z.string().min(1).max(100);
/** Per-profile events one membership-changed subscription gets per evaluation: default and largest allowed. */
export const defaultMaxProfiles = 1000;
export const maxProfilesLimit = 10_000;

const direction = z.enum(['above', 'below', 'both'], { message: 'must be above, below or both' });

/** Trigger parameters; which ones apply depends on the event types (checked by validateTriggerParams). */
export const triggerParamsSchema = z.strictObject({
  dataSourceId: id.optional(),
  segmentId: id.optional(),
  measureId: id.optional(),
  threshold: z.number({ message: 'must be a number' }).finite().optional(),
  direction: direction.optional(),
  hysteresis: z.number({ message: 'must be a number' }).finite().min(0, 'must be 0 or more').optional(),
  dimension: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  includeManual: z.boolean({ message: 'must be true or false' }).optional(),
  change: z.enum(['entered', 'exited', 'both'], { message: 'must be entered, exited or both' }).optional(),
  perProfile: z.boolean({ message: 'must be true or false' }).optional(),
  maxProfiles: z
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(maxProfilesLimit, `must be at most ${maxProfilesLimit}`)
    .optional(),
});
export type TriggerParams = z.infer<typeof triggerParamsSchema>;

export interface Subscription {
  id: string;
  instanceId: string;
  connectionId: string | null;
  style: SubscriptionStyle;
  url: string;
  eventTypes: EventType[];
  params: TriggerParams;
  format: DeliveryFormat;
  enabled: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: string | null;
  description: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  instance_id: string;
  connection_id: string | null;
  style: SubscriptionStyle;
  url: string;
  event_types: string;
  params: string;
  format: DeliveryFormat;
  enabled: number;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
  trigger_state: string;
  description: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

const toSubscription = (r: Row): Subscription => ({
  id: r.id,
  instanceId: r.instance_id,
  connectionId: r.connection_id,
  style: r.style,
  url: r.url,
  eventTypes: fromJson<EventType[]>(r.event_types),
  params: fromJson<TriggerParams>(r.params),
  format: r.format,
  enabled: Number(r.enabled) === 1,
  secret: r.secret,
  previousSecret: r.previous_secret,
  previousSecretUntil: r.previous_secret_until,
  description: r.description,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function insertSubscription(db: Db, s: Subscription): Promise<void> {
  await db.run(
    `INSERT INTO subscriptions (id, instance_id, connection_id, style, url, event_types, params, format, enabled, secret,
       previous_secret, previous_secret_until, trigger_state, description, disabled_reason, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      s.id,
      s.instanceId,
      s.connectionId,
      s.style,
      s.url,
      toJson(s.eventTypes),
      toJson(s.params),
      s.format,
      s.enabled ? 1 : 0,
      s.secret,
      s.previousSecret,
      s.previousSecretUntil,
      toJson({}),
      s.description,
      s.disabledReason,
      s.createdAt,
      s.updatedAt,
    ],
  );
}

export async function updateSubscription(db: Db, s: Subscription): Promise<void> {
  await db.run(
    `UPDATE subscriptions SET url = ?, event_types = ?, params = ?, format = ?, enabled = ?, secret = ?, previous_secret = ?,
       previous_secret_until = ?, description = ?, disabled_reason = ?, updated_at = ? WHERE id = ?`,
    [
      s.url,
      toJson(s.eventTypes),
      toJson(s.params),
      s.format,
      s.enabled ? 1 : 0,
      s.secret,
      s.previousSecret,
      s.previousSecretUntil,
      s.description,
      s.disabledReason,
      s.updatedAt,
      s.id,
    ],
  );
}

export async function getSubscription(db: Db, instanceId: string, subId: string): Promise<Subscription | undefined> {
  const r = await db.get<Row>('SELECT * FROM subscriptions WHERE instance_id = ? AND id = ?', [instanceId, subId]);
  return r ? toSubscription(r) : undefined;
}

export async function listSubscriptions(
  db: Db,
  instanceId: string,
  opts: { styles?: SubscriptionStyle[] } = {},
): Promise<Subscription[]> {
  const rows = await db.all<Row>('SELECT * FROM subscriptions WHERE instance_id = ? ORDER BY created_at, id', [
    instanceId,
  ]);
  const subs = rows.map(toSubscription);
  return opts.styles ? subs.filter((s) => opts.styles!.includes(s.style)) : subs;
}

/** Subscriptions and flows whose trigger names `id` as its `param` (what may not be deleted while they do). */
export async function triggerDependents(
  db: Db,
  instanceId: string,
  param: 'segmentId' | 'measureId' | 'dataSourceId',
  id: string,
): Promise<string[]> {
  return (await listSubscriptions(db, instanceId))
    .filter((s) => s.params[param] === id)
    .map((s) => (s.style === 'flow' ? `flow ${s.url.replace(/^flow:/, '')}` : `subscription ${s.id}`));
}

export async function deleteSubscription(db: Db, instanceId: string, subId: string): Promise<boolean> {
  return (await db.run('DELETE FROM subscriptions WHERE instance_id = ? AND id = ?', [instanceId, subId])).changes > 0;
}

export async function disableSubscription(db: Db, subId: string, reason: string, now: Date): Promise<void> {
  await db.run('UPDATE subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?', [
    reason,
    now.toISOString(),
    subId,
  ]);
}

const enabledRows = (db: Db, instanceId: string): Promise<Row[]> =>
  db.all<Row>('SELECT * FROM subscriptions WHERE instance_id = ? AND enabled = 1 ORDER BY created_at, id', [
    instanceId,
  ]);

/** Enabled subscriptions of an instance, oldest first. */
export async function enabledSubscriptions(db: Db, instanceId: string): Promise<Subscription[]> {
  return (await enabledRows(db, instanceId)).map(toSubscription);
}

/** Enabled subscriptions of an instance that want an event type, with their threshold states. */
export async function subscriptionsFor(
  db: Db,
  instanceId: string,
  type: EventType,
): Promise<Array<Subscription & { triggerState: Record<string, ThresholdState> }>> {
  return (await enabledRows(db, instanceId))
    .map((r) => ({ ...toSubscription(r), triggerState: fromJson<Record<string, ThresholdState>>(r.trigger_state) }))
    .filter((s) => s.eventTypes.includes(type));
}

/** Threshold state of a subscription for one evaluated series (a segment, or a measure and dimension). */
export const stateFor = (states: Record<string, ThresholdState>, key: string): ThresholdState =>
  states[key] ?? initialThresholdState();

export async function saveTriggerState(db: Db, subId: string, states: Record<string, ThresholdState>): Promise<void> {
  await db.run('UPDATE subscriptions SET trigger_state = ? WHERE id = ?', [toJson(states), subId]);
}

/** Takes the next `count` per-subscription sequence numbers; returns the first. */
export async function takeSequences(db: Db, subId: string, count: number): Promise<number> {
  const r = await db.get<{ seq: number }>(
    'UPDATE subscriptions SET next_sequence = next_sequence + ? WHERE id = ? RETURNING next_sequence - ? AS seq',
    [count, subId, count],
  );
  if (!r) throw new Error(`subscription ${subId} vanished`);
  return Number(r.seq);
}

export const isEventType = (t: string): t is EventType => (eventTypes as string[]).includes(t);
