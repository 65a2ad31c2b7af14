// The demo workspace, loaded into instance `default` on first start (unless INSIGHTFLOW_DEMO=0): four data sources
// with owners, a unification configuration, segments, measures (one with a dimension) and example flows, then a full
// refresh. It goes through the public API in-process, with a temporary admin connection that is revoked afterwards,
// so the demo is exactly what a user could build.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import type { Services } from '../http/services.ts';
import { getSetting, putSetting } from '../jobs/index.ts';
import { createConnection, revokeConnection } from '../tenancy/index.ts';
import { demoFlows, demoMeasures, demoSegments, demoSources, demoUnification } from './workspace.ts';

const instance = 'default';
const base = `/v1/instances/${instance}`;

export async function loadDemo(app: Hono, services: Services): Promise<void> {
  const { db, clock, log, config } = services;
  if (await getSetting(db, instance, 'demo')) return;
  await putSetting(db, instance, 'demo', { loadedAt: clock.now().toISOString() }, clock.now());
  const { connection, key } = await createConnection(db, clock, {
    instanceId: instance,
    name: 'Demo loader',
    role: 'admin',
    rateLimit: 10_000,
    serverKey: services.keyHashKey,
  });
  const call = async <T = Record<string, unknown>>(method: string, pathname: string, body?: unknown): Promise<T> => {
    const res = await app.request(`http://localhost${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => undefined)) as T;
    if (!res.ok) throw new Error(`demo: ${method} ${pathname} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    const dataDir = path.join(import.meta.dirname, 'data');
    mkdirSync(path.join(config.importDir, 'demo'), { recursive: true });
    for (const f of readdirSync(dataDir)) copyFileSync(path.join(dataDir, f), path.join(config.importDir, 'demo', f));
    for (const ds of demoSources) await call('POST', `${base}/manage/datasources`, ds);
    const ingestion = await call<{ id: string }>('POST', `${base}/jobs`, { operationType: 'ingestion' });
    for (let i = 0; i < 6000; i++) {
      const job = await call<{ status: string }>('GET', `${base}/jobs/${ingestion.id}`);
      if (job.status !== 'queued' && job.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await call('PUT', `${base}/manage/unification`, demoUnification);
    for (const s of demoSegments) await call('POST', `${base}/manage/segments`, s);
    for (const m of demoMeasures) await call('POST', `${base}/manage/measures`, m);
    const segments = (await call<{ value: Array<{ id: string; name: string }> }>('GET', `${base}/manage/segments`))
      .value;
    for (const f of demoFlows(segments)) await call('POST', `${base}/flows`, f);
    await call('PUT', `${base}/manage/schedule`, { enabled: false, timezone: 'Europe/Berlin', cron: ['0 3 * * *'] });
    await call('POST', `${base}/jobs`, { operationType: 'all' });
    log.info('demo workspace loaded; a full refresh is running', { instance });
  } catch (err) {
    log.error('loading the demo workspace failed', { error: (err as Error).message });
  } finally {
    await revokeConnection(db, instance, connection.id, clock.now());
  }
}
