// The unification configuration (map, match, merge) of an instance, validated against the published source
// entities it maps; the statistics of its last run; and a test that matches the published data with a configuration
// not saved yet and counts what it would do.
import { AppError, TaskError } from '../../core/errors.ts';
import { getEntity, type EntitySchema } from '../../datastore/index.ts';
import { getUnificationConfig, latestTasks, putSetting, unificationSetting } from '../../jobs/index.ts';
import { listDataSources } from '../../sources/index.ts';
import { unificationConfigSchema, validateUnificationConfig } from '../../unify/config.ts';
import type { SourceTable } from '../../unify/records.ts';
import { runUnification } from '../../unify/run.ts';
import { ok, route } from '../route.ts';

const path = '/v1/instances/{instanceId}/manage/unification';

export const unificationRoutes = [
  route({
    method: 'get',
    path,
    operationId: 'GetUnification',
    summary: 'Get the unification configuration',
    tags: ['Unification'],
    access: 'viewer',
    responses: { 200: { description: '{map, match, merge}' }, 404: { description: 'Not configured yet.' } },
    handler: async ({ services, params }) => {
      const config = await getUnificationConfig(services.db, params.instanceId as string);
      if (config === undefined) throw new AppError('NotFound', 'no unification configuration has been set');
      return ok(config);
    },
  }),
  route({
    method: 'put',
    path,
    operationId: 'SetUnification',
    summary: 'Set the unification configuration',
    description:
      'Checked now against the source entities it maps (shape, names, policies; the columns of entities with data); the columns of entities without data yet are checked when a job runs.',
    tags: ['Unification'],
    access: 'contributor',
    body: unificationConfigSchema,
    responses: { 200: { description: 'The stored configuration.' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const entities: EntitySchema[] = [];
      const pending: string[] = [];
      const sourceEntities = new Set((await listDataSources(services.db, instanceId)).map((d) => d.entity));
      for (const m of body.map) {
        const e = await getEntity(services.db, instanceId, m.entity);
        if (e) entities.push(e);
        else if (sourceEntities.has(m.entity)) pending.push(m.entity);
      }
      const config = validateUnificationConfig(body, entities, { pending });
      await putSetting(services.db, instanceId, unificationSetting, config, services.clock.now());
      return ok(config);
    },
  }),
  route({
    method: 'get',
    path: `${path}/statistics`,
    operationId: 'GetUnificationStatistics',
    summary: 'Get the statistics of the last unification',
    description:
      'The last unification task that ran: its job, status, times, error and statistics (sourceRecords, unifiedProfiles, matchedRecords, matchesPerRule: records each rule joined to a profile).',
    tags: ['Unification'],
    access: 'viewer',
    responses: {
      200: { description: '{jobId, status, startedAt, finishedAt, error, stats}' },
      404: { description: 'No unification has run yet.' },
    },
    handler: async ({ services, params }) => {
      const task = (await latestTasks(services.db, params.instanceId as string)).find(
        (t) => t.operationType === 'unification',
      );
      if (!task) throw new AppError('NotFound', 'no unification has run yet');
      const { jobId, status, startedAt, finishedAt, error, stats } = task;
      return ok({ jobId, status, startedAt, finishedAt, error, stats });
    },
  }),
  route({
    method: 'post',
    path: `${path}/test`,
    operationId: 'TestUnification',
    summary: 'Test a unification configuration on the published data',
    description:
      'Maps and matches the published source entities with the configuration given (not saved, nothing published) and answers what a run would count: sourceRecords, unifiedProfiles, matchedRecords, matchesPerRule. Reads every mapped record, like a run; every mapped entity needs data.',
    tags: ['Unification'],
    access: 'contributor',
    audit: false,
    body: unificationConfigSchema,
    responses: { 200: { description: '{sourceRecords, unifiedProfiles, matchedRecords, matchesPerRule, durationMs}' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const sources: Record<string, SourceTable> = {};
      for (const m of body.map) {
        const e = await getEntity(services.db, instanceId, m.entity);
        if (!e)
          throw new AppError('ValidationFailed', `entity ${m.entity} has no data yet: refresh its data source first`);
        sources[m.entity] = { table: e.table, schema: e };
      }
      const config = validateUnificationConfig(
        body,
        Object.values(sources).map((s) => s.schema),
      );
      const data = await services.dataStore.instance(instanceId);
      try {
        return ok(await data.read((conn) => runUnification(conn, { config, sources })));
      } catch (err) {
        // What a run would report as its task's error (duplicate keys, a missing column) is this test's answer.
        if (err instanceof TaskError) throw new AppError('ValidationFailed', err.message);
        throw err;
      }
    },
  }),
];
