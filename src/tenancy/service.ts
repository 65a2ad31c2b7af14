// Creating instances and connections, and the first-start bootstrap (instance "default" and the system
// administrator's key).
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import { generateKey, hashKey, keyPrefix } from './keys.ts';
import type { Connection, Instance, Role } from './model.ts';
import { instanceIdFor, reservedInstanceIds } from './model.ts';
import { getInstance, hasSystemAdmin, insertConnection, insertInstance, listInstances } from './tenancy.sql.ts';

export async function createInstance(db: Db, clock: Clock, name: string, id?: string): Promise<Instance> {
  const instance: Instance = { id: id ?? instanceIdFor(name), name, createdAt: clock.now().toISOString() };
  if (reservedInstanceIds.includes(instance.id))
    throw new AppError('ValidationFailed', `name: "${name}" would give the reserved instance id "${instance.id}"`);
  const existing = await listInstances(db);
  if (existing.some((i) => i.id === instance.id || i.name === name)) {
    throw new AppError('Conflict', `an instance named "${name}" already exists`);
  }
  await insertInstance(db, instance);
  return instance;
}

export async function createConnection(
  db: Db,
  clock: Clock,
  input: {
    instanceId: string | null;
    name: string;
    role: Role;
    rateLimit?: number | undefined;
    systemAdmin?: boolean;
    key?: string;
    /** The server key that keys the stored hash (src/core/secrets.ts). */
    serverKey: Buffer;
  },
): Promise<{ connection: Connection; key: string }> {
  const key = input.key ?? generateKey();
  const connection: Connection = {
    id: newId('conn'),
    instanceId: input.instanceId,
    name: input.name,
    role: input.role,
    systemAdmin: input.systemAdmin ?? false,
    keyPrefix: keyPrefix(key),
    rateLimit: input.rateLimit ?? null,
    createdAt: clock.now().toISOString(),
    lastUsedAt: null,
  };
  await insertConnection(db, { ...connection, keyHash: hashKey(input.serverKey, key) });
  return { connection, key };
}

/** On first start: the `default` instance and the system administrator's connection. Returns the generated key
 * when one was generated (to print once), else undefined. */
export async function bootstrap(
  db: Db,
  clock: Clock,
  opts: { adminKey: string | undefined; serverKey: Buffer },
): Promise<{ generatedKey?: string; createdDefault: boolean }> {
  return db.tx(async (tx) => {
    let createdDefault = false;
    if (!(await getInstance(tx, 'default'))) {
      await insertInstance(tx, { id: 'default', name: 'default', createdAt: clock.now().toISOString() });
      createdDefault = true;
    }
    if (await hasSystemAdmin(tx)) return { createdDefault };
    const { key } = await createConnection(tx, clock, {
      instanceId: null,
      name: 'System administrator',
      role: 'admin',
      systemAdmin: true,
      serverKey: opts.serverKey,
      ...(opts.adminKey ? { key: opts.adminKey } : {}),
    });
    return opts.adminKey ? { createdDefault } : { generatedKey: key, createdDefault };
  });
}
