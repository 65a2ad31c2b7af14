// What a person signed in may do: the instances that list their verified e-mail as a member, the roles the
// INSIGHTFLOW_OIDC_GROUP_ROLES mapping gives their groups (from the `groups` or `roles` claim), and whether their
// verified e-mail is one of INSIGHTFLOW_SYSTEM_ADMINS. The highest role wins where several apply.
import type { OidcConfig } from '../config/index.ts';
import { membershipsOf } from '../members/index.ts';
import type { Db } from '../store/index.ts';
import { higherRole, listInstances, type Role } from '../tenancy/index.ts';

export interface Identity {
  email: string | null;
  emailVerified: boolean;
  groups: string[];
}

export interface Grants {
  systemAdmin: boolean;
  memberships: Array<{ id: string; role: Role }>;
}

export async function grantsOf(
  db: Db,
  settings: { groupRoles: OidcConfig['groupRoles']; systemAdmins: string[] },
  who: Identity,
): Promise<Grants> {
  const email = who.email !== null && who.emailVerified ? who.email.toLowerCase() : null;
  const roles = new Map<string, Role>();
  const grant = (id: string, role: Role) => roles.set(id, higherRole(roles.get(id) ?? role, role));
  if (email !== null) for (const m of await membershipsOf(db, email)) grant(m.id, m.role);
  const mapped = settings.groupRoles.filter((g) => who.groups.includes(g.group));
  if (mapped.length > 0) {
    const instances = new Set((await listInstances(db)).map((i) => i.id));
    for (const g of mapped) {
      if (g.instanceId === null) for (const id of instances) grant(id, g.role);
      else if (instances.has(g.instanceId)) grant(g.instanceId, g.role);
    }
  }
  return {
    systemAdmin: email !== null && settings.systemAdmins.includes(email),
    memberships: [...roles].sort(([a], [b]) => a.localeCompare(b)).map(([id, role]) => ({ id, role })),
  };
}

/** Groups from the `groups` or `roles` claim (arrays of strings, or one string). */
export function groupsOf(claims: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const name of ['groups', 'roles']) {
    const v = claims[name];
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const g of v) if (typeof g === 'string') out.push(g);
  }
  return [...new Set(out)].slice(0, 500);
}
