// Members of an instance ({email, role}), managed by its admins; and GET /v1/me, who the caller is.
import { z } from 'zod';
import {
  addMember,
  changeMember,
  getMember,
  listMembers,
  memberIn,
  memberPatch,
  removeMember,
} from '../../members/index.ts';
import { listInstances, roleIn } from '../../tenancy/index.ts';
import { created, list, noContent, ok, route } from '../route.ts';

const base = '/v1/instances/{instanceId}/members';
const memberOut = z.object({
  id: z.string(),
  email: z.string(),
  role: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const memberRoutes = [
  route({
    method: 'get',
    path: '/v1/me',
    operationId: 'GetMe',
    summary: 'Who am I',
    description:
      'The caller: a person signed in (e-mail, name) or a connection (email null), whether they are the system ' +
      'administrator, the instances they may use with their role, and — for a person signed in — the csrfToken ' +
      'that changes made with the session cookie send in the X-CSRF-Token header.',
    tags: ['Members'],
    access: 'authenticated',
    responses: {
      200: {
        description: 'The caller.',
        schema: z.object({
          email: z.string().nullable(),
          name: z.string().nullable(),
          systemAdmin: z.boolean(),
          instances: z.array(z.object({ id: z.string(), role: z.string() })),
          csrfToken: z.string().nullable(),
        }),
      },
    },
    handler: async ({ services, principal, hono }) => {
      const p = principal as NonNullable<typeof principal>;
      const instances = (await listInstances(services.db))
        .map((i) => ({ id: i.id, role: roleIn(p, i.id) }))
        .filter((i) => i.role !== undefined);
      const csrfToken = (hono.get('csrfToken' as never) as string | undefined) ?? null;
      return ok({
        email: p.user?.email || null,
        name: p.user?.name ?? null,
        systemAdmin: p.systemAdmin,
        instances,
        csrfToken,
      });
    },
  }),
  route({
    method: 'get',
    path: base,
    operationId: 'GetMembers',
    summary: 'List members',
    tags: ['Members'],
    access: 'admin',
    responses: { 200: { description: 'Members of the instance.', schema: z.object({ value: z.array(memberOut) }) } },
    handler: async ({ services, params }) => list(await listMembers(services.db, params.instanceId as string)),
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'AddMember',
    summary: 'Add a member',
    description: 'Invites a person by e-mail with a role; they use the instance once they sign in.',
    tags: ['Members'],
    access: 'admin',
    body: memberIn,
    responses: { 201: { description: 'The member.', schema: memberOut } },
    handler: async ({ services, params, body }) => {
      const m = await addMember(services.db, services.clock, params.instanceId as string, body);
      return created(m, `${base.replace('{instanceId}', params.instanceId as string)}/${m.id}`);
    },
  }),
  route({
    method: 'get',
    path: `${base}/{memberId}`,
    operationId: 'GetMember',
    summary: 'Get a member',
    tags: ['Members'],
    access: 'admin',
    responses: { 200: { description: 'The member.', schema: memberOut } },
    handler: async ({ services, params }) =>
      ok(await getMember(services.db, params.instanceId as string, params.memberId as string)),
  }),
  route({
    method: 'patch',
    path: `${base}/{memberId}`,
    operationId: 'UpdateMember',
    summary: 'Change a member',
    tags: ['Members'],
    access: 'admin',
    body: memberPatch,
    responses: { 200: { description: 'The member.', schema: memberOut } },
    handler: async ({ services, params, body }) =>
      ok(await changeMember(services.db, services.clock, params.instanceId as string, params.memberId as string, body)),
  }),
  route({
    method: 'delete',
    path: `${base}/{memberId}`,
    operationId: 'RemoveMember',
    summary: 'Remove a member',
    tags: ['Members'],
    access: 'admin',
    responses: { 204: { description: 'Removed.' } },
    handler: async ({ services, params }) => {
      await removeMember(services.db, params.instanceId as string, params.memberId as string);
      return noContent();
    },
  }),
];
