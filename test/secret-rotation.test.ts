// Rotating the server key (insightflow rotate-secret-key, docs/operations.md): on a stopped server every stored
// secret is re-sealed with the new key in one transaction; after the restart webhook deliveries are still signed with
// the secrets subscribers hold (verified by standardwebhooks), the SMTP password and data source credentials still
// open, and API keys still work. A wrong current key or a running server changes nothing. Both engines: SQLite with
// the generated key file, PostgreSQL with INSIGHTFLOW_SECRET_KEY.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { rotateSecretKeyCommand } from '../src/cli/secret-key.ts';
import { loadConfig } from '../src/config/index.ts';
import { emailSettingsForSending } from '../src/flows/email-settings.ts';
import { getDataSource, openSecrets } from '../src/sources/index.ts';
import { openStore, type Db } from '../src/store/index.ts';
import { resolveKeyHashKey } from '../src/tenancy/index.ts';
import { engines } from './support/engines.ts';
import { startReceiver } from './support/receiver.ts';
import { ok, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const newSecret = 'the-new-server-secret-key-0123456789abcdef';

/** Every sealed value in the control store, to tell whether a rotation changed anything. */
async function sealedValues(db: Db): Promise<string> {
  const rows = [
    await db.all('SELECT id, secret, previous_secret FROM subscriptions ORDER BY id'),
    await db.all(`SELECT instance_id, value FROM settings WHERE name = 'email'`),
    await db.all('SELECT id, options FROM data_sources ORDER BY id'),
    await db.all('SELECT name, value FROM server_secrets ORDER BY name'),
    await db.all('SELECT id, key_hash FROM connections ORDER BY id'),
    await db.all('SELECT id FROM sessions ORDER BY id'),
  ];
  return JSON.stringify(rows);
}

for (const engine of await engines()) {
  describe(`server key rotation (${engine})`, () => {
    test('every secret is re-sealed: deliveries still sign, passwords still open, API keys still work', async () => {
      const s = await startTestServer({ engine, env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
      const rx = await startReceiver();
      try {
        s.importFile('a.csv', 'id\n1\n');
        const ds = await ok(s, 'POST', `${U}/manage/datasources`, { name: 'A', kind: 'csv', location: 'a.csv' });
        const sub = await ok(s, 'POST', `${U}/subscriptions`, {
          url: `${rx.url}/hook`,
          eventTypes: ['datasource.refresh.succeeded'],
        });
        const rotated = await ok(s, 'POST', `${U}/subscriptions/${sub.id}/rotate-secret`, undefined, 200);
        const email = { host: '127.0.0.1', port: 2525, secure: false, user: 'u', password: 'smtp-pw', from: 'a@x.io' };
        await ok(s, 'PUT', `${U}/manage/settings/email`, email, 200);
        const pgSource = await ok(s, 'POST', `${U}/manage/datasources`, {
          name: 'Shop',
          kind: 'postgres',
          location: 'postgres://shop:db-pw@127.0.0.1:5432/shop',
          options: { table: 'orders' },
        });
        const web = await ok(s, 'POST', `${U}/manage/datasources`, {
          name: 'Web',
          kind: 'http',
          location: `${rx.url}/rows`,
          options: { headers: { Authorization: 'Bearer api-token' } },
        });
        const viewer = await ok(s, 'POST', `${U}/connections`, { name: 'v', role: 'viewer' });

        // A person signed in: the session ends with the rotation.
        await s.runtime.services.db.run(
          `INSERT INTO sessions (id, token_hash, subject, email, email_verified, name, groups_json, refresh_token,
             tokens_expire_at, created_at, last_seen_at, expires_at)
           VALUES ('ses_1', 'h', 'sub', 'a@x.io', 1, 'A', '[]', NULL, NULL, '2026-01-01', '2026-01-01', '2999-01-01')`,
        );
        // Stopped: a wrong current key is refused and changes nothing; the right one re-seals everything.
        const before = await sealedValues(s.runtime.services.db);
        const oldConfig = s.config;
        const out: string[] = [];
        await s.restart({
          ...(engine === 'postgres' ? { env: { INSIGHTFLOW_SECRET_KEY: newSecret } } : {}),
          beforeStart: async () => {
            const wrong = loadConfig(
              { ...envOf(s), INSIGHTFLOW_SECRET_KEY: 'a-wrong-key-that-opens-nothing-0123' },
              s.dataDir,
            );
            await assert.rejects(
              rotateSecretKeyCommand(wrong, [], () => undefined, {
                ...schemaOf(s),
                env: { INSIGHTFLOW_NEW_SECRET_KEY: newSecret },
              }),
              /the current key does not open .*Nothing was changed/,
            );
            const db = await openStore({ dataDir: s.dataDir, databaseUrl: oldConfig.databaseUrl, ...schemaOf(s) });
            try {
              assert.equal(await sealedValues(db), before, 'a refused rotation changes nothing');
            } finally {
              await db.close();
            }
            const keyFile = path.join(s.dataDir, 'secret.key');
            const oldFile = engine === 'sqlite' ? readFileSync(keyFile, 'utf8') : null;
            const env = engine === 'postgres' ? { INSIGHTFLOW_NEW_SECRET_KEY: newSecret } : {};
            assert.equal(await rotateSecretKeyCommand(oldConfig, [], (l) => out.push(l), { ...schemaOf(s), env }), 0);
            if (oldFile !== null) {
              assert.notEqual(readFileSync(keyFile, 'utf8'), oldFile, 'a new key was generated into secret.key');
              assert.equal(statSync(keyFile).mode & 0o777, 0o600);
              assert.ok(!existsSync(`${keyFile}.next`));
            }
          },
        });
        assert.match(out.join('\n'), /re-sealed 1 webhook signing secret\(s\), 1 SMTP password\(s\) and 2 data source/);
        assert.match(out.join('\n'), /1 sign-in session\(s\) ended/);
        assert.deepEqual(await s.runtime.services.db.all('SELECT id FROM sessions'), []);
        assert.notEqual(await sealedValues(s.runtime.services.db), before);
        const audit = await ok(s, 'GET', `${U}/audit?action=RotateSecretKey`, undefined, 200);
        assert.deepEqual(
          audit.value.map((e: any) => [e.actor.type, e.target.id]),
          [['cli', 'secret-key']],
          'the rotation is in the audit log, once',
        );

        // After the restart with the new key: everything opens, API keys work, deliveries are signed.
        const services = s.runtime.services;
        assert.equal((await emailSettingsForSending(services.db, services.secretKey, 'default'))?.password, 'smtp-pw');
        const shop = openSecrets(services.secretKey, (await getDataSource(services.db, 'default', pgSource.id))!);
        assert.equal(shop.options.password, 'db-pw');
        const webOpen = openSecrets(services.secretKey, (await getDataSource(services.db, 'default', web.id))!);
        assert.deepEqual(webOpen.options.headers, { Authorization: 'Bearer api-token' });
        assert.equal((await s.call('GET', `${U}/manage/segments`, { key: viewer.key })).status, 200, 'API key');
        await ok(s, 'POST', `${U}/manage/datasources/${ds.id}/refresh`, undefined, 202);
        const [req] = await rx.waitFor(1);
        const headers = req!.headers as Record<string, string>;
        assert.ok(new Webhook(rotated.secret).verify(req!.body, headers), 'signed with the current secret');
        const signatures = headers['webhook-signature']!.split(' ');
        assert.equal(signatures.length, 2, 'and with the previous one, still within its overlap');
        assert.ok(new Webhook(sub.secret).verify(req!.body, headers), 'the previous secret still verifies');
        if (engine === 'postgres') {
          const { deriveKey } = await import('../src/core/secrets.ts');
          await assert.rejects(
            resolveKeyHashKey(services.db, deriveKey('test-secret-key-shared-by-every-node')),
            /does not open the secrets of this control store/,
            'a node started with the old key stops with a clear message',
          );
        }
      } finally {
        await rx.close();
        await s.stop();
      }
    });

    test('a running server is refused', async () => {
      const s = await startTestServer({ engine });
      try {
        const before = await sealedValues(s.runtime.services.db);
        const env = { INSIGHTFLOW_NEW_SECRET_KEY: newSecret };
        await assert.rejects(
          rotateSecretKeyCommand(s.config, [], () => undefined, { ...schemaOf(s), env }),
          /a server is running/,
        );
        assert.equal(await sealedValues(s.runtime.services.db), before);
        assert.ok(!existsSync(path.join(s.dataDir, 'secret.key.next')));
      } finally {
        await s.stop();
      }
    });
  });
}

function envOf(s: TestServer): Record<string, string> {
  return {
    INSIGHTFLOW_DATA_DIR: s.dataDir,
    ...(s.config.databaseUrl
      ? { INSIGHTFLOW_DATABASE_URL: s.config.databaseUrl, INSIGHTFLOW_SHARED_DIR: s.dataDir }
      : { INSIGHTFLOW_DATABASE_URL: '' }),
  };
}

const schemaOf = (s: TestServer): { schema?: string } => (s.schema ? { schema: s.schema } : {});
