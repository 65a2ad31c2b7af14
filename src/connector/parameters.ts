// How the connector presents well-known parameters: their titles (x-ms-summary) and the drop-downs
// (x-ms-dynamic-values) that let a flow author pick an instance, entity, data source, segment or measure by name.
import type { JsonSchema } from './json-schema.ts';

export interface KnownParameter {
  summary: string;
  description: string;
  /** The list operation and fields behind the drop-down. */
  dynamic?: { operationId: string; valuePath: string; titlePath: string; needsInstance: boolean };
}

export const knownParameters: Record<string, KnownParameter> = {
  instanceId: {
    summary: 'Instance',
    description: 'The Insightflow instance (environment).',
    dynamic: { operationId: 'GetInstances', valuePath: 'id', titlePath: 'name', needsInstance: false },
  },
  entity: {
    summary: 'Entity',
    description: 'The entity (table) to read or write.',
    dynamic: { operationId: 'GetEntities', valuePath: 'name', titlePath: 'name', needsInstance: true },
  },
  dataSourceId: {
    summary: 'Data source',
    description: 'Only this data source (leave empty for any).',
    dynamic: { operationId: 'GetDataSources', valuePath: 'id', titlePath: 'name', needsInstance: true },
  },
  segmentId: {
    summary: 'Segment',
    description: 'The segment whose member count is watched.',
    dynamic: { operationId: 'GetSegments', valuePath: 'id', titlePath: 'name', needsInstance: true },
  },
  measureId: {
    summary: 'Measure',
    description: 'The measure whose value is watched.',
    dynamic: { operationId: 'GetMeasures', valuePath: 'id', titlePath: 'name', needsInstance: true },
  },
  key: { summary: 'Item key', description: 'The primary-key value of the item (CustomerId for Customer).' },
  subscriptionId: { summary: 'Subscription ID', description: 'The subscription to remove.' },
  jobId: { summary: 'Job ID', description: 'The job.' },
};

/** The operations behind the drop-downs; the connector definition includes them as internal operations. */
export const dynamicSourceOperations = new Set(
  Object.values(knownParameters).flatMap((p) => (p.dynamic ? [p.dynamic.operationId] : [])),
);

/** The x-ms-* properties of a parameter or body property named `name`. */
export function connectorExtensions(name: string, available: Set<string>): JsonSchema {
  const known = knownParameters[name];
  if (!known) return {};
  const out: JsonSchema = { 'x-ms-summary': known.summary, description: known.description };
  const d = known.dynamic;
  if (d && available.has(d.operationId)) {
    out['x-ms-dynamic-values'] = {
      operationId: d.operationId,
      ...(d.needsInstance ? { parameters: { instanceId: { parameter: 'instanceId' } } } : {}),
      'value-collection': 'value',
      'value-path': d.valuePath,
      'value-title': d.titlePath,
    };
  }
  return out;
}
