// The scheduled full refresh of an instance.
import { getSchedule, putSchedule, scheduleIn } from '../../jobs/index.ts';
import { ok, route } from '../route.ts';

const path = '/v1/instances/{instanceId}/manage/schedule';

export const scheduleRoutes = [
  route({
    method: 'get',
    path,
    operationId: 'GetSchedule',
    summary: 'Get the refresh schedule',
    tags: ['Schedule'],
    access: 'viewer',
    responses: { 200: { description: '{enabled, timezone, cron}' } },
    handler: async ({ services, params }) => ok(await getSchedule(services.db, params.instanceId as string)),
  }),
  route({
    method: 'put',
    path,
    operationId: 'SetSchedule',
    summary: 'Set the refresh schedule',
    description:
      'Each cron entry has 5 fields, or 6 with a leading seconds field (croner syntax), in the given IANA time zone.',
    tags: ['Schedule'],
    access: 'contributor',
    body: scheduleIn,
    responses: { 200: { description: 'The stored schedule.' } },
    handler: async ({ services, params, body }) => {
      await putSchedule(services.db, params.instanceId as string, body, services.clock.now());
      return ok(body);
    },
  }),
];
