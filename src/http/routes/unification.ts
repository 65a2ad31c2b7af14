// The unification configuration (map, match, merge) of an instance, validated against the published source
// entities it maps.
import { AppError } from '../../core/errors.ts';
import { getEntity, type EntitySchema } from '../../datastore/index.ts';
import { getUnificationConfig, putSetting, unificationSetting } from '../../jobs/index.ts';
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
    description: 'Validated against the published source entities it maps: refresh their data sources first.',
    tags: ['Unification'],
    access: 'contributor',
    body: unificationConfigSchema,
    responses: { 200: { description: 'The stored configuration.' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const entities: EntitySchema[] = [];
      for (const m of body.map) {
        const e = await getEntity(services.db, instanceId, m.entity);
        if (e) entities.push(e);
        else if (
          await services.db.get('SELECT id FROM data_sources WHERE instance_id = ? AND entity = ?', [
            instanceId,
            m.entity,
          ])
        ) {
          throw new AppError(
            'ValidationFailed',
            `map: entity ${m.entity} has no data yet; refresh its data source before mapping it`,
          );
        }
      }
      const config = validateUnificationConfig(body, entities);
      await putSetting(services.db, instanceId, unificationSetting, config, services.clock.now());
      return ok(config);
    },
  }),
];
