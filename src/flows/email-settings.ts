// The SMTP settings of an instance (PUT …/manage/settings/email). The password is stored encrypted with the server
// secret and never returned.
import { z } from 'zod';
import { decryptText, encryptText } from '../core/secrets.ts';
import { oneLine } from '../core/text.ts';
import { getSetting, putSetting } from '../jobs/index.ts';
import type { Db } from '../store/index.ts';

export const emailSettingsIn = z.strictObject({
  host: oneLine(255)
    .trim()
    .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'must be a host name or an IP address')
    .pipe(z.string().min(1)),
  port: z.number().int().min(1).max(65535),
  /** true: TLS from the start (port 465); false: STARTTLS when offered. */
  secure: z.boolean(),
  user: oneLine(255).optional(),
  /** Omitted: keep the stored password; null: remove it. */
  password: oneLine(1024).nullable().optional(),
  from: oneLine(320).trim().pipe(z.string().min(3)),
});
export type EmailSettingsIn = z.infer<typeof emailSettingsIn>;

interface Stored {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  passwordSealed?: string | undefined;
  from: string;
}

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
}

const name = 'email';

export async function putEmailSettings(
  db: Db,
  key: Buffer,
  instanceId: string,
  input: EmailSettingsIn,
  now: Date,
): Promise<void> {
  const previous = await getSetting<Stored>(db, instanceId, name);
  const passwordSealed =
    input.password === undefined
      ? previous?.passwordSealed
      : input.password === null
        ? undefined
        : encryptText(key, input.password);
  const stored: Stored = {
    host: input.host,
    port: input.port,
    secure: input.secure,
    user: input.user,
    from: input.from,
    passwordSealed,
  };
  await putSetting(db, instanceId, name, stored, now);
}

/** What the API shows: everything but the password. */
export async function emailSettingsView(
  db: Db,
  instanceId: string,
): Promise<(Omit<Stored, 'passwordSealed'> & { hasPassword: boolean }) | undefined> {
  const s = await getSetting<Stored>(db, instanceId, name);
  if (!s) return undefined;
  const { passwordSealed, ...rest } = s;
  return { ...rest, hasPassword: passwordSealed !== undefined };
}

/** The settings with the password decrypted, for sending. */
export async function emailSettingsForSending(
  db: Db,
  key: Buffer,
  instanceId: string,
): Promise<EmailSettings | undefined> {
  const s = await getSetting<Stored>(db, instanceId, name);
  if (!s) return undefined;
  const { passwordSealed, ...rest } = s;
  return { ...rest, ...(passwordSealed ? { password: decryptText(key, passwordSealed) } : {}) };
}
