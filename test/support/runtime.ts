// A real Insightflow for one test: its own data directory (and PostgreSQL schema), a real HTTP server on an
// ephemeral loopback port, and a small client. Nothing is mocked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import type { Clock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { getEntity, queryRows } from '../../src/datastore/index.ts';
import { startRuntime, type Runtime } from '../../src/http/runtime.ts';
import { dropSchema, freshSchema, postgresUrl, type Engine } from './engines.ts';

export const adminKey = 'test-system-admin-key-0123456789';

export interface TestServer {
  runtime: Runtime;
  url: string;
  dataDir: string;
  importDir: string;
  /** Writes a file into the import directory. */
  importFile(name: string, content: string | Buffer): void;
  /** Calls the API; `key` defaults to the system administrator's. */
  call(
    method: string,
    pathname: string,
    opts?: { body?: unknown; key?: string | null; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  /** Stops the server keeping its data, and starts a new one on the same data directory and schema: with `env`
   * changed, after `beforeStart` ran on the stopped server's data. */
  restart(opts?: { env?: Record<string, string>; beforeStart?: () => Promise<void> }): Promise<void>;
  /** The configuration the server runs with now, and its PostgreSQL schema (postgres engine). */
  config: Readonly<Config>;
  schema: string | undefined;
  /** Rows of the published version of an entity, read straight from the data store, ordered by `orderBy`. */
  readEntity(instanceId: string, name: string, orderBy?: string): Promise<Array<Record<string, unknown>>>;
  /** Polls a job until it ends (bounded: 3000 polls). */
  waitForJob(instanceId: string, jobId: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function startTestServer(
  opts: { engine?: Engine; env?: Record<string, string>; clock?: Clock } = {},
): Promise<TestServer> {
  const engine = opts.engine ?? 'sqlite';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'insightflow-test-'));
  const importDir = path.join(dataDir, 'imports');
  mkdirSync(importDir, { recursive: true });
  const schema = engine === 'postgres' ? freshSchema() : undefined;
  let env: Record<string, string> = {
    INSIGHTFLOW_DATA_DIR: dataDir,
    INSIGHTFLOW_PORT: '0',
    INSIGHTFLOW_ADMIN_KEY: adminKey,
    INSIGHTFLOW_DEMO: '0',
    INSIGHTFLOW_LOG_LEVEL: 'silent',
    INSIGHTFLOW_DUCKDB_MEMORY: '512MB',
    INSIGHTFLOW_RATE_LIMIT: '1000000',
    ...(engine === 'postgres'
      ? {
          INSIGHTFLOW_DATABASE_URL: postgresUrl,
          INSIGHTFLOW_SHARED_DIR: dataDir,
          INSIGHTFLOW_SECRET_KEY: 'test-secret-key-shared-by-every-node',
        }
      : {}),
    ...opts.env,
  };
  let config = loadConfig(env, dataDir);
  const start = () =>
    startRuntime(config, {
      log: silentLogger,
      ...(schema ? { schema } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  let runtime = await start();
  const call: TestServer['call'] = async (method, pathname, o = {}) => {
    const key = o.key === undefined ? adminKey : o.key;
    const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...o.headers };
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(server.url + pathname, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  const server: TestServer = {
    runtime,
    url: runtime.url,
    dataDir,
    importDir,
    importFile: (name, content) => {
      const file = path.join(importDir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    },
    call,
    waitForJob: async (instanceId, jobId) => {
      for (let i = 0; i < 3000; i++) {
        const r = await call('GET', `/v1/instances/${instanceId}/jobs/${jobId}`);
        const status = (r.body as { status: string }).status;
        if (!['queued', 'running'].includes(status)) {
          // Replaced versions are dropped on the instance's writer after the job's commit (not awaited by the job):
          // a write queued behind them returns once they are done, so a test sees the data as the job left it.
          await (await runtime.services.dataStore.instance(instanceId)).write(async () => undefined);
          return r.body as Record<string, unknown>;
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`job ${jobId} did not end`);
    },
    config,
    schema,
    restart: async (o = {}) => {
      await runtime.stop();
      if (o.env) {
        env = { ...env, ...o.env };
        config = loadConfig(env, dataDir);
        server.config = config;
      }
      await o.beforeStart?.();
      runtime = await start();
      server.runtime = runtime;
      server.url = runtime.url;
    },
    readEntity: async (instanceId, name, orderBy) => {
      const entity = await getEntity(runtime.services.db, instanceId, name);
      if (!entity) throw new Error(`entity ${name} is not published`);
      const data = await runtime.services.dataStore.instance(instanceId);
      return data.read((conn) =>
        queryRows(conn, `SELECT * FROM ${entity.table}${orderBy ? ` ORDER BY ${orderBy}` : ''}`),
      );
    },
    stop: async () => {
      await runtime.stop();
      if (schema) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Calls the API (as the system administrator) and asserts the answer's status; returns its body. */
export async function ok(s: TestServer, method: string, path: string, body?: unknown, status = 201): Promise<any> {
  const r = await s.call(method, path, body === undefined ? {} : { body });
  assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Runs a full refresh of the default instance and returns the ended job; `mustSucceed` asserts it succeeded. */
export async function runAll(s: TestServer, opts: { mustSucceed?: boolean } = {}): Promise<any> {
  const job = await ok(s, 'POST', '/v1/instances/default/jobs', { operationType: 'all' }, 202);
  const done = await s.waitForJob('default', job.id);
  if (opts.mustSucceed) assert.equal(done.status, 'succeeded', JSON.stringify(done.tasks));
  return done;
}
