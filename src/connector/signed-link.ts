// Signed tokens: a claim (a JSON array) and an HMAC-SHA256 of it under the server secret, with a purpose mixed in so
// that a token of one kind never opens another. Partition links ("Retrieve data from a partition") and page links
// ($skiptoken of @odata.nextLink, page-link.ts) are such tokens; they work without an API key and cannot be forged.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AppError } from '../core/errors.ts';

type Purpose = 'partition' | 'page';

// The server key as a KeyObject, made once: building one from the bytes is most of an HMAC's cost on a short claim.
const keyObjects = new WeakMap<Buffer, KeyObject>();
const keyObject = (key: Buffer): KeyObject => {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = createSecretKey(key)));
  return k;
};

const mac = (key: Buffer, purpose: Purpose, payload: string): string =>
  createHmac('sha256', keyObject(key)).update(`${purpose}:${payload}`).digest('base64url');

/** `<base64url claim>.<base64url HMAC>` */
export function seal(key: Buffer, purpose: Purpose, claim: unknown[]): string {
  const payload = Buffer.from(JSON.stringify(claim)).toString('base64url');
  return `${payload}.${mac(key, purpose, payload)}`;
}

/** The claim of a token whose signature holds, else why not. */
export function unseal(
  key: Buffer,
  purpose: Purpose,
  token: string,
  maxLength: number,
): { claim: unknown[] } | { problem: 'malformed' | 'signature' } {
  const m = new RegExp(`^([A-Za-z0-9_-]{1,${maxLength}})\\.([A-Za-z0-9_-]{43})$`).exec(token);
  if (!m) return { problem: 'malformed' };
  const [, payload, signature] = m as unknown as [string, string, string];
  const expected = Buffer.from(mac(key, purpose, payload));
  if (!timingSafeEqual(expected, Buffer.from(signature))) return { problem: 'signature' };
  const claim: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return Array.isArray(claim) ? { claim } : { problem: 'malformed' };
}

export interface PartitionClaim {
  /** Instance, entity, entity version and file format of the partition. */
  instanceId: string;
  entity: string;
  version: number;
  format: 'parquet' | 'csv';
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export const signPartition = (key: Buffer, c: PartitionClaim): string =>
  seal(key, 'partition', [c.instanceId, c.entity, c.version, c.format, c.expiresAt]);

const refused = (why: string) => new AppError('Forbidden', `this partition link ${why}; ask for the partitions again`);

/** The claim of a token, after checking its signature and expiry. */
export function verifyPartition(key: Buffer, token: string, nowMs: number): PartitionClaim {
  const opened = unseal(key, 'partition', token, 2048);
  if ('problem' in opened) throw refused(opened.problem === 'signature' ? 'has an invalid signature' : 'is malformed');
  const [instanceId, entity, version, format, expiresAt] = opened.claim as [
    string,
    string,
    number,
    'parquet' | 'csv',
    number,
  ];
  if (expiresAt <= nowMs) throw refused(`expired at ${new Date(expiresAt).toISOString()}`);
  return { instanceId, entity, version, format, expiresAt };
}
