// The scheduled full refresh of an instance: `{enabled, timezone, cron: [..]}` stored as a setting. Each entry is a
// 5-field cron expression, or 6 fields with a leading seconds field (croner syntax).
import { Cron } from 'croner';
import { z } from 'zod';
import type { Db } from '../store/index.ts';
import { fromJson, toJson } from '../store/index.ts';

export interface Schedule {
  enabled: boolean;
  timezone: string;
  cron: string[];
}

export const defaultSchedule: Schedule = { enabled: false, timezone: 'UTC', cron: [] };

const validTimezone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Parses one cron expression for a timezone; throws with croner's reason when invalid. */
export function parseCron(expr: string, timezone: string): Cron {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    throw new Error(`has ${fields} fields; use 5 (minute hour day month weekday) or 6 (with leading seconds)`);
  return new Cron(expr, { timezone, paused: true });
}

export const scheduleIn = z
  .strictObject({
    enabled: z.boolean(),
    timezone: z.string().min(1).max(64).default('UTC'),
    cron: z.array(z.string().min(1).max(200)).max(20).default([]),
  })
  .superRefine((s, ctx) => {
    if (!validTimezone(s.timezone))
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: `"${s.timezone}" is not an IANA time zone such as Europe/Berlin`,
      });
    s.cron.forEach((expr, i) => {
      try {
        parseCron(expr, validTimezone(s.timezone) ? s.timezone : 'UTC');
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['cron', i],
          message: `"${expr}" is not a valid cron expression: ${(err as Error).message}`,
        });
      }
    });
    if (s.enabled && s.cron.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: 'an enabled schedule needs at least one cron expression',
      });
  });

export async function getSchedule(db: Db, instanceId: string): Promise<Schedule> {
  const r = await db.get<{ value: string }>(`SELECT value FROM settings WHERE instance_id = ? AND name = 'schedule'`, [
    instanceId,
  ]);
  return r ? fromJson<Schedule>(r.value) : defaultSchedule;
}

export async function putSchedule(db: Db, instanceId: string, schedule: Schedule, now: Date): Promise<void> {
  await db.tx(async (tx) => {
    await putSetting(tx, instanceId, 'schedule', schedule, now);
    await putSetting(tx, instanceId, 'schedule_state', { checkedAt: now.toISOString() }, now);
  });
}

export async function putSetting(db: Db, instanceId: string, name: string, value: unknown, now: Date): Promise<void> {
  await db.run(
    `INSERT INTO settings (instance_id, name, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (instance_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [instanceId, name, toJson(value), now.toISOString()],
  );
}

export async function getSetting<T>(db: Db, instanceId: string, name: string): Promise<T | undefined> {
  const r = await db.get<{ value: string }>('SELECT value FROM settings WHERE instance_id = ? AND name = ?', [
    instanceId,
    name,
  ]);
  return r ? fromJson<T>(r.value) : undefined;
}
