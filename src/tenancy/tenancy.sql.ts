// Control-store queries for instances and connections.
import type { Db } from '../store/index.ts';
import { keyedHashPrefix, keyHashOfDigest } from './keys.ts';
import type { Connection, Instance, Principal, Role } from './model.ts';

interface ConnectionRow {
  id: string;
  instance_id: string | null;
  name: string;
  role: Role;
  system_admin: number;
  key_prefix: string;
  rate_limit: number | null;
  created_at: string;
  last_used_at: string | null;
}

const toConnection = (r: ConnectionRow): Connection => ({
  id: r.id,
  instanceId: r.instance_id,
  name: r.name,
  role: r.role,
  systemAdmin: Number(r.system_admin) === 1,
  keyPrefix: r.key_prefix,
  rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at ?? null,
});

export async function insertInstance(db: Db, i: Instance): Promise<void> {
  await db.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', [i.id, i.name, i.createdAt]);
}

export async function getInstance(db: Db, id: string): Promise<Instance | undefined> {
  const r = await db.get<{ id: string; name: string; created_at: string }>('SELECT * FROM instances WHERE id = ?', [
    id,
  ]);
  return r ? { id: r.id, name: r.name, createdAt: r.created_at } : undefined;
}

export async function listInstances(db: Db): Promise<Instance[]> {
  const rows = await db.all<{ id: string; name: string; created_at: string }>(
    'SELECT * FROM instances ORDER BY created_at, id',
  );
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}

export async function insertConnection(db: Db, c: Connection & { keyHash: string }): Promise<void> {
  await db.run(
    `INSERT INTO connections (id, instance_id, name, role, system_admin, key_hash, key_prefix, rate_limit, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [c.id, c.instanceId, c.name, c.role, c.systemAdmin ? 1 : 0, c.keyHash, c.keyPrefix, c.rateLimit, c.createdAt],
  );
}

export async function listConnections(db: Db, instanceId: string): Promise<Connection[]> {
  const rows = await db.all<ConnectionRow>(
    'SELECT * FROM connections WHERE instance_id = ? AND revoked_at IS NULL ORDER BY created_at, id',
    [instanceId],
  );
  return rows.map(toConnection);
}

let revocations = 0;

/** Bumped as every revocation in this process commits: principal caches of an older generation are stale
 * (principal-cache.ts). */
export const revocationGeneration = (): number => revocations;

export async function revokeConnection(db: Db, instanceId: string, id: string, now: Date): Promise<boolean> {
  const r = await db.run(
    'UPDATE connections SET revoked_at = ? WHERE instance_id = ? AND id = ? AND revoked_at IS NULL',
    [now.toISOString(), instanceId, id],
  );
  if (r.changes > 0)
    db.afterCommit(() => {
      revocations++;
    });
  return r.changes > 0;
}

export async function principalByKeyHash(db: Db, keyHash: string): Promise<Principal | undefined> {
  const r = await db.get<ConnectionRow>('SELECT * FROM connections WHERE key_hash = ? AND revoked_at IS NULL', [
    keyHash,
  ]);
  return r ? principalOf(r) : undefined;
}

/** The principal of a connection that is not revoked (signed page links act as their connection). */
export async function principalByConnectionId(db: Db, id: string): Promise<Principal | undefined> {
  const r = await db.get<ConnectionRow>('SELECT * FROM connections WHERE id = ? AND revoked_at IS NULL', [id]);
  return r ? principalOf(r) : undefined;
}

function principalOf(r: ConnectionRow): Principal {
  return {
    connectionId: r.id,
    instanceId: r.instance_id,
    role: r.role,
    systemAdmin: Number(r.system_admin) === 1,
    rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
  };
}

export async function hasSystemAdmin(db: Db): Promise<boolean> {
  return (await db.get('SELECT id FROM connections WHERE system_admin = 1 LIMIT 1')) !== undefined;
}

/** Converts API key hashes stored before keyed hashing (bare SHA-256) into keyed hashes; returns how many. */
export async function rehashLegacyKeys(db: Db, serverKey: Buffer): Promise<number> {
  const rows = await db.all<{ id: string; key_hash: string }>(
    `SELECT id, key_hash FROM connections WHERE key_hash NOT LIKE '${keyedHashPrefix}%'`,
  );
  for (const r of rows)
    await db.run('UPDATE connections SET key_hash = ? WHERE id = ?', [keyHashOfDigest(serverKey, r.key_hash), r.id]);
  return rows.length;
}
