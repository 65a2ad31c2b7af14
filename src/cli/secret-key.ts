// insightflow rotate-secret-key: re-seals every stored secret with a new server key, in one transaction, straight in
// the control store (SQLite or PostgreSQL), while no server runs. The old key is the one configured now
// (INSIGHTFLOW_SECRET_KEY, else <data dir>/secret.key); the new one comes from --new-key-file or
// INSIGHTFLOW_NEW_SECRET_KEY, or is generated into secret.key when the server key is the generated file.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { insertAudit, summarize } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import { systemClock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { deriveKey, generateSecret, resolveSecretKey } from '../core/secrets.ts';
import { openStore } from '../store/index.ts';
import { listInstances, RotationError, rotateSecretKey } from '../tenancy/index.ts';
import { CliError } from './client.ts';

type Out = (line: string) => void;

export async function rotateSecretKeyCommand(
  config: Readonly<Config>,
  argv: string[],
  out: Out,
  opts: { env?: Record<string, string | undefined>; schema?: string } = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'new-key-file': { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const env = opts.env ?? process.env;
  const fromFile = values['new-key-file'];
  let secret = fromFile ? readFileSync(fromFile, 'utf8').trim() : env.INSIGHTFLOW_NEW_SECRET_KEY?.trim();
  const keyFile = config.secretKey === undefined ? path.join(config.dataDir, 'secret.key') : null;
  if (!secret) {
    if (!keyFile)
      throw new CliError(
        'INSIGHTFLOW_SECRET_KEY is set: give the new key in INSIGHTFLOW_NEW_SECRET_KEY or --new-key-file <file>',
      );
    secret = generateSecret();
  }
  if (secret.length < 32) throw new CliError('the new key must be at least 32 characters');
  if (keyFile && !existsSync(keyFile))
    throw new CliError(
      `${keyFile} does not exist: there is no generated key to rotate (is INSIGHTFLOW_DATA_DIR right?)`,
    );
  const oldKey = resolveSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir });
  const newKey = deriveKey(secret);
  if (newKey.equals(oldKey)) throw new CliError('the new key is the current key');

  const db = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    ...(opts.schema ? { schema: opts.schema } : {}),
  });
  const next = keyFile ? `${keyFile}.next` : null;
  try {
    const now = systemClock.now();
    const live = await db.all<{ id: string }>('SELECT id FROM nodes WHERE lease_until > ? ORDER BY id', [
      now.toISOString(),
    ]);
    if (live.length > 0 && !values.force)
      throw new CliError(
        `a server is running (${live.map((n) => n.id).join(', ')}): stop every node first, since a running node ` +
          'could no longer open the secrets (--force if those nodes are known to be gone)',
      );
    // The new key is on disk before the transaction commits: an interruption leaves it in secret.key.next.
    if (next) writeFileSync(next, secret, { mode: 0o600 });
    let result;
    try {
      result = await rotateSecretKey(db, { oldKey, newKey }, now, {
        record: async (tx, r) => {
          const summary = summarize('Rotate the server key (insightflow rotate-secret-key)', {});
          const at = now.toISOString();
          const actor = { type: 'cli' as const, id: os.userInfo().username };
          const entries = (await listInstances(tx)).map((i) => ({
            id: newId('aud'),
            instanceId: i.id,
            at,
            actor,
            action: 'RotateSecretKey',
            target: { type: 'server', id: 'secret-key' },
            summary: `${summary} (${r.webhookSecrets + r.emailPasswords + r.dataSourceSecrets} secrets re-sealed)`,
            requestId: null,
          }));
          await insertAudit(tx, entries);
        },
      });
    } catch (err) {
      if (next) rmSync(next, { force: true });
      if (err instanceof RotationError) throw new CliError(err.message);
      throw err;
    }
    if (next && keyFile) {
      renameSync(next, keyFile);
      chmodSync(keyFile, 0o600);
    }
    out(
      `re-sealed ${result.webhookSecrets} webhook signing secret(s), ${result.emailPasswords} SMTP password(s) and ` +
        `${result.dataSourceSecrets} data source secret(s) with the new key; API keys stay valid; ` +
        `${result.sessions} sign-in session(s) ended`,
    );
    out(
      keyFile
        ? `the new key is in ${keyFile}; start the server`
        : 'start every node with INSIGHTFLOW_SECRET_KEY set to the new key',
    );
    return 0;
  } finally {
    await db.close();
  }
}
