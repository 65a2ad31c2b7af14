// The insightflow command, run as a real child process against a real server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { adminKey, startTestServer } from './support/runtime.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [path.join(root, 'bin', 'insightflow.js'), ...args], {
    env: { ...process.env, ...env },
    cwd: root,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('insightflow CLI', () => {
  test('refresh shows progress per task and status lists data sources and jobs', async () => {
    const s = await startTestServer();
    try {
      s.importFile('a.csv', 'id,name\n1,Ann\n');
      await s.call('POST', '/v1/instances/default/manage/datasources', {
        body: { name: 'Alpha', kind: 'csv', location: 'a.csv', primaryKey: 'id' },
      });
      const env = { INSIGHTFLOW_URL: s.url, INSIGHTFLOW_KEY: adminKey, INSIGHTFLOW_DATA_DIR: s.dataDir };
      const refreshed = await cli(['refresh', '--operation', 'ingestion'], env);
      assert.equal(refreshed.code, 0, refreshed.stderr);
      assert.match(refreshed.stdout, /job job_\w+ \(ingestion\) queued/);
      assert.match(refreshed.stdout, /✔ Data source Alpha\s+succeeded/);
      assert.match(refreshed.stdout, /job job_\w+ succeeded in/);
      const status = await cli(['status'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /Alpha\s+succeeded\s+\S+ \(1 rows\)/);
      assert.match(status.stdout, /ingestion\s+onDemand\s+succeeded/);
      const failing = await cli(['refresh', '--operation', 'all'], { ...env, INSIGHTFLOW_KEY: 'ifk_wrong' });
      assert.equal(failing.code, 2);
      assert.match(failing.stderr, /401 Unauthorized/);
    } finally {
      await s.stop();
    }
  });

  test('keys create writes a connection whose key works, and validates its options', async () => {
    const s = await startTestServer();
    try {
      const env = { INSIGHTFLOW_DATA_DIR: s.dataDir, INSIGHTFLOW_LOG_LEVEL: 'silent' };
      const made = await cli(['keys', 'create', '--role', 'viewer', '--name', 'Reporting'], env);
      assert.equal(made.code, 0, made.stderr);
      const key = made.stdout.trim().split('\n').at(-1) as string;
      assert.match(key, /^ifk_/);
      assert.equal((await s.call('GET', '/v1/instances/default/jobs', { key })).status, 200);
      assert.equal(
        (await s.call('POST', '/v1/instances/default/jobs', { key, body: { operationType: 'all' } })).status,
        403,
      );
      const bad = await cli(['keys', 'create', '--role', 'owner'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--role must be one of viewer, contributor, admin/);
      const unknown = await cli(['frobnicate'], env);
      assert.equal(unknown.code, 2);
    } finally {
      await s.stop();
    }
  });
});
