// The seven webhook triggers of the connector definition, derived from the event catalog: one subscription operation
// per trigger (x-ms-trigger: single, the callback URL marked x-ms-notification-url, 201 with Location), the event
// envelope as path-level x-ms-notification-content, and the internal DELETE that unsubscribes.
import { defaultMaxProfiles, maxProfilesLimit, payloadSchemas, triggers, type TriggerName } from '../events/index.ts';
import type { JsonSchema } from './json-schema.ts';
import { swaggerSchemaOf } from './json-schema.ts';
import { connectorExtensions } from './parameters.ts';

interface TriggerText {
  operationId: string;
  summary: string;
  description: string;
  /** Trigger parameters in display order; `required` ones must be given. */
  params: Array<{ name: TriggerParamName; required?: boolean }>;
  /** Liquid templates over the trigger's event that a new message step of a built-in flow starts with (Teams title
   * and text, Slack text, e-mail subject and body): they render on every event of the trigger. */
  message: { subject: string; text: string };
}

type TriggerParamName =
  | 'dataSourceId'
  | 'segmentId'
  | 'measureId'
  | 'threshold'
  | 'direction'
  | 'hysteresis'
  | 'dimension'
  | 'includeManual'
  | 'change'
  | 'perProfile'
  | 'maxProfiles';

const threshold: TriggerText['params'] = [
  { name: 'threshold', required: true },
  { name: 'direction' },
  { name: 'hysteresis' },
];

export const triggerTexts: Record<TriggerName, TriggerText> = {
  'datasource-refresh-failed': {
    operationId: 'OnDataSourceRefreshFailed',
    summary: 'When a data source refresh fails',
    description: 'Triggers when a refresh of a data source (or of any data source) ends failed.',
    params: [{ name: 'dataSourceId' }],
    message: {
      subject: 'Refresh of {{ event.data.dataSourceName }} failed',
      text: '{{ event.data.error.code }}: {{ event.data.error.message }}',
    },
  },
  'datasource-refresh-succeeded': {
    operationId: 'OnDataSourceRefreshSucceeded',
    summary: 'When a data source refresh succeeds',
    description: 'Triggers when a refresh of a data source (or of any data source) ends succeeded.',
    params: [{ name: 'dataSourceId' }],
    message: {
      subject: 'Refresh of {{ event.data.dataSourceName }} succeeded',
      text: '{{ event.data.rowsIngested }} rows read in {{ event.data.durationMs }} ms.',
    },
  },
  'segment-threshold-crossed': {
    operationId: 'OnSegmentThresholdCrossed',
    summary: 'When a segment crosses a threshold',
    description: "Triggers when a segment's member count crosses the threshold between two evaluations.",
    params: [{ name: 'segmentId', required: true }, ...threshold],
    message: {
      subject: '{{ event.data.segmentName }} crossed {{ event.data.threshold }}',
      text: 'The segment now has {{ event.data.currentValue }} members (before: {{ event.data.previousValue }}).',
    },
  },
  'measure-threshold-crossed': {
    operationId: 'OnMeasureThresholdCrossed',
    summary: 'When a measure crosses a threshold',
    description: "Triggers when a measure's value crosses the threshold between two evaluations.",
    params: [{ name: 'measureId', required: true }, ...threshold, { name: 'dimension' }],
    message: {
      subject: '{{ event.data.measureName }} crossed {{ event.data.threshold }}',
      text: 'The measure is now {{ event.data.currentValue }} (before: {{ event.data.previousValue }}).',
    },
  },
  'full-refresh-completed': {
    operationId: 'OnFullRefreshCompleted',
    summary: 'When a full refresh completes',
    description: 'Triggers when a full refresh job ends, whatever its status (scheduled jobs only unless asked).',
    params: [{ name: 'includeManual' }],
    message: {
      subject: 'Full refresh {{ event.data.status }}',
      text: 'Job {{ event.data.jobId }} ended {{ event.data.status }} after {{ event.data.durationMs }} ms.',
    },
  },
  'unification-completed': {
    operationId: 'OnUnificationCompleted',
    summary: 'When unification completes',
    description: 'Triggers when the map, match and merge task of a refresh ends.',
    params: [],
    message: {
      subject: 'Unification {{ event.data.status }}',
      text: '{{ event.data.sourceRecords }} source records became {{ event.data.unifiedProfiles }} profiles.',
    },
  },
  'segment-membership-changed': {
    operationId: 'OnSegmentMembershipChanged',
    summary: 'When customers enter or leave a segment',
    description:
      'Triggers when an evaluation adds customers to a segment or removes them: once per evaluation, or once per ' +
      'changed customer with the profile (perProfile).',
    params: [
      { name: 'segmentId', required: true },
      { name: 'change' },
      { name: 'perProfile' },
      { name: 'maxProfiles' },
    ],
    message: {
      subject: '{{ event.data.segmentName }}: {{ event.data.entered }} entered, {{ event.data.exited }} left',
      // Per-profile events carry the customer; the summary events (also after a capped run) do not.
      text:
        '{% if event.data.customerId %}Customer {{ event.data.customerId }} {{ event.data.change }} the segment.' +
        '{% else %}The segment now has {{ event.data.memberCount }} members.{% endif %} ' +
        'Changes: {{ event.data.changesLink }}',
    },
  },
};

const paramSchemas: Record<TriggerParamName, JsonSchema> = {
  dataSourceId: { type: 'string' },
  segmentId: { type: 'string' },
  measureId: { type: 'string' },
  threshold: {
    type: 'number',
    'x-ms-summary': 'Threshold',
    description: 'Fires when the value passes this number.',
  },
  direction: {
    type: 'string',
    enum: ['above', 'below', 'both'],
    default: 'above',
    'x-ms-summary': 'Direction',
    description: 'above: from at most the threshold to more; below: from at least the threshold to less; both.',
  },
  hysteresis: {
    type: 'number',
    minimum: 0,
    default: 0,
    'x-ms-summary': 'Hysteresis',
    description: 'After firing, re-arm only once the value has moved back by this much.',
    'x-ms-visibility': 'advanced',
  },
  dimension: {
    type: 'object',
    'x-ms-summary': 'Dimension',
    description: 'Dimension values of the measure series to watch (required for a measure with dimensions).',
    'x-ms-visibility': 'advanced',
    'x-ms-dynamic-schema': {
      operationId: 'GetMeasureDimensionSchema',
      parameters: { instanceId: { parameter: 'instanceId' }, measureId: { parameter: 'measureId' } },
    },
  },
  includeManual: {
    type: 'boolean',
    default: false,
    'x-ms-summary': 'Include manual refreshes',
    description: 'false: scheduled full refreshes only (as the original connector); true: on-demand ones too.',
  },
  change: {
    type: 'string',
    enum: ['entered', 'exited', 'both'],
    default: 'both',
    'x-ms-summary': 'Change',
    description: 'entered: customers who joined the segment; exited: customers who left it; both.',
  },
  perProfile: {
    type: 'boolean',
    default: false,
    'x-ms-summary': 'Once per customer',
    description:
      'false: one event per evaluation with the counts; true: one event per changed customer, with the profile.',
  },
  maxProfiles: {
    type: 'integer',
    minimum: 1,
    maximum: maxProfilesLimit,
    default: defaultMaxProfiles,
    'x-ms-summary': 'Most customers per evaluation',
    description: 'With once per customer: at most this many events per evaluation, then one summary (truncated).',
    'x-ms-visibility': 'advanced',
  },
};

const envelope = (name: TriggerName): JsonSchema => ({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-ms-summary': 'Event ID' },
    type: { type: 'string', 'x-ms-summary': 'Event type' },
    time: { type: 'string', format: 'date-time', 'x-ms-summary': 'Event time' },
    instanceId: { type: 'string', 'x-ms-summary': 'Instance ID' },
    subscriptionId: { type: 'string', 'x-ms-summary': 'Subscription ID' },
    sequence: { type: 'integer', 'x-ms-summary': 'Sequence' },
    data: swaggerSchemaOf(payloadSchemas[triggers[name]], 'output'),
  },
});

/** Path items of the seven trigger subscriptions, keyed by path. */
export function triggerPaths(available: Set<string>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const name of Object.keys(triggers) as TriggerName[]) {
    const t = triggerTexts[name];
    const properties: Record<string, JsonSchema> = {
      callbackUrl: {
        type: 'string',
        description: 'The URL the events are posted to (filled in by Power Automate).',
        'x-ms-notification-url': true,
        'x-ms-visibility': 'internal',
        'x-ms-summary': 'Callback URL',
      },
    };
    for (const p of t.params)
      properties[p.name] = { ...paramSchemas[p.name], ...connectorExtensions(p.name, available) };
    out[`/v1/instances/{instanceId}/triggers/${name}/subscriptions`] = {
      'x-ms-notification-content': { description: `The ${triggers[name]} event.`, schema: envelope(name) },
      post: {
        operationId: t.operationId,
        summary: t.summary,
        description: t.description,
        tags: ['Triggers'],
        'x-ms-trigger': 'single',
        'x-ms-visibility': 'important',
        parameters: [
          instancePathParameter(available),
          {
            name: 'body',
            in: 'body',
            required: true,
            schema: {
              type: 'object',
              required: ['callbackUrl', ...t.params.filter((p) => p.required).map((p) => p.name)],
              properties,
            },
          },
        ],
        responses: {
          201: {
            description: 'Subscribed; Location is the subscription to delete when the flow is removed.',
            headers: { Location: { type: 'string', description: 'URL of the subscription.' } },
            schema: {
              type: 'object',
              properties: { id: { type: 'string' }, secret: { type: 'string', 'x-ms-visibility': 'internal' } },
            },
          },
        },
      },
    };
  }
  return out;
}

/** The instance path parameter with its drop-down. */
export const instancePathParameter = (available: Set<string>): JsonSchema => ({
  name: 'instanceId',
  in: 'path',
  required: true,
  type: 'string',
  ...connectorExtensions('instanceId', available),
});

/** One trigger as clients that list them see it (the UI's flow and webhook editors). */
export interface TriggerInfo {
  name: TriggerName;
  eventType: string;
  summary: string;
  description: string;
  /** Templates a new message step starts with; `to`: the owners, for events that name them (else null). */
  message: { subject: string; text: string; to: string | null };
  parameters: Array<{
    name: string;
    required: boolean;
    type: string;
    label: string;
    description: string | null;
    enum?: unknown[];
    default?: unknown;
  }>;
}

/** Every trigger with its summary and parameters, in catalog order. */
export function triggerCatalog(): TriggerInfo[] {
  return (Object.keys(triggers) as TriggerName[]).map((name) => {
    const t = triggerTexts[name];
    return {
      name,
      eventType: triggers[name],
      summary: t.summary,
      description: t.description,
      message: {
        ...t.message,
        to: 'owners' in payloadSchemas[triggers[name]].shape ? '{{ event.data.owners }}' : null,
      },
      parameters: t.params.map((p) => {
        const s = paramSchemas[p.name];
        return {
          name: p.name,
          required: p.required === true,
          type: String(s.type),
          label: typeof s['x-ms-summary'] === 'string' ? s['x-ms-summary'] : p.name,
          description: typeof s.description === 'string' ? s.description : null,
          ...(s.enum ? { enum: s.enum as unknown[] } : {}),
          ...(s.default !== undefined ? { default: s.default } : {}),
        };
      }),
    };
  });
}
