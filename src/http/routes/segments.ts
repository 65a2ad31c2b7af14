// Segments (SPEC §5.1): CRUD; each read carries memberCount and history. Queries are checked against the unified
// attributes of the current unification configuration.
import { z } from 'zod';
import {
  createSegment,
  getSegmentOut,
  listSegmentsOut,
  patchSegment,
  removeSegment,
  segmentIn,
  segmentPatch,
} from '../../insights/index.ts';
import { definitionScope } from '../../jobs/index.ts';
import { created, list, noContent, ok, route } from '../route.ts';

const base = '/v1/instances/{instanceId}/manage/segments';

export const historyPointSchema = z.object({
  evaluatedAt: z.string(),
  jobId: z.string(),
  memberCount: z.number().int().optional(),
  value: z.number().nullable().optional(),
  values: z.array(z.object({ dimension: z.record(z.string(), z.unknown()), value: z.number().nullable() })).optional(),
  customers: z.number().int().optional(),
});

const segmentOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  query: z.string(),
  state: z.enum(['active', 'inactive']),
  owners: z.array(z.string()),
  memberCount: z.number().int().nullable(),
  lastEvaluatedAt: z.string().nullable(),
  history: z.array(historyPointSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const segmentRoutes = [
  route({
    method: 'get',
    path: base,
    operationId: 'GetSegments',
    summary: 'Get segments',
    tags: ['Segments'],
    access: 'viewer',
    responses: {
      200: {
        description: 'The segments with member count and history.',
        schema: z.object({ value: z.array(segmentOut) }),
      },
    },
    connector: { visibility: 'internal' },
    handler: async ({ services, params }) => list(await listSegmentsOut(services.db, params.instanceId as string)),
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'CreateSegment',
    summary: 'Create a segment',
    description:
      "query is an OData $filter over Customer (e.g. Country eq 'DE' and LoyaltyPoints gt 3000), with " +
      "IsMemberOfSegment('name') and any/all over source entities; it is checked against the unified attributes.",
    tags: ['Segments'],
    access: 'contributor',
    body: segmentIn,
    responses: { 201: { description: 'The new segment.', schema: segmentOut } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const scope = await definitionScope(services.db, instanceId);
      const s = await createSegment(services.db, services.clock, instanceId, body, scope);
      return created(s, `${base.replace('{instanceId}', instanceId)}/${s.id}`);
    },
  }),
  route({
    method: 'get',
    path: `${base}/{segmentId}`,
    operationId: 'GetSegment',
    summary: 'Get a segment',
    tags: ['Segments'],
    access: 'viewer',
    responses: { 200: { description: 'The segment.', schema: segmentOut } },
    handler: async ({ services, params }) =>
      ok(await getSegmentOut(services.db, params.instanceId as string, params.segmentId as string)),
  }),
  route({
    method: 'patch',
    path: `${base}/{segmentId}`,
    operationId: 'UpdateSegment',
    summary: 'Change a segment',
    description: 'A segment that segments, measures, subscriptions or flows use cannot be renamed (409, naming them).',
    tags: ['Segments'],
    access: 'contributor',
    body: segmentPatch,
    responses: { 200: { description: 'The changed segment.', schema: segmentOut } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const scope = await definitionScope(services.db, instanceId);
      return ok(await patchSegment(services.db, services.clock, instanceId, params.segmentId as string, body, scope));
    },
  }),
  route({
    method: 'delete',
    path: `${base}/{segmentId}`,
    operationId: 'DeleteSegment',
    summary: 'Delete a segment',
    description:
      'Deletes the segment and its history; its members leave SegmentMembership at the next refresh. Refused with ' +
      '409 while segments, measures, subscriptions or flows use it (the answer names them).',
    tags: ['Segments'],
    access: 'contributor',
    responses: { 204: { description: 'Deleted.' } },
    handler: async ({ services, params }) => {
      await removeSegment(services.db, params.instanceId as string, params.segmentId as string);
      return noContent();
    },
  }),
];
