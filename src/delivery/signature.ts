// Standard Webhooks signatures: HMAC-SHA256 over "id.timestamp.body" with the subscription's secret
// ("whsec_" + base64 key). During a secret rotation both secrets sign, space-separated.
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { boundedMemo } from '../core/memo.ts';

/** A new subscription secret: "whsec_" + base64 of 24 random bytes (the Standard Webhooks minimum of 192 bits). */
export const generateSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

// HMAC with a KeyObject costs about 2 µs against about 20 µs with a raw key (OpenSSL sets the key up once), so keys
// are kept, a bounded number of them.
const keyOf = boundedMemo(10_000, (secret): KeyObject =>
  createSecretKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')),
);

export interface SignInput {
  /** The webhook-id: the event id, the same across retries. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact body sent; receivers verify these bytes. */
  body: string;
  /** One secret, or two during a rotation (each adds a signature). */
  secrets: readonly string[];
}

/** The webhook-signature header value: "v1,<base64>" per secret, space-separated. */
export function sign(input: SignInput): string {
  if (input.secrets.length === 0) throw new Error('a webhook needs at least one secret to be signed');
  const content = `${input.id}.${Math.floor(input.timestamp)}.${input.body}`;
  return input.secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(content).digest('base64')}`).join(' ');
}

/** The headers of a signed webhook request. */
export function webhookHeaders(input: SignInput): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(input.timestamp)),
    'webhook-signature': sign(input),
  };
}
