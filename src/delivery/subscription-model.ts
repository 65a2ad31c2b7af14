// The HTTP shapes of webhook subscriptions: generic webhooks (POST/PATCH /subscriptions), the Power Automate / REST
// hook subscribe call (POST /triggers/{trigger}/subscriptions), and the view returned by reads — never the secret.
import { z } from 'zod';
import type { EventType, Subscription, TriggerParams } from '../events/index.ts';
import { eventTypes, triggerNames, triggerParamsSchema, triggers } from '../events/index.ts';

const eventType = z.enum(eventTypes as [EventType, ...EventType[]], {
  message: `must be one of ${eventTypes.join(', ')}`,
});
const url = z.string({ message: 'must be a URL' }).min(1).max(2048);
const format = z.enum(['standard', 'cloudevents'], { message: 'must be standard or cloudevents' });
const p = triggerParamsSchema.shape;

export const webhookIn = z.strictObject({
  url,
  eventTypes: z.array(eventType).min(1, 'must name at least one event type'),
  format: format.default('standard'),
  enabled: z.boolean({ message: 'must be true or false' }).default(true),
  description: z.string().max(500).optional(),
  ...p,
});
export type WebhookIn = z.infer<typeof webhookIn>;

/** A change: fields left out stay; a trigger parameter sent as null is removed. */
export const webhookPatch = z.strictObject({
  url: url.optional(),
  eventTypes: z.array(eventType).min(1, 'must name at least one event type').optional(),
  format: format.optional(),
  enabled: z.boolean({ message: 'must be true or false' }).optional(),
  description: z.string().max(500).nullable().optional(),
  dataSourceId: p.dataSourceId.nullable(),
  segmentId: p.segmentId.nullable(),
  measureId: p.measureId.nullable(),
  threshold: p.threshold.nullable(),
  direction: p.direction.nullable(),
  hysteresis: p.hysteresis.nullable(),
  dimension: p.dimension.nullable(),
  includeManual: p.includeManual.nullable(),
  change: p.change.nullable(),
  perProfile: p.perProfile.nullable(),
  maxProfiles: p.maxProfiles.nullable(),
});
export type WebhookPatch = z.infer<typeof webhookPatch>;

/** Power Automate sends callbackUrl; Zapier-style REST hooks send target_url. */
export const triggerSubscribeIn = z
  .strictObject({ callbackUrl: url.optional(), target_url: url.optional(), ...p })
  .refine((b) => b.callbackUrl !== undefined || b.target_url !== undefined, {
    message: 'callbackUrl (or target_url) is required',
    path: ['callbackUrl'],
  });
export type TriggerSubscribeIn = z.infer<typeof triggerSubscribeIn>;

export const triggerNameSchema = z.enum(triggerNames as [string, ...string[]]);

export const paramKeys = Object.keys(p) as Array<keyof TriggerParams>;

/** Splits trigger parameters off a body. */
export const paramsOf = (body: Record<string, unknown>): TriggerParams =>
  Object.fromEntries(paramKeys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));

export function subscriptionView(s: Subscription): Record<string, unknown> {
  const trigger = s.eventTypes.length === 1 ? triggerNames.find((t) => triggers[t] === s.eventTypes[0]) : undefined;
  return {
    id: s.id,
    style: s.style,
    url: s.url,
    eventTypes: s.eventTypes,
    ...(s.style === 'powerautomate' && trigger ? { trigger } : {}),
    format: s.format,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    description: s.description,
    ...s.params,
    previousSecretUntil: s.previousSecretUntil,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
