// Expiring signed links for partition files: the token carries what it opens and until when, and an HMAC-SHA256
// of both under the server secret, so "Retrieve data from a partition" needs no API key and cannot be forged.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../core/errors.ts';

export interface PartitionClaim {
  /** Instance, entity, entity version and file format of the partition. */
  instanceId: string;
  entity: string;
  version: number;
  format: 'parquet' | 'csv';
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

const mac = (key: Buffer, payload: string): string =>
  createHmac('sha256', key).update(`partition:${payload}`).digest('base64url');

export function signPartition(key: Buffer, claim: PartitionClaim): string {
  const payload = Buffer.from(
    JSON.stringify([claim.instanceId, claim.entity, claim.version, claim.format, claim.expiresAt]),
  ).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

const refused = (why: string) => new AppError('Forbidden', `this partition link ${why}; ask for the partitions again`);

/** The claim of a token, after checking its signature and expiry. */
export function verifyPartition(key: Buffer, token: string, nowMs: number): PartitionClaim {
  const m = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw refused('is malformed');
  const [, payload, signature] = m as unknown as [string, string, string];
  const expected = Buffer.from(mac(key, payload));
  if (!timingSafeEqual(expected, Buffer.from(signature))) throw refused('has an invalid signature');
  const parts = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [
    string,
    string,
    number,
    'parquet' | 'csv',
    number,
  ];
  const [instanceId, entity, version, format, expiresAt] = parts;
  if (expiresAt <= nowMs) throw refused(`expired at ${new Date(expiresAt).toISOString()}`);
  return { instanceId, entity, version, format, expiresAt };
}
