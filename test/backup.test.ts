// Backup and restore of the embedded default: `insightflow backup` taken from a running server while deliveries are
// being attempted, restored by `insightflow restore` into a fresh data directory; the restored server serves the same
// data, configuration and subscriptions, accepts the same keys, and delivers the events still pending.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { backupCommand, restoreCommand } from '../src/cli/backup.ts';
import { loadConfig } from '../src/config/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { startRuntime } from '../src/http/runtime.ts';
import { startReceiver } from './support/receiver.ts';
import { adminKey, startTestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

const get = async (url: string, key = adminKey) => {
  const r = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as any };
};

describe('backup and restore', () => {
  test('a backup taken under delivery load restores into a fresh directory that serves and delivers the same', async () => {
    const rx = await startReceiver();
    rx.respond = () => ({ status: 503 });
    const s = await startTestServer({
      env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_RETRY_SCHEDULE: '50ms' },
    });
    const backupFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'insightflow-backup-')), 'one.backup');
    let restored: Awaited<ReturnType<typeof startRuntime>> | undefined;
    try {
      const sub = await s.call('POST', `${U}/subscriptions`, {
        body: { url: `${rx.url}/hook`, eventTypes: ['datasource.refresh.succeeded'] },
      });
      assert.equal(sub.status, 201);
      const viewer = await s.call('POST', `${U}/connections`, { body: { name: 'V', role: 'viewer' } });
      s.importFile('crm.csv', 'id,name,city\n1,Ann,Berlin\n2,Bob,Paris\n3,Cy,Rome\n');
      const ds = await s.call('POST', `${U}/manage/datasources`, {
        body: { name: 'CRM', kind: 'csv', location: 'crm.csv' },
      });
      const upload = await s.call('POST', `${U}/manage/datasources`, {
        body: { name: 'Shop', kind: 'csv', location: 'upload' },
      });
      if (upload.status === 201) {
        const put = await fetch(`${s.url}${U}/manage/datasources/${upload.body.id}/content`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/csv' },
          body: 'sku,price\nA,1.5\nB,2\n',
        });
        assert.equal(put.status, 200);
      }
      for (let i = 0; i < 3; i++) {
        const job = await s.call('POST', `${U}/jobs`, { body: { operationType: 'ingestion' } });
        await s.waitForJob('default', job.body.id);
      }
      await rx.waitFor(3);
      // Delivery load: more refreshes queue more events while attempts keep failing and retrying.
      const load = (async () => {
        for (let i = 0; i < 3; i++) {
          const job = await s.call('POST', `${U}/manage/datasources/${ds.body.id}/refresh`);
          await s.waitForJob('default', job.body.id);
        }
      })();
      const lines: string[] = [];
      const code = await backupCommand(s.runtime.services.config, [backupFile, '--include-key'], (l) => lines.push(l), {
        INSIGHTFLOW_URL: s.url,
        INSIGHTFLOW_KEY: adminKey,
      });
      assert.equal(code, 0);
      assert.match(lines[lines.length - 1] as string, /backup written to .*with the secret key/);
      await load;
      assert.ok(statSync(backupFile).size > 0);
      assert.deepEqual(
        readdirSync(s.dataDir).filter((f) => f.startsWith('backup-')),
        [],
        'the staged copies are removed',
      );
      const entity = await get(`${s.url}${U}/data/CRM?$orderby=id`);
      const sources = await get(`${s.url}${U}/manage/datasources`);
      await s.stop();

      const fresh = mkdtempSync(path.join(os.tmpdir(), 'insightflow-restored-'));
      const config = loadConfig(
        {
          INSIGHTFLOW_DATA_DIR: path.join(fresh, 'data-dir'),
          INSIGHTFLOW_PORT: '0',
          INSIGHTFLOW_DEMO: '0',
          INSIGHTFLOW_LOG_LEVEL: 'silent',
          INSIGHTFLOW_DUCKDB_MEMORY: '512MB',
          INSIGHTFLOW_RATE_LIMIT: '1000000',
          INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
          INSIGHTFLOW_RETRY_SCHEDULE: '30ms',
        },
        fresh,
      );
      mkdirSync(config.dataDir);
      writeFileSync(path.join(config.dataDir, 'stray'), 'x');
      await assert.rejects(
        restoreCommand(config, [backupFile], () => undefined),
        /not empty/,
      );
      const fresh2 = loadConfig({ INSIGHTFLOW_DATA_DIR: path.join(fresh, 'second'), INSIGHTFLOW_PORT: '0' }, fresh);
      await assert.rejects(
        restoreCommand(fresh2, [path.join(fresh, 'nope.backup')], () => undefined),
        /no file/,
      );
      writeFileSync(path.join(fresh, 'junk.backup'), 'not a backup');
      await assert.rejects(
        restoreCommand(fresh2, [path.join(fresh, 'junk.backup')], () => undefined),
        /damaged/,
      );

      const restoreConfig = loadConfig(
        {
          ...Object.fromEntries([]),
          INSIGHTFLOW_DATA_DIR: path.join(fresh, 'restored'),
          INSIGHTFLOW_PORT: '0',
          INSIGHTFLOW_DEMO: '0',
          INSIGHTFLOW_LOG_LEVEL: 'silent',
          INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
          INSIGHTFLOW_RETRY_SCHEDULE: '30ms',
          INSIGHTFLOW_RATE_LIMIT: '1000000',
        },
        fresh,
      );
      const progress: string[] = [];
      assert.equal(await restoreCommand(restoreConfig, [backupFile], (l) => progress.push(l)), 0);
      assert.ok(
        progress.some((l) => /restored 100%/.test(l)),
        progress.join('\n'),
      );
      assert.equal(statSync(path.join(restoreConfig.dataDir, 'control.sqlite')).mode & 0o777, 0o600);

      rx.respond = () => ({ status: 200 });
      const before = rx.received.length;
      restored = await startRuntime(restoreConfig, { log: silentLogger });
      const url = restored.url;
      assert.deepEqual((await get(`${url}${U}/data/CRM?$orderby=id`)).body.value, entity.body.value);
      const shape = (b: any) => b.value.map((d: any) => [d.id, d.name, d.kind, d.location, d.entity]);
      // A refresh running when the backup was taken is Interrupted in the restored server; the configuration is equal.
      assert.deepEqual(shape((await get(`${url}${U}/manage/datasources`)).body), shape(sources.body));
      assert.equal((await get(`${url}${U}/subscriptions/${sub.body.id}`)).status, 200);
      assert.equal((await get(`${url}${U}/jobs`, viewer.body.key)).status, 200, 'keys still work');
      if (upload.status === 201) {
        const job = await fetch(`${url}${U}/manage/datasources/${upload.body.id}/refresh`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}` },
        });
        assert.equal(job.status, 202);
      }
      // Pending deliveries of the original are sent by the restored server.
      let deliveries: any[] = [];
      for (let i = 0; i < 500; i++) {
        deliveries = (await get(`${url}${U}/subscriptions/${sub.body.id}/deliveries`)).body.value;
        if (deliveries.length > 0 && deliveries.every((d) => d.status === 'succeeded')) break;
        await restored.services.deliveryWorker.drain();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(deliveries.length >= 6, `${deliveries.length} deliveries`);
      assert.ok(
        deliveries.every((d) => d.status === 'succeeded'),
        JSON.stringify(deliveries.map((d) => d.status)),
      );
      assert.ok(rx.received.length > before);
    } finally {
      await restored?.stop();
      await s.stop().catch(() => undefined);
      await rx.close();
    }
  });
});
