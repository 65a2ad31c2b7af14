// Instances (tenants), connections (credentials) and roles.
import { displayName } from '../core/text.ts';
import { z } from 'zod';

export const roles = ['viewer', 'contributor', 'admin'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { viewer: 0, contributor: 1, admin: 2 };

/** Who is calling: one connection, of one instance (or the system administrator, of every instance); or a person
 * signed in, with a role in each instance they are a member of. */
export interface Principal {
  /** The connection's id; for a person signed in, their user id (rate limits and page links are bound to it). */
  connectionId: string;
  instanceId: string | null;
  role: Role;
  systemAdmin: boolean;
  rateLimit: number | null;
  /** Set when a person signed in through OpenID Connect acts. */
  user?: { id: string; email: string; name?: string; sessionId: string };
  /** A person's instances and role in each (instanceId and role above are then unused). */
  memberships?: Array<{ id: string; role: Role }>;
}

/** The role the principal has in `instanceId`, if any. */
export function roleIn(p: Principal, instanceId: string): Role | undefined {
  if (p.systemAdmin) return 'admin';
  if (p.memberships) return p.memberships.find((m) => m.id === instanceId)?.role;
  return p.instanceId === instanceId ? p.role : undefined;
}

/** True when the principal may act on `instanceId` with at least `role`. */
export function allows(p: Principal, instanceId: string, role: Role): boolean {
  const has = roleIn(p, instanceId);
  return has !== undefined && rank[has] >= rank[role];
}

/** The higher of two roles. */
export const higherRole = (a: Role, b: Role): Role => (rank[a] >= rank[b] ? a : b);

export interface Instance {
  id: string;
  name: string;
  createdAt: string;
}

export interface Connection {
  id: string;
  instanceId: string | null;
  name: string;
  role: Role;
  systemAdmin: boolean;
  keyPrefix: string;
  rateLimit: number | null;
  createdAt: string;
  /** When its key was last used, to the minute (null: never); see last-used.ts. */
  lastUsedAt: string | null;
}

export const instanceIn = z.strictObject({ name: displayName(100) });
export const connectionIn = z.strictObject({
  name: displayName(100),
  role: z.enum(roles, { message: `must be one of ${roles.join(', ')}` }),
  rateLimit: z.number().int().min(1).max(1_000_000).optional(),
});

/** Ids an instance may not take: words of the API's and the web UI's paths, and placeholders. */
export const reservedInstanceIds = [
  'new',
  'instances',
  'system',
  'admin',
  'api',
  'v1',
  'connector',
  'partitions',
  'health',
  'metrics',
  'openapi',
  'assets',
  'null',
  'undefined',
];

/** Instance ids are slugs of the name: lowercase letters, digits and dashes. */
export function instanceIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug === '' ? 'instance' : slug;
}
