// The seven event types, their trigger names (URL segments) and payload schemas. Payloads may gain fields; none is
// removed. Tests validate every emitted payload against these schemas.
import { z } from 'zod';

const iso = z.string().datetime({ offset: true });
const errorShape = z.object({ code: z.string(), message: z.string() });
const submissionKind = z.enum(['onDemand', 'scheduled']);
const direction = z.enum(['above', 'below']);

export const payloadSchemas = {
  'datasource.refresh.failed': z.object({
    dataSourceId: z.string(),
    dataSourceName: z.string(),
    owners: z.array(z.string()),
    jobId: z.string(),
    submissionKind,
    status: z.literal('failed'),
    startedAt: iso,
    finishedAt: iso,
    durationMs: z.number(),
    rowsIngested: z.number(),
    error: errorShape,
  }),
  'datasource.refresh.succeeded': z.object({
    dataSourceId: z.string(),
    dataSourceName: z.string(),
    owners: z.array(z.string()),
    jobId: z.string(),
    submissionKind,
    status: z.literal('succeeded'),
    startedAt: iso,
    finishedAt: iso,
    durationMs: z.number(),
    rowsIngested: z.number(),
    error: z.null(),
  }),
  'segment.threshold.crossed': z.object({
    segmentId: z.string(),
    segmentName: z.string(),
    owners: z.array(z.string()),
    threshold: z.number(),
    direction,
    previousValue: z.number(),
    currentValue: z.number(),
    evaluatedAt: iso,
    jobId: z.string(),
  }),
  'measure.threshold.crossed': z.object({
    measureId: z.string(),
    measureName: z.string(),
    owners: z.array(z.string()),
    dimension: z.record(z.string(), z.unknown()).nullable(),
    threshold: z.number(),
    direction,
    previousValue: z.number(),
    currentValue: z.number(),
    evaluatedAt: iso,
    jobId: z.string(),
  }),
  'refresh.full.completed': z.object({
    jobId: z.string(),
    submissionKind,
    status: z.enum(['succeeded', 'failed', 'canceled']),
    startedAt: iso,
    finishedAt: iso,
    durationMs: z.number(),
    tasks: z.array(
      z.object({
        operationType: z.string(),
        identifier: z.string().nullable(),
        friendlyName: z.string(),
        status: z.string(),
      }),
    ),
  }),
  'unification.completed': z.object({
    jobId: z.string(),
    status: z.enum(['succeeded', 'failed', 'canceled']),
    sourceRecords: z.number(),
    unifiedProfiles: z.number(),
    matchedRecords: z.number(),
    matchesPerRule: z.record(z.string(), z.number()),
    startedAt: iso,
    finishedAt: iso,
    durationMs: z.number(),
    error: errorShape.nullable(),
  }),
  'segment.membership.changed': z.object({
    segmentId: z.string(),
    segmentName: z.string(),
    owners: z.array(z.string()),
    entered: z.number().int(),
    exited: z.number().int(),
    memberCount: z.number().int(),
    evaluatedAt: iso,
    jobId: z.string(),
    changesLink: z.string().url(),
    truncated: z.boolean(),
    customerId: z.string().optional(),
    change: z.enum(['entered', 'exited']).optional(),
    profile: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
} as const;

export type EventType = keyof typeof payloadSchemas;
export const eventTypes = Object.keys(payloadSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof payloadSchemas)[T]>;

/** Trigger names as they appear in URLs and flow definitions, with their event types. */
export const triggers = {
  'datasource-refresh-failed': 'datasource.refresh.failed',
  'datasource-refresh-succeeded': 'datasource.refresh.succeeded',
  'segment-threshold-crossed': 'segment.threshold.crossed',
  'measure-threshold-crossed': 'measure.threshold.crossed',
  'full-refresh-completed': 'refresh.full.completed',
  'unification-completed': 'unification.completed',
  'segment-membership-changed': 'segment.membership.changed',
} as const satisfies Record<string, EventType>;

export type TriggerName = keyof typeof triggers;
export const triggerNames = Object.keys(triggers) as TriggerName[];

export const triggerOf = (type: EventType): TriggerName =>
  triggerNames.find((t) => triggers[t] === type) as TriggerName;

/** A stored event. */
export interface StoredEvent {
  position: number;
  id: string;
  instanceId: string;
  type: EventType;
  time: string;
  /** For threshold events: the subscription whose threshold was crossed. */
  subject: string | null;
  data: Record<string, unknown>;
}

/** The JSON body of a delivery in the default (standard) format. */
export interface EventEnvelope {
  id: string;
  type: EventType;
  time: string;
  instanceId: string;
  subscriptionId: string;
  sequence: number;
  data: Record<string, unknown>;
}
