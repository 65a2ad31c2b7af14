// The unification configuration (map, match, merge) of an instance, validated against the published source
// entities it maps.
import { AppError } from '../../core/errors.ts';
import { getEntity, type EntitySchema } from '../../datastore/index.ts';
import { getUnificationConfig, putSetting, unificationSetting } from '../../jobs/index.ts';
import { listDataSources } from '../../sources/index.ts';
import { unificationConfigSchema, validateUnificationConfig } from '../../unify/config.ts';
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
];
