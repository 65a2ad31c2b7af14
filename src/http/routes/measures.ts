// Measures (SPEC §5.1): CRUD; each read carries value (or values per dimension value) and history. Definitions are
// checked against the unified attributes and the published entities.
import { z } from 'zod';
import { measureDimensionSchema } from '../../connector/dimension-schema.ts';
import {
  aggregations,
  createMeasure,
  getMeasureOut,
  listMeasuresOut,
  measureIn,
  measureKinds,
  measurePatch,
  patchMeasure,
  removeMeasure,
} from '../../insights/index.ts';
import { definitionScope } from '../../jobs/index.ts';
import { created, list, noContent, ok, route } from '../route.ts';
import { historyPointSchema } from './segments.ts';

const base = '/v1/instances/{instanceId}/manage/measures';

const measureOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  kind: z.enum(measureKinds),
  entity: z.string(),
  aggregation: z.enum(aggregations),
  attribute: z.string().nullable(),
  filter: z.string().nullable(),
  dimensions: z.array(z.string()),
  link: z.object({ entity: z.string(), attribute: z.string() }).nullable(),
  owners: z.array(z.string()),
  value: z.number().nullable(),
  values: z.array(z.object({ dimension: z.record(z.string(), z.unknown()), value: z.number().nullable() })).nullable(),
  lastEvaluatedAt: z.string().nullable(),
  history: z.array(historyPointSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const measureRoutes = [
  route({
    method: 'get',
    path: base,
    operationId: 'GetMeasures',
    summary: 'Get measures',
    tags: ['Measures'],
    access: 'viewer',
    responses: {
      200: { description: 'The measures with value and history.', schema: z.object({ value: z.array(measureOut) }) },
    },
    connector: { visibility: 'internal' },
    handler: async ({ services, params }) => list(await listMeasuresOut(services.db, params.instanceId as string)),
  }),
  route({
    method: 'get',
    path: `${base}/{measureId}/dimension-schema`,
    operationId: 'GetMeasureDimensionSchema',
    summary: 'Get the dimension schema of a measure',
    description:
      'JSON Schema with one property per dimension of the measure, offering the values of its last evaluation; the trigger "When a measure crosses a threshold" uses it as its dimension picker.',
    tags: ['Measures'],
    access: 'viewer',
    responses: {
      200: {
        description: 'The JSON Schema of the dimension object.',
        schema: z.object({
          type: z.literal('object').describe('Always object.'),
          title: z.string().describe('What the schema describes.'),
          properties: z.record(z.string(), z.record(z.string(), z.unknown())).describe('One entry per dimension.'),
          required: z.array(z.string()).optional().describe('Every dimension must be given.'),
        }),
      },
    },
    connector: { visibility: 'internal' },
    handler: async ({ services, params }) =>
      ok(await measureDimensionSchema(services.db, params.instanceId as string, params.measureId as string)),
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'CreateMeasure',
    summary: 'Create a measure',
    description:
      'Aggregates (sum, avg, count, countDistinct, min, max) an attribute of an entity, with an optional OData filter ' +
      'and dimensions. kind business: one value (or one per dimension value); customer: one value per CustomerId, a ' +
      'column of CustomerMeasures.',
    tags: ['Measures'],
    access: 'contributor',
    body: measureIn,
    responses: { 201: { description: 'The new measure.', schema: measureOut } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const scope = await definitionScope(services.db, instanceId);
      const m = await createMeasure(services.db, services.clock, instanceId, body, scope);
      return created(m, `${base.replace('{instanceId}', instanceId)}/${m.id}`);
    },
  }),
  route({
    method: 'get',
    path: `${base}/{measureId}`,
    operationId: 'GetMeasure',
    summary: 'Get a measure',
    tags: ['Measures'],
    access: 'viewer',
    responses: { 200: { description: 'The measure.', schema: measureOut } },
    handler: async ({ services, params }) =>
      ok(await getMeasureOut(services.db, params.instanceId as string, params.measureId as string)),
  }),
  route({
    method: 'patch',
    path: `${base}/{measureId}`,
    operationId: 'UpdateMeasure',
    summary: 'Change a measure',
    tags: ['Measures'],
    access: 'contributor',
    body: measurePatch,
    responses: { 200: { description: 'The changed measure.', schema: measureOut } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const scope = await definitionScope(services.db, instanceId);
      return ok(await patchMeasure(services.db, services.clock, instanceId, params.measureId as string, body, scope));
    },
  }),
  route({
    method: 'delete',
    path: `${base}/{measureId}`,
    operationId: 'DeleteMeasure',
    summary: 'Delete a measure',
    description:
      'Deletes the measure and its history. Refused with 409 while subscriptions or flows use it (the answer names them).',
    tags: ['Measures'],
    access: 'contributor',
    responses: { 204: { description: 'Deleted.' } },
    handler: async ({ services, params }) => {
      await removeMeasure(services.db, params.instanceId as string, params.measureId as string);
      return noContent();
    },
  }),
];
