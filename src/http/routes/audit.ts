// The audit log of an instance, newest first, for its admins (and the system scope for the system administrator): filters actor (id or e-mail), action, target, since,
// until; $top with a nextLink that continues after the last entry shown.
import { z } from 'zod';
import { listAudit } from '../../audit/index.ts';
import { AppError } from '../../core/errors.ts';
import { ok, route, type Reply } from '../route.ts';
import type { Services } from '../services.ts';

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

type AuditQuery = z.infer<typeof auditQuery>;

/** One page of a scope's entries (an instance, or the system scope ''), with a nextLink when there are more. */
async function auditPage(services: Services, scope: string, query: AuditQuery, url: URL): Promise<Reply> {
  const { $top, $skiptoken, ...filters } = query;
  const rows = await listAudit(services.db, scope, {
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
}

const pageOut = z.object({ value: z.array(entryOut), '@odata.nextLink': z.string().optional() });

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
      200: { description: 'Entries, newest first, with @odata.nextLink when there are more.', schema: pageOut },
    },
    handler: async ({ services, params, query, url }) => auditPage(services, params.instanceId as string, query, url),
  }),
  route({
    method: 'get',
    path: '/v1/audit',
    operationId: 'GetSystemAuditLog',
    summary: 'Get the system audit log',
    description:
      'What belongs to no instance: refused sign-ins (denied consent, wrong or replayed answers, people who are ' +
      "members of nothing) and sign-ins of system administrators. Same filters and paging as an instance's log.",
    tags: ['Audit'],
    access: 'systemAdmin',
    query: auditQuery,
    responses: {
      200: { description: 'Entries, newest first, with @odata.nextLink when there are more.', schema: pageOut },
    },
    handler: async ({ services, query, url }) => auditPage(services, '', query, url),
  }),
];
