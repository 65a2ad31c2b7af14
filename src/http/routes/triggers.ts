// The triggers of the instance's event catalog with their parameters, for clients that let people pick one (the
// UI's flow editor and webhook form list what the server offers, so a new trigger appears without a UI change).
import { triggerCatalog } from '../../connector/triggers.ts';
import { list, route } from '../route.ts';

export const triggerRoutes = [
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/triggers',
    operationId: 'GetTriggers',
    summary: 'List triggers',
    description: 'Every trigger (URL segment name, event type, summary) with its parameters (name, type, required).',
    tags: ['Triggers'],
    access: 'viewer',
    responses: { 200: { description: 'The triggers.' } },
    handler: async () => list(triggerCatalog()),
  }),
];
