// Signed partition links: a link opens only what it names, only until it expires, and only under the key it was
// signed with; real-time expiry bounds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AppError } from '../core/errors.ts';
import { expiryOf, maxValidityMs } from './realtime.ts';
import { signPartition, verifyPartition } from './signed-link.ts';

const key = randomBytes(32);
const claim = { instanceId: 'default', entity: 'Customer', version: 3, format: 'parquet' as const, expiresAt: 10_000 };

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof AppError && e.code === 'Forbidden' && pattern.test(e.message));

test('a signed link verifies until it expires', () => {
  const token = signPartition(key, claim);
  assert.deepEqual(verifyPartition(key, token, 9_999), claim);
  refused(() => verifyPartition(key, token, 10_000), /expired/);
});

test('tampered, foreign and malformed links are refused', () => {
  const token = signPartition(key, claim);
  const [payload, mac] = token.split('.') as [string, string];
  const other = Buffer.from(JSON.stringify(['default', 'Customer', 3, 'parquet', 99_999_999])).toString('base64url');
  refused(() => verifyPartition(key, `${other}.${mac}`, 0), /invalid signature/);
  refused(() => verifyPartition(randomBytes(32), token, 0), /invalid signature/);
  refused(() => verifyPartition(key, `${payload}.${mac.slice(1)}`, 0), /malformed/);
  refused(() => verifyPartition(key, '', 0), /malformed/);
  refused(() => verifyPartition(key, `${'A'.repeat(5000)}.${mac}`, 0), /malformed/);
});

test('validUntil must be ISO 8601, in the future and at most 30 days ahead', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(expiryOf(undefined, now, 1000).getTime(), now.getTime() + 1000);
  assert.equal(expiryOf('2026-01-02T00:00:00Z', now, 1000).toISOString(), '2026-01-02T00:00:00.000Z');
  for (const bad of ['tomorrow', '2025-12-31T00:00:00Z', new Date(now.getTime() + maxValidityMs + 1).toISOString()])
    assert.throws(
      () => expiryOf(bad, now, 1000),
      (e: unknown) => e instanceof AppError && e.code === 'ValidationFailed',
    );
});
