// The body of a delivery in the subscription's format — the standard envelope (SPEC §4) or a CloudEvents 1.0
// structured-mode JSON event — and its Standard Webhooks headers. During a secret rotation both secrets sign.
import type { EventEnvelope, EventType } from '../events/index.ts';
import type { DeliveryFormat } from '../events/index.ts';
import { webhookHeaders } from './signature.ts';

/** The data field that names what an event is about, for CloudEvents' `subject`. */
const subjectField: Record<EventType, string> = {
  'datasource.refresh.failed': 'dataSourceId',
  'datasource.refresh.succeeded': 'dataSourceId',
  'segment.threshold.crossed': 'segmentId',
  'measure.threshold.crossed': 'measureId',
  'refresh.full.completed': 'jobId',
  'unification.completed': 'jobId',
  'segment.membership.changed': 'segmentId',
};

/** CloudEvents 1.0 structured JSON. `sequence` is the CloudEvents sequence extension (a string); `subscriptionid`
 * names the subscription. */
export function cloudEvent(e: EventEnvelope): Record<string, unknown> {
  const subject = e.data[subjectField[e.type]];
  return {
    specversion: '1.0',
    id: e.id,
    source: `/v1/instances/${e.instanceId}`,
    type: e.type,
    time: e.time,
    ...(typeof subject === 'string' ? { subject } : {}),
    datacontenttype: 'application/json',
    subscriptionid: e.subscriptionId,
    sequence: String(e.sequence),
    data: e.data,
  };
}

export interface SigningKeys {
  secret: string;
  previousSecret: string | null;
  /** ISO time until which the previous secret also signs. */
  previousSecretUntil: string | null;
}

/** The secrets that sign at `now`: the current one, and the previous one during its 24 h overlap. */
export const signingSecrets = (k: SigningKeys, now: Date): string[] =>
  k.previousSecret && k.previousSecretUntil && Date.parse(k.previousSecretUntil) > now.getTime()
    ? [k.secret, k.previousSecret]
    : [k.secret];

/** The body of a delivery from its stored envelope JSON: a standard body is that JSON as stored (serialized once,
 * when the event was emitted); a CloudEvents body is built from it. */
export const deliveryBody = (payload: string, format: DeliveryFormat): string =>
  format === 'cloudevents' ? JSON.stringify(cloudEvent(JSON.parse(payload) as EventEnvelope)) : payload;

export function renderDelivery(
  delivery: { eventId: string; payload: string },
  opts: { format: DeliveryFormat; keys: SigningKeys; now: Date },
): { body: string; headers: Record<string, string> } {
  const body = deliveryBody(delivery.payload, opts.format);
  const headers = webhookHeaders({
    id: delivery.eventId,
    timestamp: Math.floor(opts.now.getTime() / 1000),
    body,
    secrets: signingSecrets(opts.keys, opts.now),
  });
  if (opts.format === 'cloudevents') headers['content-type'] = 'application/cloudevents+json';
  headers['user-agent'] = 'Insightflow-Webhooks/1';
  return { body, headers };
}
