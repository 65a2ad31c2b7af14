// Rotating the server key (INSIGHTFLOW_SECRET_KEY, or the generated secret.key): every value sealed with it —
// webhook signing secrets (current and previous), SMTP passwords, data source passwords and header values — is opened
// with the old key and sealed with the new one in one transaction; sign-in sessions, found by hashes keyed with the
// old key, end. Every value is opened before anything is written,
// so a wrong old key changes nothing. API key hashes keep their HMAC key: it lives in server_secrets, sealed with the
// server key, and is re-sealed (on the first rotation it is created from the old key, which keyed them until then).
// This is the one place that knows every sealed column; a new kind of sealed value must be added here.
import { decryptText, encryptText } from '../core/secrets.ts';
import type { Db, SqlValue } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';

const keyHashKeyName = 'api-key-hash-key';

/** The HMAC key of API key hashes: the sealed one in server_secrets, or the server key itself before any rotation. */
export async function resolveKeyHashKey(db: Db, serverKey: Buffer): Promise<Buffer> {
  const r = await db.get<{ value: string }>('SELECT value FROM server_secrets WHERE name = ?', [keyHashKeyName]);
  if (!r) return serverKey;
  try {
    return Buffer.from(decryptText(serverKey, r.value), 'base64url');
  } catch {
    throw new Error(
      'INSIGHTFLOW_SECRET_KEY (or secret.key) does not open the secrets of this control store: was the key rotated? ' +
        'Start with the key that insightflow rotate-secret-key set',
    );
  }
}

export class RotationError extends Error {}

export interface RotationResult {
  webhookSecrets: number;
  emailPasswords: number;
  dataSourceSecrets: number;
  /** Sign-in sessions ended: their cookies are found by a hash keyed with the server key. */
  sessions: number;
}

type Options = { password?: string; headers?: Record<string, string> } & Record<string, unknown>;

/** Re-seals every stored secret from `oldKey` to `newKey` in one transaction; throws RotationError, changing nothing,
 * when a value does not open with `oldKey`. `record` writes what else belongs to the change (the audit log) in the
 * same transaction. */
export async function rotateSecretKey(
  db: Db,
  keys: { oldKey: Buffer; newKey: Buffer },
  now: Date,
  opts: { record?: (tx: Db, result: RotationResult) => Promise<void> } = {},
): Promise<RotationResult> {
  const reseal = (what: string, sealed: string): string => {
    let text: string;
    try {
      text = decryptText(keys.oldKey, sealed);
    } catch {
      throw new RotationError(
        `the current key does not open ${what}: is INSIGHTFLOW_SECRET_KEY (or secret.key) the key the server runs ` +
          'with? Nothing was changed',
      );
    }
    return encryptText(keys.newKey, text);
  };
  const sealed = (v: string | null | undefined): v is string => typeof v === 'string' && v.startsWith('v1.');
  return db.tx(async (tx) => {
    const result: RotationResult = { webhookSecrets: 0, emailPasswords: 0, dataSourceSecrets: 0, sessions: 0 };
    const writes: Array<[string, SqlValue[]]> = [];

    const keyRow = await tx.get<{ value: string }>('SELECT value FROM server_secrets WHERE name = ?', [keyHashKeyName]);
    const hashKey = keyRow
      ? reseal('the API key hash key', keyRow.value)
      : encryptText(keys.newKey, keys.oldKey.toString('base64url'));
    writes.push([
      `INSERT INTO server_secrets (name, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [keyHashKeyName, hashKey, now.toISOString()],
    ]);

    const subs = await tx.all<{ id: string; secret: string; previous_secret: string | null }>(
      'SELECT id, secret, previous_secret FROM subscriptions ORDER BY id',
    );
    for (const s of subs) {
      if (!sealed(s.secret) && !sealed(s.previous_secret)) continue;
      const secret = sealed(s.secret) ? reseal(`the signing secret of subscription ${s.id}`, s.secret) : s.secret;
      const previous = sealed(s.previous_secret)
        ? reseal(`the previous signing secret of subscription ${s.id}`, s.previous_secret)
        : s.previous_secret;
      writes.push(['UPDATE subscriptions SET secret = ?, previous_secret = ? WHERE id = ?', [secret, previous, s.id]]);
      result.webhookSecrets++;
    }

    const mail = await tx.all<{ instance_id: string; value: string }>(
      `SELECT instance_id, value FROM settings WHERE name = 'email' ORDER BY instance_id`,
    );
    for (const m of mail) {
      const v = fromJson<{ passwordSealed?: string }>(m.value);
      if (!sealed(v.passwordSealed)) continue;
      v.passwordSealed = reseal(`the SMTP password of instance ${m.instance_id}`, v.passwordSealed);
      writes.push([
        `UPDATE settings SET value = ? WHERE instance_id = ? AND name = 'email'`,
        [toJson(v), m.instance_id],
      ]);
      result.emailPasswords++;
    }

    const sources = await tx.all<{ id: string; options: string }>('SELECT id, options FROM data_sources ORDER BY id');
    for (const ds of sources) {
      const o = fromJson<Options>(ds.options);
      let n = 0;
      if (sealed(o.password)) {
        o.password = reseal(`the password of data source ${ds.id}`, o.password);
        n++;
      }
      if (o.headers)
        o.headers = Object.fromEntries(
          Object.entries(o.headers).map(([k, v]) => {
            if (!sealed(v)) return [k, v];
            n++;
            return [k, reseal(`header ${k} of data source ${ds.id}`, v)];
          }),
        );
      if (n === 0) continue;
      writes.push(['UPDATE data_sources SET options = ? WHERE id = ?', [toJson(o), ds.id]]);
      result.dataSourceSecrets += n;
    }

    for (const [sql, params] of writes) await tx.run(sql, params);
    // Sessions and waiting sign-ins are found by hashes keyed with the server key (and hold refresh tokens sealed
    // with it): they end, and people sign in again.
    result.sessions = (await tx.run('DELETE FROM sessions')).changes;
    await tx.run('DELETE FROM sign_in_requests');
    await opts.record?.(tx, result);
    return result;
  });
}
