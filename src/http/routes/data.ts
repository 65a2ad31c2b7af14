// Connector actions on entity data: Get items from an entity (OData), Get item, Create item, Update item.
import { z } from 'zod';
import { getItem, getItems, pageLinkClaim, type PageLinkDeps } from '../../connector/items.ts';
import { createRecord, updateProfile } from '../../connector/realtime.ts';
import { AppError } from '../../core/errors.ts';
import { getEntity } from '../../datastore/index.ts';
import { maxTop } from '../../datastore/odata/index.ts';
import type { Principal } from '../../tenancy/index.ts';
import { created, ok, route } from '../route.ts';
import type { Services } from '../services.ts';

const base = '/v1/instances/{instanceId}/data/{entity}';

const pageLinkDeps = (services: Services): PageLinkDeps => ({
  ...services,
  pageLinkTtlMs: services.config.pageLinkTtlMs,
});

const itemsQuery = z.strictObject({
  $filter: z.string().optional().describe("OData filter, e.g. Email eq 'a@example.com' and Age gt 30."),
  $select: z.string().optional().describe('Comma-separated attributes to return (default: all).'),
  $orderby: z.string().optional().describe('Comma-separated "attribute [asc|desc]".'),
  $top: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe(`Rows per page: default 100; more than ${maxTop} is clamped to ${maxTop}.`),
  $skip: z.coerce.number().int().min(0).optional().describe('Rows to skip (prefer following @odata.nextLink).'),
  $count: z.enum(['true', 'false']).optional().describe('true: include @odata.count, the number of matching rows.'),
  $skiptoken: z
    .string()
    .optional()
    .describe('Signed position token from @odata.nextLink; it also authorizes that read without the API key.'),
});

const row = z.record(z.string(), z.unknown());
const itemsOut = z.object({
  '@odata.context': z.string(),
  '@odata.count': z.number().int().optional(),
  value: z.array(row),
  '@odata.nextLink': z.string().optional(),
});

const values = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const validityQuery = z.strictObject({
  validUntil: z
    .string()
    .optional()
    .describe(
      'ISO 8601 time the values expire, at most 30 days ahead (default: 30 days to create, 4 hours to update).',
    ),
});
const validityParam = {
  validUntil: { summary: 'Valid until', visibility: 'advanced' as const },
};

const stored = (what: string) =>
  z.object({ id: z.string(), entity: z.string(), validUntil: z.string(), [what]: values });

export const dataRoutes = [
  route({
    method: 'get',
    path: base,
    operationId: 'GetItems',
    summary: 'Get items from an entity',
    description:
      'Reads one page of items with OData $filter, $select, $orderby, $top, $skip and $count; @odata.nextLink ' +
      'leads to the next page whenever more rows exist.',
    tags: ['Data'],
    access: 'viewer',
    query: itemsQuery,
    responses: { 200: { description: 'One page of items.', schema: itemsOut } },
    connector: {
      visibility: 'important',
      pageable: true,
      rowSchema: { in: 'responseRows' },
      parameters: {
        $filter: { summary: 'Filter Query' },
        $select: { summary: 'Select Query', visibility: 'advanced' },
        $orderby: { summary: 'Order By', visibility: 'advanced' },
        $top: { summary: 'Top Count' },
        $skip: { summary: 'Skip Count', visibility: 'advanced' },
        $count: { summary: 'Include Count', visibility: 'advanced' },
        $skiptoken: { summary: 'Skip Token', visibility: 'internal' },
      },
    },
    keylessConnection: (services, c) => {
      const token = c.req.query('$skiptoken');
      return token === undefined ? undefined : pageLinkClaim(pageLinkDeps(services), token).connectionId;
    },
    handler: async ({ services, params, query, url, base, principal, hono }) =>
      ok(
        await getItems(
          pageLinkDeps(services),
          params.instanceId as string,
          params.entity as string,
          {
            filter: query.$filter,
            select: query.$select,
            orderby: query.$orderby,
            // As sent, not as coerced: "1e2" or " 5" is no whole number (SPEC §11).
            top: hono.req.query('$top'),
            skip: hono.req.query('$skip'),
            count: query.$count,
            skiptoken: query.$skiptoken,
          },
          { base, url, connectionId: (principal as Principal).connectionId },
        ),
      ),
  }),
  route({
    method: 'get',
    path: `${base}/{key}`,
    operationId: 'GetItem',
    summary: 'Get item',
    description: 'Reads one item by its primary key (CustomerId for Customer), with live real-time values.',
    tags: ['Data'],
    access: 'viewer',
    responses: { 200: { description: 'The item.', schema: row } },
    connector: { rowSchema: { in: 'response' } },
    handler: async ({ services, params }) =>
      ok(await getItem(services, params.instanceId as string, params.entity as string, params.key as string)),
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'CreateItem',
    audit: false,
    summary: 'Create item',
    description:
      'Adds a real-time record to an entity; reads include it until validUntil. Values are checked against the ' +
      "entity's attributes and types; a key already present is a conflict.",
    tags: ['Data'],
    access: 'contributor',
    query: validityQuery,
    body: values,
    responses: { 201: { description: 'The stored record.', schema: stored('record') } },
    connector: {
      rowSchema: { in: 'body' },
      parameters: {
        ...validityParam,
        entity: {
          summary: 'Entity',
          description: 'A source entity (Customer and other computed entities take no new items).',
          pickerArguments: { writable: 'true' },
        },
      },
    },
    handler: async ({ services, params, query, body }) => {
      const instanceId = params.instanceId as string;
      const entity = await getEntity(services.db, instanceId, params.entity as string);
      if (!entity) throw new AppError('NotFound', `entity ${params.entity} not found`);
      const r = await createRecord(services, instanceId, entity, body, query.validUntil);
      const key = entity.key.length === 1 ? String(r.record[entity.key[0] as string]) : undefined;
      const location = key
        ? `/v1/instances/${instanceId}/data/${entity.name}/${encodeURIComponent(key)}`
        : `/v1/instances/${instanceId}/data/${entity.name}`;
      return created({ id: r.id, entity: entity.name, validUntil: r.validUntil, record: r.record }, location);
    },
  }),
  route({
    method: 'patch',
    path: '/v1/instances/{instanceId}/data/Customer/{key}',
    operationId: 'UpdateItem',
    audit: false,
    summary: 'Update item',
    description:
      'Sets real-time values of profile fields; reads of the profile show them until validUntil. The profile ' +
      'must exist; fields are checked against the Customer attributes.',
    tags: ['Data'],
    access: 'contributor',
    query: validityQuery,
    body: values,
    responses: { 200: { description: 'The stored values.', schema: stored('fields') } },
    connector: {
      rowSchema: { in: 'body', entity: 'Customer' },
      parameters: {
        ...validityParam,
        key: { summary: 'Customer ID', description: 'The CustomerId of the profile to update.' },
      },
    },
    handler: async ({ services, params, query, body }) => {
      const instanceId = params.instanceId as string;
      const entity = await getEntity(services.db, instanceId, 'Customer');
      if (!entity) throw new AppError('NotFound', 'entity Customer not found (run unification first)');
      const r = await updateProfile(services, instanceId, entity, params.key as string, body, query.validUntil);
      return ok({ id: r.id, entity: entity.name, validUntil: r.validUntil, fields: r.fields });
    },
  }),
];
