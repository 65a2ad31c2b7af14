// Health, instances and connections.
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import {
  connectionIn,
  createConnection,
  createInstance,
  instanceIn,
  listConnections,
  listInstances,
  getInstance,
  revokeConnection,
  roleIn,
} from '../../tenancy/index.ts';
import { created, list, noContent, ok, route } from '../route.ts';

const instanceOut = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });

export const systemRoutes = [
  route({
    method: 'get',
    path: '/v1/health',
    operationId: 'GetHealth',
    summary: 'Health check',
    tags: ['System'],
    access: 'public',
    responses: {
      200: {
        description:
          'The server is up and its stores answer; `node` names this node and the end of its lease (other nodes take ' +
          'its work over once the lease has expired); `snapshots` the snapshot version it serves, per instance.',
      },
    },
    handler: async ({ services }) => {
      await services.db.get('SELECT 1 AS ok');
      return ok({
        status: 'ok',
        store: services.db.dialect,
        time: services.clock.now().toISOString(),
        node: { id: services.node.id, leaseUntil: services.node.leaseUntil(), leaseMs: services.node.leaseMs },
        snapshots: services.snapshots.servedVersions(),
      });
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances',
    operationId: 'GetInstances',
    summary: 'Get instances',
    tags: ['Instances'],
    access: 'authenticated',
    responses: {
      200: { description: 'Instances this connection can see.', schema: z.object({ value: z.array(instanceOut) }) },
    },
    connector: { visibility: 'internal' },
    handler: async ({ services, principal }) => {
      const all = await listInstances(services.db);
      const visible = all.filter((i) => principal !== null && roleIn(principal, i.id) !== undefined);
      return list(visible);
    },
  }),
  route({
    method: 'post',
    path: '/v1/instances',
    operationId: 'CreateInstance',
    summary: 'Create an instance',
    tags: ['Instances'],
    access: 'systemAdmin',
    body: instanceIn,
    responses: { 201: { description: 'The new instance.', schema: instanceOut } },
    handler: async ({ services, body }) => {
      const inst = await createInstance(services.db, services.clock, body.name);
      return created(inst, `/v1/instances/${inst.id}`);
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}',
    operationId: 'GetInstance',
    summary: 'Get an instance',
    tags: ['Instances'],
    access: 'viewer',
    responses: { 200: { description: 'The instance.', schema: instanceOut } },
    handler: async ({ services, params }) => ok(await getInstance(services.db, params.instanceId as string)),
  }),
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/connections',
    operationId: 'GetConnections',
    summary: 'List connections',
    tags: ['Connections'],
    access: 'admin',
    responses: { 200: { description: 'Connections of the instance (keys are never shown again).' } },
    handler: async ({ services, params }) => list(await listConnections(services.db, params.instanceId as string)),
  }),
  route({
    method: 'post',
    path: '/v1/instances/{instanceId}/connections',
    operationId: 'CreateConnection',
    summary: 'Create a connection',
    description: 'Creates a credential for one client. The key is returned once; only its hash is stored.',
    tags: ['Connections'],
    access: 'admin',
    body: connectionIn,
    responses: { 201: { description: 'The connection with its key (shown once).' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const { connection, key } = await createConnection(services.db, services.clock, {
        instanceId,
        name: body.name,
        role: body.role,
        rateLimit: body.rateLimit,
        serverKey: services.keyHashKey,
      });
      return created({ ...connection, key }, `/v1/instances/${instanceId}/connections/${connection.id}`);
    },
  }),
  route({
    method: 'delete',
    path: '/v1/instances/{instanceId}/connections/{connectionId}',
    operationId: 'DeleteConnection',
    summary: 'Revoke a connection',
    tags: ['Connections'],
    access: 'admin',
    responses: { 204: { description: 'Revoked; its key no longer works.' } },
    handler: async ({ services, params }) => {
      if (
        !(await revokeConnection(
          services.db,
          params.instanceId as string,
          params.connectionId as string,
          services.clock.now(),
        ))
      ) {
        throw new AppError('NotFound', `connection ${params.connectionId} not found`);
      }
      return noContent();
    },
  }),
];
