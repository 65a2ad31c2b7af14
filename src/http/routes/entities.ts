// Connector actions on entities: Get entities, Retrieve partitions for an entity, and the partition links
// themselves (Retrieve data from a partition), which are signed and need no API key.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { entitySchema, isWritable } from '../../connector/entity-schema.ts';
import { getEntities } from '../../connector/items.ts';
import { getPartitions, partitionFile } from '../../connector/partitions.ts';
import { verifyPartition } from '../../connector/signed-link.ts';
import { AppError } from '../../core/errors.ts';
import { list, ok, route } from '../route.ts';

const entityOut = z.object({
  name: z.string(),
  kind: z.string(),
  attributes: z.array(z.object({ name: z.string(), type: z.string() })),
  key: z.array(z.string()),
  rowCount: z.number().int(),
  version: z.number().int(),
});

const partitionOut = z.object({
  name: z.string(),
  format: z.enum(['parquet', 'csv']),
  entity: z.string(),
  version: z.number().int(),
  rowCount: z.number().int(),
  sizeBytes: z.number().int(),
  url: z.string(),
  token: z.string(),
  expiresAt: z.string(),
});

const rowSchema = z.object({
  type: z.literal('object').describe('Always object: one row.'),
  title: z.string().describe('The entity name.'),
  properties: z.record(z.string(), z.record(z.string(), z.unknown())).describe('The attributes with their types.'),
  required: z.array(z.string()).optional().describe('Attributes a new item must have (the key).'),
});

const contentTypes = { parquet: 'application/vnd.apache.parquet', csv: 'text/csv; charset=utf-8' } as const;

export const entityRoutes = [
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/manage/entities',
    operationId: 'GetEntities',
    summary: 'Get entities',
    description: 'Lists the published entities with their attributes and row counts.',
    tags: ['Entities'],
    access: 'viewer',
    query: z.strictObject({
      writable: z
        .enum(['true', 'false'])
        .optional()
        .describe('true: only entities that take "Create item" (source entities).'),
    }),
    responses: { 200: { description: 'The entities.', schema: z.object({ value: z.array(entityOut) }) } },
    connector: { parameters: { writable: { summary: 'Only writable', visibility: 'advanced' } } },
    handler: async ({ services, params, query }) => {
      const all = await getEntities(services.db, params.instanceId as string);
      return list(query.writable === 'true' ? all.filter((e) => isWritable(e.kind)) : all);
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/manage/entities/{entity}/schema',
    operationId: 'GetEntitySchema',
    summary: 'Get the schema of an entity',
    description:
      'JSON Schema of one row of the entity: each attribute with its type, format and title. The flow designer uses it to type the items of Get items, Get item, Create item and Update item.',
    tags: ['Entities'],
    access: 'viewer',
    responses: { 200: { description: 'The JSON Schema of one row.', schema: rowSchema } },
    connector: { visibility: 'internal' },
    handler: async ({ services, params }) =>
      ok(await entitySchema(services.db, params.instanceId as string, params.entity as string)),
  }),
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/manage/entities/{entity}/partitions',
    operationId: 'GetPartitions',
    summary: 'Retrieve partitions for an entity',
    description:
      'Exports the published snapshot of the entity as Parquet and CSV files and returns a link to each, valid ' +
      'for one hour; opening a link needs no API key.',
    tags: ['Entities'],
    access: 'viewer',
    responses: { 200: { description: 'The partition files.', schema: z.object({ value: z.array(partitionOut) }) } },
    connector: {},
    handler: async ({ services, params, base }) =>
      list(
        await getPartitions(
          { ...services, dataDir: services.config.sharedDir },
          params.instanceId as string,
          params.entity as string,
          base,
        ),
      ),
  }),
  route({
    method: 'get',
    path: '/v1/partitions/{token}',
    operationId: 'GetPartitionData',
    summary: 'Retrieve data from a partition',
    description: 'Streams a partition file; the link comes from "Retrieve partitions for an entity".',
    tags: ['Entities'],
    access: 'public',
    responses: {
      200: { description: 'The file (Parquet or CSV).', file: [contentTypes.parquet, contentTypes.csv] },
      403: { description: 'The link is expired or not valid.' },
    },
    connector: {
      parameters: {
        token: {
          summary: 'Partition token',
          description: 'The "Partition token" of a file returned by "Retrieve partitions for an entity".',
        },
      },
    },
    handler: async ({ services, params }) => {
      const claim = verifyPartition(services.secretKey, params.token as string, services.clock.now().getTime());
      const file = partitionFile(services.config.sharedDir, claim);
      if (!existsSync(file))
        throw new AppError(
          'NotFound',
          `${claim.entity} version ${claim.version} was replaced; ask for the partitions again`,
        );
      const name = `${claim.entity}__v${claim.version}.${claim.format}`;
      return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
        status: 200,
        headers: {
          'content-type': contentTypes[claim.format],
          'content-length': String(statSync(file).size),
          'content-disposition': `attachment; filename="${name}"`,
          'cache-control': 'private, no-store',
        },
      });
    },
  }),
];
