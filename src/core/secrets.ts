// The server secret: INSIGHTFLOW_SECRET_KEY, or a random key generated once into <data dir>/secret.key (mode 0600).
// Used to encrypt stored passwords (AES-256-GCM) and to sign links.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { boundedMemo } from './memo.ts';

/** 32 bytes derived from the configured secret, or from the generated key file. */
export function resolveSecretKey(opts: { secretKey: string | undefined; dataDir: string }): Buffer {
  let secret = opts.secretKey;
  if (!secret) {
    const file = path.join(opts.dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(opts.dataDir, { recursive: true });
      writeFileSync(file, generateSecret(), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    secret = readFileSync(file, 'utf8').trim();
  }
  return deriveKey(secret);
}

/** The 32-byte key of a secret text (INSIGHTFLOW_SECRET_KEY or the key file's content). */
export const deriveKey = (secret: string): Buffer => createHash('sha256').update(`insightflow:${secret}`).digest();

/** A new random secret text, as the generated key file holds. */
export const generateSecret = (): string => randomBytes(32).toString('base64url');

/** "v1.<iv>.<tag>.<ciphertext>", base64url parts. */
export function encryptText(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decryptText(key: Buffer, sealed: string): string {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not an encrypted value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/** decryptText with a bounded memo of what it opened, for a hot path that opens the same few values again and again
 * (the delivery worker reads its subscriptions' signing secrets with every claimed batch): AES-GCM's setup costs
 * tens of microseconds a call. */
export const memoDecrypt = (key: Buffer, max = 10_000): ((sealed: string) => string) =>
  boundedMemo(max, (sealed) => decryptText(key, sealed));
