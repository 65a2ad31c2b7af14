// API keys: 256 random bits shown once, stored as a SHA-256 hash. A fast hash is right here because keys are long
// random strings, not passwords (nothing to brute-force); lookups by hash stay O(1).
import { createHash, randomBytes } from 'node:crypto';

export const generateKey = (): string => `ifk_${randomBytes(32).toString('base64url')}`;

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** What may be shown of a key later: its first characters. */
export const keyPrefix = (key: string): string => `${key.slice(0, 8)}…`;
