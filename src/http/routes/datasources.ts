// Data sources: CRUD, upload of file content, refresh, test. Secrets are answered as "***".
import { z } from 'zod';
import { dropEntityVersion, unpublishEntity } from '../../datastore/index.ts';
import { submitJob } from '../../jobs/index.ts';
import {
  checkExistingLocation,
  createDataSource,
  dataSourceIn,
  dataSourcePatch,
  listDataSources,
  maskSecrets,
  openSecrets,
  patchDataSource,
  prepareSource,
  previewSource,
  receiveContent,
  removeDataSource,
  requireDataSource,
  setHighWaterMark,
} from '../../sources/index.ts';
import { accepted, created, list, noContent, ok, route } from '../route.ts';

const base = '/v1/instances/{instanceId}/manage/datasources';

const refreshIn = z.strictObject({
  /** Forget the high-water mark first, so that an incremental source reloads everything. */
  full: z.boolean().optional(),
});

export const dataSourceRoutes = [
  route({
    method: 'get',
    path: base,
    operationId: 'GetDataSources',
    summary: 'Get data sources',
    tags: ['Data sources'],
    access: 'viewer',
    responses: {
      200: {
        description: 'The data sources with their status and last refresh.',
        schema: z.object({
          value: z.array(
            z.looseObject({
              id: z.string().describe('The data source.'),
              name: z.string().describe('The name of the data source.'),
              kind: z.string().describe('csv, ndjson, json, parquet, postgres, mysql or http.'),
              status: z.string().describe('Status of the last refresh (notStarted before the first).'),
            }),
          ),
        }),
      },
    },
    connector: { visibility: 'internal' },
    handler: async ({ services, params }) =>
      list((await listDataSources(services.db, params.instanceId as string)).map(maskSecrets)),
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'CreateDataSource',
    summary: 'Add a data source',
    tags: ['Data sources'],
    access: 'contributor',
    body: dataSourceIn,
    responses: { 201: { description: 'The new data source (status notStarted).' } },
    handler: async ({ services, params, body }) => {
      if (body.location !== undefined) checkExistingLocation(services.config.importDir, body.location);
      const ds = await createDataSource(
        services.db,
        services.clock,
        params.instanceId as string,
        body,
        services.sources,
      );
      return created(maskSecrets(ds), `${base.replace('{instanceId}', ds.instanceId)}/${ds.id}`);
    },
  }),
  route({
    method: 'get',
    path: `${base}/{dataSourceId}`,
    operationId: 'GetDataSource',
    summary: 'Get a data source',
    tags: ['Data sources'],
    access: 'viewer',
    responses: { 200: { description: 'The data source.' } },
    handler: async ({ services, params }) =>
      ok(maskSecrets(await requireDataSource(services.db, params.instanceId as string, params.dataSourceId as string))),
  }),
  route({
    method: 'patch',
    path: `${base}/{dataSourceId}`,
    operationId: 'UpdateDataSource',
    summary: 'Change a data source',
    tags: ['Data sources'],
    access: 'contributor',
    body: dataSourcePatch,
    responses: { 200: { description: 'The changed data source.' } },
    handler: async ({ services, params, body }) => {
      if (body.location !== undefined) checkExistingLocation(services.config.importDir, body.location);
      return ok(
        maskSecrets(
          await patchDataSource(
            services.db,
            services.clock,
            params.instanceId as string,
            params.dataSourceId as string,
            body,
            services.sources,
          ),
        ),
      );
    },
  }),
  route({
    method: 'delete',
    path: `${base}/{dataSourceId}`,
    operationId: 'DeleteDataSource',
    summary: 'Delete a data source',
    description: 'Deletes the data source, its published entity and its uploaded file.',
    tags: ['Data sources'],
    access: 'contributor',
    responses: { 204: { description: 'Deleted.' } },
    handler: async ({ services, params }) => {
      const instanceId = params.instanceId as string;
      const table = await services.db.tx(async (tx) => {
        const ds = await removeDataSource(tx, {
          instanceId,
          id: params.dataSourceId as string,
          importDir: services.config.importDir,
        });
        return unpublishEntity(tx, instanceId, ds.entity, services.clock.now());
      });
      if (table) {
        const data = await services.dataStore.instance(instanceId);
        await data.write((c) => dropEntityVersion(c, table));
      }
      return noContent();
    },
  }),
  route({
    method: 'put',
    path: `${base}/{dataSourceId}/content`,
    operationId: 'UploadDataSourceContent',
    summary: 'Upload the file content of a data source',
    description: "Streams the request body into the data source's upload file; refresh the data source to ingest it.",
    tags: ['Data sources'],
    access: 'contributor',
    rawBody: { contentTypes: ['text/csv', 'application/x-ndjson', 'application/json', 'application/octet-stream'] },
    responses: { 200: { description: 'The data source, with the number of bytes received.' } },
    handler: async ({ services, params, hono }) =>
      ok(
        maskSecrets(
          await receiveContent(services.db, services.clock, {
            instanceId: params.instanceId as string,
            id: params.dataSourceId as string,
            importDir: services.config.importDir,
            body: hono.req.raw.body,
            maxBytes: services.config.maxUploadBytes,
          }),
        ),
      ),
  }),
  route({
    method: 'post',
    path: `${base}/{dataSourceId}/refresh`,
    operationId: 'RefreshDataSource',
    summary: 'Refresh a data source',
    tags: ['Data sources'],
    access: 'contributor',
    description:
      'Body `{"full": true}` (optional) forgets the high-water mark first, so that an incremental data source reloads every row.',
    body: refreshIn,
    responses: { 202: { description: 'The job that refreshes the data source.' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const ds = await requireDataSource(services.db, instanceId, params.dataSourceId as string);
      if (body.full) await setHighWaterMark(services.db, ds.id, null);
      const job = await submitJob(
        services.jobs,
        instanceId,
        { operationType: 'ingestion', identifiers: [ds.id] },
        'onDemand',
      );
      return accepted(job, `/v1/instances/${instanceId}/jobs/${job.id}`);
    },
  }),
  route({
    method: 'post',
    path: `${base}/test`,
    operationId: 'TestNewDataSource',
    summary: 'Test a data source before saving it',
    description:
      'Reads the first rows of the data source described by the body (as for Add a data source) without saving or ingesting it.',
    tags: ['Data sources'],
    access: 'contributor',
    body: dataSourceIn,
    responses: {
      200: { description: 'The columns the source would produce, with their types, and its first 20 rows.' },
      400: {
        description: 'What failed: Unreachable, TargetRefused, BadCredentials, MissingTable, NotSelect, SourceFailed.',
      },
    },
    handler: async ({ services, params, body }) => {
      const primaryKey = body.primaryKey ?? null;
      const src = { kind: body.kind, location: body.location ?? '', options: body.options, primaryKey };
      const prepared = prepareSource(services.sources, params.instanceId as string, src, null);
      return ok(
        await previewSource(
          openSecrets(services.secretKey, { ...src, ...prepared, name: body.name }),
          services.sources,
        ),
      );
    },
  }),
  route({
    method: 'post',
    path: `${base}/{dataSourceId}/test`,
    operationId: 'TestDataSource',
    summary: 'Test a data source',
    description:
      'Reads the first rows of the data source without ingesting it: reachable, authorized, its columns and types.',
    tags: ['Data sources'],
    access: 'contributor',
    responses: {
      200: { description: 'The columns the source would produce, with their types, and its first 20 rows.' },
      400: {
        description: 'What failed: Unreachable, TargetRefused, BadCredentials, MissingTable, NotSelect, SourceFailed.',
      },
    },
    handler: async ({ services, params }) => {
      const ds = await requireDataSource(services.db, params.instanceId as string, params.dataSourceId as string);
      return ok(await previewSource(openSecrets(services.secretKey, ds), services.sources));
    },
  }),
];
