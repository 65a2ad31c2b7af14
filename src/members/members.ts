// Members of an instance: a person's e-mail address and a role (admin, contributor, viewer), managed by the
// instance's admins. A person signed in through OpenID Connect acts with the roles of the instances that list their
// verified e-mail (src/http/routes/members.ts; sign-in itself is described in docs/operations.md).
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import { roles, type Role } from '../tenancy/index.ts';

export interface Member {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
}

const email = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address')
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), 'must be an e-mail address')
  .transform((s) => s.toLowerCase());
const role = z.enum(roles, { message: `must be one of ${roles.join(', ')}` });

export const memberIn = z.strictObject({ email, role });
export const memberPatch = z.strictObject({ email: email.optional(), role: role.optional() });

interface Row {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  updated_at: string;
}

const toMember = (r: Row): Member => ({
  id: r.id,
  email: r.email,
  role: r.role,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listMembers(db: Db, instanceId: string): Promise<Member[]> {
  const rows = await db.all<Row>('SELECT * FROM members WHERE instance_id = ? ORDER BY email', [instanceId]);
  return rows.map(toMember);
}

export async function getMember(db: Db, instanceId: string, id: string): Promise<Member> {
  const r = await db.get<Row>('SELECT * FROM members WHERE instance_id = ? AND id = ?', [instanceId, id]);
  if (!r) throw new AppError('NotFound', `member ${id} not found`);
  return toMember(r);
}

const taken = async (db: Db, instanceId: string, emailAddress: string, except?: string): Promise<void> => {
  const r = await db.get<{ id: string }>('SELECT id FROM members WHERE instance_id = ? AND email = ?', [
    instanceId,
    emailAddress,
  ]);
  if (r && r.id !== except) throw new AppError('Conflict', `${emailAddress} is already a member of ${instanceId}`);
};

export async function addMember(
  db: Db,
  clock: Clock,
  instanceId: string,
  input: { email: string; role: Role },
): Promise<Member> {
  return db.tx(async (tx) => {
    await taken(tx, instanceId, input.email);
    const now = clock.now().toISOString();
    const id = newId('mbr');
    await tx.run(
      'INSERT INTO members (id, instance_id, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [id, instanceId, input.email, input.role, now, now],
    );
    return getMember(tx, instanceId, id);
  });
}

export async function changeMember(
  db: Db,
  clock: Clock,
  instanceId: string,
  id: string,
  patch: { email?: string | undefined; role?: Role | undefined },
): Promise<Member> {
  return db.tx(async (tx) => {
    const m = await getMember(tx, instanceId, id);
    const next = { email: patch.email ?? m.email, role: patch.role ?? m.role };
    if (next.email !== m.email) await taken(tx, instanceId, next.email, id);
    await tx.run('UPDATE members SET email = ?, role = ?, updated_at = ? WHERE id = ?', [
      next.email,
      next.role,
      clock.now().toISOString(),
      id,
    ]);
    return getMember(tx, instanceId, id);
  });
}

export async function removeMember(db: Db, instanceId: string, id: string): Promise<void> {
  const r = await db.run('DELETE FROM members WHERE instance_id = ? AND id = ?', [instanceId, id]);
  if (r.changes === 0) throw new AppError('NotFound', `member ${id} not found`);
}

/** The instances that list this e-mail, with the role each gives. */
export async function membershipsOf(db: Db, emailAddress: string): Promise<Array<{ id: string; role: Role }>> {
  const rows = await db.all<{ instance_id: string; role: Role }>(
    'SELECT instance_id, role FROM members WHERE email = ? ORDER BY instance_id',
    [emailAddress.toLowerCase()],
  );
  return rows.map((r) => ({ id: r.instance_id, role: r.role }));
}
