// Principals of API keys and of connections kept in memory, so that an authenticated request needs neither the keyed
// hash of its key (an HMAC: the costliest step of a small read) nor a control-store query. Revocation still takes
// effect at once:
// - in this process, revokeConnection bumps a process-wide generation as its change commits, before the revoking
//   call answers; a cache of an older generation is emptied before its next use, and a look-up that began before the
//   bump is not kept;
// - on other nodes (PostgreSQL), every authenticated call also reads its connection's revocation in the round trip
//   that takes the shared rate-limit decision (connector/rate-limit.ts); a revoked connection is refused and evicted.
// Only keys that name a connection are kept, at most `maxEntries` (the oldest go first), so unknown keys cannot fill
// it. The keys are held as received (in this process's memory only, like the server key itself).
import type { Db } from '../store/index.ts';
import { hashKey } from './keys.ts';
import type { Principal } from './model.ts';
import { principalByConnectionId, principalByKeyHash, revocationGeneration } from './tenancy.sql.ts';

export interface PrincipalCache {
  /** The principal of an API key, or undefined when the key names no connection that is not revoked; at once (no
   * promise) when it is cached. */
  byKey(key: string): Principal | Promise<Principal | undefined>;
  /** The principal of a connection that is not revoked (a signed page link acts as its connection). */
  byConnectionId(connectionId: string): Promise<Principal | undefined>;
  /** Forgets a connection (another node revoked it). */
  evict(connectionId: string): void;
}

/** Entries kept per cache by default. */
export const defaultPrincipalCacheEntries = 10_000;

export function createPrincipalCache(db: Db, opts: { serverKey: Buffer; maxEntries?: number }): PrincipalCache {
  const max = opts.maxEntries ?? defaultPrincipalCacheEntries;
  const byKey = new Map<string, Principal>();
  const byId = new Map<string, Principal>();
  let generation = revocationGeneration();

  const current = (): void => {
    if (generation === revocationGeneration()) return;
    byKey.clear();
    byId.clear();
    generation = revocationGeneration();
  };
  const keep = <K>(map: Map<K, Principal>, k: K, p: Principal, since: number): void => {
    if (since !== revocationGeneration()) return;
    if (map.size >= max) map.delete(map.keys().next().value as K);
    map.set(k, p);
  };

  return {
    byKey: (key) => {
      current();
      const hit = byKey.get(key);
      if (hit) return hit;
      const since = revocationGeneration();
      return principalByKeyHash(db, hashKey(opts.serverKey, key)).then((p) => {
        if (p) keep(byKey, key, p, since);
        return p;
      });
    },
    byConnectionId: async (connectionId) => {
      current();
      const hit = byId.get(connectionId);
      if (hit) return hit;
      const since = revocationGeneration();
      const p = await principalByConnectionId(db, connectionId);
      if (p) keep(byId, connectionId, p, since);
      return p;
    },
    evict: (connectionId) => {
      byId.delete(connectionId);
      for (const [k, p] of byKey) if (p.connectionId === connectionId) byKey.delete(k);
    },
  };
}
