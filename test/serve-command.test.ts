// `insightflow serve` on a port it cannot listen on: a configuration error naming the variable, exit code 2, and
// nothing left running (before, an unhandled 'error' event crashed it with a stack trace after the job runner, the
// scheduler and the workers had started).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

test('serve on a port in use ends with a configuration error naming INSIGHTFLOW_PORT (exit 2)', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const { port } = taken.address() as AddressInfo;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'insightflow-serve-'));
  try {
    const child = spawn(path.join(root, 'node_modules/.bin/node'), ['src/cli/main.ts', 'serve'], {
      cwd: root,
      env: {
        ...process.env,
        INSIGHTFLOW_DATA_DIR: dataDir,
        INSIGHTFLOW_HOST: '127.0.0.1',
        INSIGHTFLOW_PORT: String(port),
        INSIGHTFLOW_ADMIN_KEY: 'serve-test-admin-key-0123456789',
        INSIGHTFLOW_DEMO: '0',
        INSIGHTFLOW_LOG_LEVEL: 'error',
        INSIGHTFLOW_DATABASE_URL: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 2, stderr);
    assert.equal(
      stderr.trim(),
      `configuration error: INSIGHTFLOW_PORT: 127.0.0.1:${port} is in use by another program (EADDRINUSE); ` +
        'choose another port',
    );
  } finally {
    await new Promise<void>((r) => taken.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
