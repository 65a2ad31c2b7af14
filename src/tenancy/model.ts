// Instances (tenants), connections (credentials) and roles.
import { displayName } from '../core/text.ts';
import { z } from 'zod';

export const roles = ['viewer', 'contributor', 'admin'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { viewer: 0, contributor: 1, admin: 2 };

/** Who is calling: one connection, of one instance (or the system administrator, of every instance). */
export interface Principal {
  connectionId: string;
  instanceId: string | null;
  role: Role;
  systemAdmin: boolean;
  rateLimit: number | null;
  /** Set when a person signed in through OpenID Connect acts (the connection id is then their session's id). */
  user?: { id: string; email: string; name?: string };
}

/** True when the principal may act on `instanceId` with at least `role`. */
export function allows(p: Principal, instanceId: string, role: Role): boolean {
  if (p.systemAdmin) return true;
  return p.instanceId === instanceId && rank[p.role] >= rank[role];
}

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
