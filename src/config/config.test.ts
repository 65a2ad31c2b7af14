import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, defaultRetrySchedule, loadConfig } from './index.ts';

test('defaults', () => {
  const c = loadConfig({}, '/srv');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, '/srv/.insightflow');
  assert.equal(c.importDir, '/srv/.insightflow/imports');
  assert.equal(c.databaseUrl, undefined);
  assert.deepEqual(c.allowedTargets, []);
  assert.equal(c.rateLimit, 100);
  assert.equal(c.retrySchedule, defaultRetrySchedule);
  assert.equal(c.demo, true);
  assert.equal(c.publicUrl, undefined);
  assert.deepEqual(c.trustedProxies, []);
  assert.equal(c.pageLinkTtlMs, 3_600_000);
  assert.ok(Object.isFrozen(c));
});

test('every variable is read', () => {
  const c = loadConfig(
    {
      INSIGHTFLOW_HOST: '0.0.0.0',
      INSIGHTFLOW_PORT: '9000',
      INSIGHTFLOW_DATA_DIR: 'd',
      INSIGHTFLOW_IMPORT_DIR: '/imports',
      INSIGHTFLOW_DATABASE_URL: 'postgres://u@h/db',
      INSIGHTFLOW_ADMIN_KEY: 'a-very-long-admin-key',
      INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8, ::1, 10.1.2.3',
      INSIGHTFLOW_RATE_LIMIT: '5',
      INSIGHTFLOW_RETRY_SCHEDULE: '1s, 2m,500ms',
      INSIGHTFLOW_DEMO: '0',
      INSIGHTFLOW_PUBLIC_URL: 'https://insights.example.com/cx/',
      INSIGHTFLOW_TRUSTED_PROXIES: '10.0.0.0/8',
      INSIGHTFLOW_PAGE_LINK_TTL: '15m',
      INSIGHTFLOW_SHARED_DIR: '/mnt/shared',
      INSIGHTFLOW_SECRET_KEY: 'a-secret-key-of-at-least-32-characters',
      INSIGHTFLOW_NODE_LEASE: '10s',
    },
    '/srv',
  );
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.port, 9000);
  assert.equal(c.dataDir, '/srv/d');
  assert.equal(c.importDir, '/imports');
  assert.equal(c.databaseUrl, 'postgres://u@h/db');
  assert.equal(c.adminKey, 'a-very-long-admin-key');
  assert.deepEqual(c.allowedTargets, ['127.0.0.0/8', '::1/128', '10.1.2.3/32']);
  assert.equal(c.rateLimit, 5);
  assert.equal(c.retrySchedule, '1s, 2m,500ms');
  assert.equal(c.demo, false);
  assert.equal(c.publicUrl, 'https://insights.example.com/cx');
  assert.deepEqual(c.trustedProxies, ['10.0.0.0/8']);
  assert.equal(c.pageLinkTtlMs, 15 * 60_000);
  assert.equal(c.sharedDir, '/mnt/shared');
  assert.equal(c.nodeLeaseMs, 10_000);
});

test('many nodes need a shared directory and a secret key; one node uses its data directory', () => {
  const one = loadConfig({}, '/srv');
  assert.equal(one.sharedDir, '/srv/.insightflow');
  assert.equal(one.nodeLeaseMs, 30_000);
  const many = { INSIGHTFLOW_DATABASE_URL: 'postgres://u@h/db' };
  assert.throws(() => loadConfig(many, '/srv'), /INSIGHTFLOW_SHARED_DIR: is required with INSIGHTFLOW_DATABASE_URL/);
  assert.throws(
    () => loadConfig({ ...many, INSIGHTFLOW_SHARED_DIR: '/mnt/s' }, '/srv'),
    /INSIGHTFLOW_SECRET_KEY: is required with INSIGHTFLOW_DATABASE_URL/,
  );
  const c = loadConfig({ ...many, INSIGHTFLOW_SHARED_DIR: '/mnt/s', INSIGHTFLOW_SECRET_KEY: 'k'.repeat(32) }, '/srv');
  assert.equal(c.importDir, '/mnt/s/imports', 'the import directory defaults to <shared dir>/imports');
});

test('a bad value names its variable', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ INSIGHTFLOW_PORT: 'eighty' }, 'INSIGHTFLOW_PORT'],
    [{ INSIGHTFLOW_PORT: '70000' }, 'INSIGHTFLOW_PORT'],
    [{ INSIGHTFLOW_DATABASE_URL: 'mysql://x' }, 'INSIGHTFLOW_DATABASE_URL'],
    [{ INSIGHTFLOW_NODE_LEASE: 'soon' }, 'INSIGHTFLOW_NODE_LEASE'],
    [{ INSIGHTFLOW_NODE_LEASE: '10ms' }, 'INSIGHTFLOW_NODE_LEASE'],
    [{ INSIGHTFLOW_ADMIN_KEY: 'short' }, 'INSIGHTFLOW_ADMIN_KEY'],
    [{ INSIGHTFLOW_ALLOWED_TARGETS: '10.0.0.0/99' }, 'INSIGHTFLOW_ALLOWED_TARGETS'],
    [{ INSIGHTFLOW_ALLOWED_TARGETS: 'example.com' }, 'INSIGHTFLOW_ALLOWED_TARGETS'],
    [{ INSIGHTFLOW_RATE_LIMIT: '0' }, 'INSIGHTFLOW_RATE_LIMIT'],
    [{ INSIGHTFLOW_RETRY_SCHEDULE: '1s,soon' }, 'INSIGHTFLOW_RETRY_SCHEDULE'],
    [{ INSIGHTFLOW_DEMO: 'maybe' }, 'INSIGHTFLOW_DEMO'],
    [{ INSIGHTFLOW_LOG_LEVEL: 'loud' }, 'INSIGHTFLOW_LOG_LEVEL'],
    [{ INSIGHTFLOW_PUBLIC_URL: 'insights.example.com' }, 'INSIGHTFLOW_PUBLIC_URL'],
    [{ INSIGHTFLOW_PUBLIC_URL: 'ftp://insights.example.com' }, 'INSIGHTFLOW_PUBLIC_URL'],
    [{ INSIGHTFLOW_PUBLIC_URL: 'https://insights.example.com/?a=1' }, 'INSIGHTFLOW_PUBLIC_URL'],
    [{ INSIGHTFLOW_TRUSTED_PROXIES: 'proxy.local' }, 'INSIGHTFLOW_TRUSTED_PROXIES'],
    [{ INSIGHTFLOW_PAGE_LINK_TTL: '0s' }, 'INSIGHTFLOW_PAGE_LINK_TTL'],
    [{ INSIGHTFLOW_PAGE_LINK_TTL: 'an hour' }, 'INSIGHTFLOW_PAGE_LINK_TTL'],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig(env, '/srv'),
      (e: unknown) => e instanceof ConfigError && e.variable === variable && e.message.startsWith(variable),
      JSON.stringify(env),
    );
  }
});

test('a config file supplies values the environment leaves unset', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'insightflow.json');
  writeFileSync(file, JSON.stringify({ INSIGHTFLOW_PORT: 9100, INSIGHTFLOW_RATE_LIMIT: 7 }));
  const c = loadConfig({ INSIGHTFLOW_CONFIG: file, INSIGHTFLOW_RATE_LIMIT: '8' }, dir);
  assert.equal(c.port, 9100);
  assert.equal(c.rateLimit, 8);
  writeFileSync(file, JSON.stringify({ PORT: 1 }));
  assert.throws(() => loadConfig({ INSIGHTFLOW_CONFIG: file }, dir), /INSIGHTFLOW_CONFIG: unknown setting "PORT"/);
});

test('operations settings: metrics token, audit retention, OIDC, system admins, public URL', () => {
  const base = { INSIGHTFLOW_DATA_DIR: '/tmp/x' };
  const d = loadConfig(base, '/');
  assert.equal(d.metricsToken, undefined);
  assert.equal(d.auditRetentionDays, 400);
  assert.equal(d.oidc, undefined);
  assert.deepEqual(d.systemAdmins, []);
  const c = loadConfig(
    {
      ...base,
      INSIGHTFLOW_AUDIT_RETENTION: '30d',
      INSIGHTFLOW_OIDC_ISSUER: 'https://login.example.com/realm',
      INSIGHTFLOW_OIDC_CLIENT_ID: 'insightflow',
      INSIGHTFLOW_OIDC_CLIENT_SECRET: 'shh',
      INSIGHTFLOW_OIDC_GROUP_ROLES: 'marketing=viewer, ops=default:admin',
      INSIGHTFLOW_SYSTEM_ADMINS: 'Boss@Example.com',
      INSIGHTFLOW_PUBLIC_URL: 'https://insights.example.com/app/',
    },
    '/',
  );
  assert.equal(c.auditRetentionDays, 30);
  assert.deepEqual(c.oidc?.groupRoles, [
    { group: 'marketing', instanceId: null, role: 'viewer' },
    { group: 'ops', instanceId: 'default', role: 'admin' },
  ]);
  assert.equal(c.oidc?.sessionTtlSeconds, 8 * 3600);
  assert.equal(c.oidc?.sessionMaxAgeSeconds, 24 * 3600);
  assert.deepEqual(c.systemAdmins, ['boss@example.com']);
  assert.equal(c.publicUrl, 'https://insights.example.com/app');
  for (const [env, variable] of [
    [{ INSIGHTFLOW_METRICS_TOKEN: 'short' }, 'INSIGHTFLOW_METRICS_TOKEN'],
    [{ INSIGHTFLOW_AUDIT_RETENTION: 'forever' }, 'INSIGHTFLOW_AUDIT_RETENTION'],
    [{ INSIGHTFLOW_OIDC_ISSUER: 'https://x.example.com' }, 'INSIGHTFLOW_OIDC_CLIENT_ID'],
    [{ INSIGHTFLOW_OIDC_ISSUER: 'not a url' }, 'INSIGHTFLOW_OIDC_ISSUER'],
    [{ INSIGHTFLOW_OIDC_ISSUER: 'http://login.example.com' }, 'INSIGHTFLOW_OIDC_ISSUER'],
    [
      {
        INSIGHTFLOW_OIDC_ISSUER: 'https://x.example.com',
        INSIGHTFLOW_OIDC_CLIENT_ID: 'a',
        INSIGHTFLOW_OIDC_CLIENT_SECRET: 'b',
        INSIGHTFLOW_OIDC_GROUP_ROLES: 'g=owner',
      },
      'INSIGHTFLOW_OIDC_GROUP_ROLES',
    ],
    [{ INSIGHTFLOW_SYSTEM_ADMINS: 'nobody' }, 'INSIGHTFLOW_SYSTEM_ADMINS'],
    [{ INSIGHTFLOW_PUBLIC_URL: 'ftp://x' }, 'INSIGHTFLOW_PUBLIC_URL'],
  ] as const)
    assert.throws(
      () => loadConfig({ ...base, ...env }, '/'),
      (e: Error) => e.message.startsWith(variable),
    );
});
