// The audit log of an instance, newest first, for its admins: filters actor (id or e-mail), action, target, since,
// until; $top with a nextLink that continues after the last entry shown.
import { z } from 'zod';
import { listAudit } from '../../audit/index.ts';
import { AppError } from '../../core/errors.ts';
import { ok, route } from '../route.ts';

const timestamp = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z',
  })
  .transform((s) => new Date(s).toISOString());

const auditQuery = z.strictObject({
  $top: z.coerce.number().int().min(1).max(1000).default(100),
  $skiptoken: z.string().max(200).optional(),
  actor: z.string().min(1).max(320).optional(),
  action: z.string().min(1).max(100).optional(),
  target: z.string().min(1).max(200).optional(),
  since: timestamp.optional(),
  until: timestamp.optional(),
});

const entryOut = z.object({
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string(), email: z.string().optional(), name: z.string().optional() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  summary: z.string(),
});

function position(token: string | undefined): { at: string; id: string } | undefined {
  if (token === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string') return { at, id };
  } catch {
    // reported below
  }
  throw new AppError('BadRequest', '$skiptoken is not one this server gave out');
}

export const auditRoutes = [
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/audit',
    operationId: 'GetAuditLog',
    summary: 'Get the audit log',
    description:
      'Every change of the instance (configuration, connections, members, subscriptions, flows, settings, jobs, ' +
      'sign-ins): who, when, action, target and a summary without secrets. Newest first.',
    tags: ['Audit'],
    access: 'admin',
    query: auditQuery,
    responses: {
      200: {
        description: 'Entries, newest first, with @odata.nextLink when there are more.',
        schema: z.object({ value: z.array(entryOut), '@odata.nextLink': z.string().optional() }),
      },
    },
    handler: async ({ services, params, query, url }) => {
      const { $top, $skiptoken, ...filters } = query;
      const rows = await listAudit(services.db, params.instanceId as string, {
        ...filters,
        top: $top + 1,
        ...($skiptoken !== undefined ? { before: position($skiptoken) } : {}),
      });
      const page = rows.slice(0, $top);
      const value = page.map((e) => ({
        at: e.at,
        actor: e.actor,
        action: e.action,
        target: e.target,
        summary: e.summary,
      }));
      const last = page[page.length - 1];
      if (rows.length <= $top || !last) return ok({ value });
      const next = new URL(url);
      next.searchParams.set('$skiptoken', Buffer.from(JSON.stringify([last.at, last.id])).toString('base64url'));
      return ok({ value, '@odata.nextLink': next.toString() });
    },
  }),
];
