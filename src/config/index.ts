// All settings, read once at start from the environment (and an optional JSON config file), validated and frozen.
// Only this module reads process.env. Each setting: meaning, unit, default — also listed in docs/operations.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';

export interface Config {
  /** Listen address. Default 127.0.0.1. */
  host: string;
  /** Listen port. Default 8080; 0 picks a free port. */
  port: number;
  /** Data directory holding the control store (SQLite) and the data store (DuckDB). Default ./.insightflow. */
  dataDir: string;
  /** The only folder whose files data sources may read by path. Default <dataDir>/imports. */
  importDir: string;
  /** postgres://… puts the control state on PostgreSQL; undefined = SQLite in the data directory. */
  databaseUrl: string | undefined;
  /** Key given to the system administrator's connection on first start; undefined = generate and print once. */
  adminKey: string | undefined;
  /** CIDRs that webhook and flow targets may reach although private or loopback. Default none. */
  allowedTargets: string[];
  /** Calls per rolling 60 s per connection, unless the connection sets its own. Default 100. */
  rateLimit: number;
  /** Delivery retry delays, comma-separated durations. Default 1s,5s,30s,2m,10m,30m,1h,2h,4h,8h. */
  retrySchedule: string;
  /** Load the demo workspace on first start. Default true (INSIGHTFLOW_DEMO=0 turns it off). */
  demo: boolean;
  /** Log level: debug, info, warn, error, silent. Default info. */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Largest accepted upload of a data source file, in bytes. Default 2 GiB. */
  maxUploadBytes: number;
  /** Largest accepted JSON request body, in bytes. Default 1 MiB. */
  maxBodyBytes: number;
  /** Deepest nesting of arrays and objects a JSON or NDJSON data source file may hold; deeper files fail their
   * refresh. Default 64 (at most 1000). */
  jsonMaxDepth: number;
  /** Memory DuckDB may use per instance before spilling to disk, e.g. "1GB". Default 1GB. */
  duckdbMemoryLimit: string;
  /** Days SegmentMembershipChanges keeps each evaluation's changes (older ones are deleted at the next
   * evaluation). Default 90. */
  changesRetentionDays: number;
  /** Secret for signing page and partition links and encrypting stored secrets; default: generated once into the
   * data dir. Required with databaseUrl (many nodes share one key). */
  secretKey: string | undefined;
  /** External base URL (scheme, host, optional path prefix; no trailing slash) every absolute URL is built from;
   * undefined = from the request (INSIGHTFLOW_TRUSTED_PROXIES, else the Host header). */
  publicUrl: string | undefined;
  /** CIDRs of reverse proxies whose Forwarded / X-Forwarded-* headers are believed. Default none. */
  trustedProxies: string[];
  /** How long a signed @odata.nextLink stays valid, in ms. Default 1 hour (INSIGHTFLOW_PAGE_LINK_TTL=1h). */
  pageLinkTtlMs: number;
  /** Bearer token that may read GET /metrics (besides the system administrator's key). Default unset. */
  metricsToken: string | undefined;
  /** How long audit entries are kept, in days (INSIGHTFLOW_AUDIT_RETENTION, a duration such as 400d). Default 400. */
  auditRetentionDays: number;
  /** OpenID Connect sign-in; undefined when INSIGHTFLOW_OIDC_ISSUER is unset (key sign-in in the UI then). */
  oidc: OidcConfig | undefined;
  /** E-mail addresses (lowercase) of the system administrators who sign in through OpenID Connect. Default none. */
  systemAdmins: string[];
  /** Folder every node mounts (NFS, EFS, a ReadWriteMany volume): uploads, the import directory and published
   * snapshots. Required with databaseUrl; default (one node): the data directory. */
  sharedDir: string;
  /** How long a node's heartbeat keeps its lease, in ms; its jobs and delivery claims are swept by another node once
   * the lease has expired (INSIGHTFLOW_NODE_LEASE, a duration such as 30s). Default 30 s. */
  nodeLeaseMs: number;
}

export interface OidcConfig {
  /** Issuer URL (its /.well-known/openid-configuration is read at start). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** INSIGHTFLOW_OIDC_GROUP_ROLES: `group=role` (every instance) or `group=instance:role`, comma-separated. */
  groupRoles: Array<{ group: string; instanceId: string | null; role: 'viewer' | 'contributor' | 'admin' }>;
  /** How long a sign-in session lasts without activity, seconds (INSIGHTFLOW_SESSION_TTL, a duration). Default 8h. */
  sessionTtlSeconds: number;
  /** How long a sign-in session lasts at most, activity or not, seconds (INSIGHTFLOW_SESSION_MAX_AGE, a duration).
   * Default 24h; then the person signs in again. */
  sessionMaxAgeSeconds: number;
}

export const defaultRetrySchedule = '1s,5s,30s,2m,10m,30m,1h,2h,4h,8h';

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

const int = (env: Env, name: string, def: number, min: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
};

const bool = (env: Env, name: string, def: boolean): boolean => {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be 1/0, true/false, yes/no or on/off, got "${raw}"`);
};

function cidrs(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((item) => {
    const s = item.trim();
    try {
      const withBits = s.includes('/') ? s : `${s}/${ipaddr.parse(s).kind() === 'ipv4' ? 32 : 128}`;
      ipaddr.parseCIDR(withBits);
      return withBits;
    } catch {
      throw new ConfigError(name, `"${s}" is not a CIDR such as 127.0.0.0/8 or ::1/128`);
    }
  });
}

function durations(env: Env, name: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return defaultRetrySchedule;
  for (const item of raw.split(',')) {
    if (!/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/.test(item)) {
      throw new ConfigError(name, `"${item.trim()}" is not a duration such as 500ms, 5s, 2m, 1h or 1d`);
    }
  }
  return raw;
}

function publicUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL such as https://insights.example.com`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError(name, 'must start with https://');
  if (u.search || u.hash || u.username || u.password)
    throw new ConfigError(name, 'must hold scheme, host, optional port and path prefix only (no query or user)');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(env: Env, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(raw);
  const ms = m ? Number(m[1]) * (unitMs[m[2] as string] as number) : NaN;
  if (!(ms >= 1 && ms <= 365 * 86_400_000))
    throw new ConfigError(name, `"${raw}" is not a positive duration such as 30s, 15m or 1h (at most 365d)`);
  return Math.round(ms);
}

const atLeast = (name: string, ms: number, min: number): number => {
  if (ms < min) throw new ConfigError(name, `must be at least ${min} ms, got ${ms} ms`);
  return ms;
};

/** Reads and validates the configuration. `env` defaults to process.env; a JSON file named by INSIGHTFLOW_CONFIG
 * supplies values for variables the environment leaves unset. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const merged: Env = { ...readConfigFile(env, cwd), ...env };
  const host = merged.INSIGHTFLOW_HOST || '127.0.0.1';
  const dataDir = path.resolve(cwd, merged.INSIGHTFLOW_DATA_DIR || './.insightflow');
  const databaseUrl = merged.INSIGHTFLOW_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('INSIGHTFLOW_DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  if (databaseUrl !== undefined && !merged.INSIGHTFLOW_SHARED_DIR) {
    throw new ConfigError(
      'INSIGHTFLOW_SHARED_DIR',
      'is required with INSIGHTFLOW_DATABASE_URL: a directory every node mounts, for uploads and published snapshots',
    );
  }
  if (databaseUrl !== undefined && !merged.INSIGHTFLOW_SECRET_KEY) {
    throw new ConfigError(
      'INSIGHTFLOW_SECRET_KEY',
      'is required with INSIGHTFLOW_DATABASE_URL: every node must sign links and encrypt secrets with the same key',
    );
  }
  const sharedDir = path.resolve(cwd, merged.INSIGHTFLOW_SHARED_DIR || dataDir);
  const importDir = path.resolve(cwd, merged.INSIGHTFLOW_IMPORT_DIR || path.join(sharedDir, 'imports'));
  const adminKey = merged.INSIGHTFLOW_ADMIN_KEY || undefined;
  if (adminKey !== undefined && (adminKey.length < 16 || /\s/.test(adminKey))) {
    throw new ConfigError('INSIGHTFLOW_ADMIN_KEY', 'must be at least 16 characters without spaces');
  }
  const logLevel = (merged.INSIGHTFLOW_LOG_LEVEL || 'info') as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError('INSIGHTFLOW_LOG_LEVEL', `must be debug, info, warn, error or silent, got "${logLevel}"`);
  }
  const duckdbMemoryLimit = merged.INSIGHTFLOW_DUCKDB_MEMORY || '1GB';
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(duckdbMemoryLimit)) {
    throw new ConfigError(
      'INSIGHTFLOW_DUCKDB_MEMORY',
      `must be a size such as 512MB or 2GB, got "${duckdbMemoryLimit}"`,
    );
  }
  const secretKey = merged.INSIGHTFLOW_SECRET_KEY || undefined;
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new ConfigError('INSIGHTFLOW_SECRET_KEY', 'must be at least 32 characters');
  }
  return Object.freeze({
    host,
    port: int(merged, 'INSIGHTFLOW_PORT', 8080, 0, 65535),
    dataDir,
    importDir,
    databaseUrl,
    adminKey,
    allowedTargets: cidrs(merged, 'INSIGHTFLOW_ALLOWED_TARGETS'),
    rateLimit: int(merged, 'INSIGHTFLOW_RATE_LIMIT', 100, 1, 1_000_000),
    retrySchedule: durations(merged, 'INSIGHTFLOW_RETRY_SCHEDULE'),
    demo: bool(merged, 'INSIGHTFLOW_DEMO', true),
    logLevel,
    maxUploadBytes: int(merged, 'INSIGHTFLOW_MAX_UPLOAD_BYTES', 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    maxBodyBytes: int(merged, 'INSIGHTFLOW_MAX_BODY_BYTES', 1024 ** 2, 1024, 64 * 1024 ** 2),
    jsonMaxDepth: int(merged, 'INSIGHTFLOW_JSON_MAX_DEPTH', 64, 1, 1000),
    duckdbMemoryLimit,
    changesRetentionDays: int(merged, 'INSIGHTFLOW_CHANGES_RETENTION_DAYS', 90, 1, 36_500),
    secretKey,
    publicUrl: publicUrl(merged, 'INSIGHTFLOW_PUBLIC_URL'),
    trustedProxies: cidrs(merged, 'INSIGHTFLOW_TRUSTED_PROXIES'),
    pageLinkTtlMs: duration(merged, 'INSIGHTFLOW_PAGE_LINK_TTL', 3_600_000),
    ...operationsSettings(merged),
    sharedDir,
    nodeLeaseMs: atLeast('INSIGHTFLOW_NODE_LEASE', duration(merged, 'INSIGHTFLOW_NODE_LEASE', 30_000), 1000),
  });
}

const durationMs = (raw: string): number | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(raw);
  return m ? Number(m[1]) * (unitMs[m[2] as string] as number) : undefined;
};

function positiveDuration(env: Env, name: string, defMs: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return defMs;
  const ms = durationMs(raw);
  if (ms === undefined || ms <= 0)
    throw new ConfigError(name, `"${raw}" is not a positive duration such as 8h or 400d`);
  return ms;
}

function operationsSettings(env: Env): Pick<Config, 'metricsToken' | 'auditRetentionDays' | 'oidc' | 'systemAdmins'> {
  const metricsToken = env.INSIGHTFLOW_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && (metricsToken.length < 16 || /\s/.test(metricsToken)))
    throw new ConfigError('INSIGHTFLOW_METRICS_TOKEN', 'must be at least 16 characters without spaces');
  const systemAdmins = (env.INSIGHTFLOW_SYSTEM_ADMINS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const a of systemAdmins)
    if (!/^[^@\s]+@[^@\s]+$/.test(a))
      throw new ConfigError('INSIGHTFLOW_SYSTEM_ADMINS', `"${a}" is not an e-mail address`);
  return {
    metricsToken,
    auditRetentionDays: positiveDuration(env, 'INSIGHTFLOW_AUDIT_RETENTION', 400 * 86_400_000) / 86_400_000,
    oidc: oidcSettings(env),
    systemAdmins,
  };
}

function oidcSettings(env: Env): OidcConfig | undefined {
  const issuer = env.INSIGHTFLOW_OIDC_ISSUER || undefined;
  if (issuer === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(
      'INSIGHTFLOW_OIDC_ISSUER',
      `"${issuer}" is not a URL such as https://login.example.com/realm`,
    );
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ConfigError('INSIGHTFLOW_OIDC_ISSUER', `must be an https URL (http only on loopback), got "${issuer}"`);
  const clientId = env.INSIGHTFLOW_OIDC_CLIENT_ID || '';
  const clientSecret = env.INSIGHTFLOW_OIDC_CLIENT_SECRET || '';
  if (clientId === '') throw new ConfigError('INSIGHTFLOW_OIDC_CLIENT_ID', 'is required with INSIGHTFLOW_OIDC_ISSUER');
  if (clientSecret === '')
    throw new ConfigError('INSIGHTFLOW_OIDC_CLIENT_SECRET', 'is required with INSIGHTFLOW_OIDC_ISSUER');
  const groupRoles = (env.INSIGHTFLOW_OIDC_GROUP_ROLES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const m = /^([^=]+)=(?:([a-z0-9-]+):)?(viewer|contributor|admin)$/.exec(item);
      if (!m)
        throw new ConfigError(
          'INSIGHTFLOW_OIDC_GROUP_ROLES',
          `"${item}" is not group=role or group=instance:role (roles: viewer, contributor, admin)`,
        );
      return { group: (m[1] as string).trim(), instanceId: m[2] ?? null, role: m[3] as 'viewer' };
    });
  return {
    issuer,
    clientId,
    clientSecret,
    groupRoles,
    sessionTtlSeconds: positiveDuration(env, 'INSIGHTFLOW_SESSION_TTL', 8 * 3_600_000) / 1000,
    sessionMaxAgeSeconds: positiveDuration(env, 'INSIGHTFLOW_SESSION_MAX_AGE', 24 * 3_600_000) / 1000,
  };
}

function readConfigFile(env: Env, cwd: string): Env {
  const file = env.INSIGHTFLOW_CONFIG;
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (err) {
    throw new ConfigError('INSIGHTFLOW_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('INSIGHTFLOW_CONFIG', 'must name a JSON file holding an object of INSIGHTFLOW_* variables');
  }
  const out: Env = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!k.startsWith('INSIGHTFLOW_')) throw new ConfigError('INSIGHTFLOW_CONFIG', `unknown setting "${k}"`);
    out[k] = String(v);
  }
  return out;
}
