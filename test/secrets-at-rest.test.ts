// Secrets at rest (SPEC §11): webhook signing secrets encrypted with the server key, API keys stored as keyed hashes
// (existing bare SHA-256 hashes and clear secrets converted on start), owner-only files, and viewers never seeing
// step headers or credentials in target URLs. Both engines.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { decryptText } from '../src/core/secrets.ts';
import { engines } from './support/engines.ts';
import { ok, startTestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

for (const engine of await engines()) {
  describe(`secrets at rest (${engine})`, () => {
    test('webhook secrets are encrypted; API keys are keyed hashes; old clear values are converted on start', async () => {
      const s = await startTestServer({ engine });
      try {
        const sub = await ok(s, 'POST', `${U}/subscriptions`, {
          url: 'https://hooks.example.com/in',
          eventTypes: ['unification.completed'],
        });
        const db = () => s.runtime.services.db;
        const row = await db().get<{ secret: string }>('SELECT secret FROM subscriptions WHERE id = ?', [sub.id]);
        assert.ok(!row!.secret.includes(sub.secret.slice(6)), 'the secret is not stored in clear');
        assert.equal(decryptText(s.runtime.services.secretKey, row!.secret), sub.secret);
        const rotated = await ok(s, 'POST', `${U}/subscriptions/${sub.id}/rotate-secret`, undefined, 200);
        const both = await db().get<{ secret: string; previous_secret: string }>(
          'SELECT secret, previous_secret FROM subscriptions WHERE id = ?',
          [sub.id],
        );
        assert.equal(decryptText(s.runtime.services.secretKey, both!.secret), rotated.secret);
        assert.equal(decryptText(s.runtime.services.secretKey, both!.previous_secret), sub.secret);

        const conn = await ok(s, 'POST', `${U}/connections`, { name: 'Reader', role: 'viewer' });
        const sha = createHash('sha256').update(conn.key).digest('hex');
        const hashes = await db().all<{ key_hash: string }>('SELECT key_hash FROM connections');
        assert.ok(hashes.every((h) => h.key_hash.startsWith('h1:') && !h.key_hash.includes(sha)));

        // What an older version stored: a bare SHA-256 of the key, and the signing secret in clear.
        await db().run('UPDATE connections SET key_hash = ? WHERE id = ?', [sha, conn.id]);
        await db().run('UPDATE subscriptions SET secret = ?, previous_secret = NULL WHERE id = ?', [
          rotated.secret,
          sub.id,
        ]);
        assert.equal((await s.call('GET', `${U}/flows`, { key: conn.key })).status, 401);
        await s.restart();
        assert.equal((await s.call('GET', `${U}/flows`, { key: conn.key })).status, 200, 'the old key still works');
        const converted = await db().get<{ key_hash: string }>('SELECT key_hash FROM connections WHERE id = ?', [
          conn.id,
        ]);
        assert.match(converted!.key_hash, /^h1:/);
        const sealed = await db().get<{ secret: string }>('SELECT secret FROM subscriptions WHERE id = ?', [sub.id]);
        assert.notEqual(sealed!.secret, rotated.secret);
        assert.equal(decryptText(s.runtime.services.secretKey, sealed!.secret), rotated.secret);
      } finally {
        await s.stop();
      }
    });

    test('viewers see neither step headers nor credentials in target URLs', async () => {
      const s = await startTestServer({ engine });
      try {
        const viewer = (await ok(s, 'POST', `${U}/connections`, { name: 'Reader', role: 'viewer' })).key as string;
        const flow = await ok(s, 'POST', `${U}/flows`, {
          name: 'Notify',
          trigger: { type: 'full-refresh-completed' },
          steps: [
            {
              name: 'call',
              type: 'http.request',
              url: 'https://api.example.com/hook?token=abc',
              headers: { Authorization: 'Bearer top-secret' },
              body: '{}',
            },
            {
              name: 'teams',
              type: 'teams.postMessage',
              webhookUrl: 'https://example.webhook.office.com/webhookb2/secret-path',
              title: 'x',
              text: 'y',
            },
          ],
        });
        await ok(s, 'POST', `${U}/subscriptions`, {
          url: 'https://hooks.example.com/in?sig=1',
          eventTypes: ['unification.completed'],
        });
        for (const p of [`${U}/flows`, `${U}/flows/${flow.id}`, `${U}/subscriptions`]) {
          const r = await s.call('GET', p, { key: viewer });
          assert.equal(r.status, 200);
          const text = JSON.stringify(r.body);
          for (const secret of ['top-secret', 'pw@', 'token=abc', 'secret-path', 'sig=1'])
            assert.ok(!text.includes(secret), `${p} shows ${secret} to a viewer`);
        }
        const full = await s.call('GET', `${U}/flows/${flow.id}`);
        assert.equal(full.body.steps[0].headers.Authorization, 'Bearer top-secret', 'an administrator sees it all');
      } finally {
        await s.stop();
      }
    });

    if (engine === 'sqlite')
      test('the control database and the key file are readable by their owner only', async () => {
        const s = await startTestServer({ engine });
        try {
          for (const f of ['control.sqlite', 'secret.key'])
            assert.equal(statSync(path.join(s.dataDir, f)).mode & 0o777, 0o600, f);
        } finally {
          await s.stop();
        }
      });
  });
}
