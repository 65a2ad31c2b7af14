// API keys: 256 random bits shown once, stored as a keyed hash: HMAC-SHA256 with the server key (INSIGHTFLOW_SECRET_KEY
// or the generated key file) over the key's SHA-256. A leaked control database alone thus cannot be used to test
// guesses, and lookups by hash stay O(1). Hashes stored before keyed hashing (bare SHA-256 hex) are converted on
// start: the HMAC is taken over the SHA-256, which is exactly what was stored.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const generateKey = (): string => `ifk_${randomBytes(32).toString('base64url')}`;

/** Marks a keyed hash; a stored hash without it is a bare SHA-256 from before. */
export const keyedHashPrefix = 'h1:';

/** Keyed hash of a bare SHA-256 hex digest. */
export const keyHashOfDigest = (serverKey: Buffer, sha256Hex: string): string =>
  keyedHashPrefix + createHmac('sha256', serverKey).update(`api-key:${sha256Hex}`).digest('hex');

/** The stored form of an API key. */
export const hashKey = (serverKey: Buffer, key: string): string =>
  keyHashOfDigest(serverKey, createHash('sha256').update(key, 'utf8').digest('hex'));

/** What may be shown of a key later: its first characters. */
export const keyPrefix = (key: string): string => `${key.slice(0, 8)}…`;
