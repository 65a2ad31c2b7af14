// Where a database or web API data source connects, checked on save (URL shape, kind-specific options, literal
// addresses against the target policy) and turned into connection settings at refresh time.
import type { AllowList } from '../core/address-policy.ts';
import { checkTargetHost, checkTargetUrl, resolveTarget } from '../core/address-policy.ts';
import { AppError } from '../core/errors.ts';
import type { DatabaseKind, DataSource, SourceKind } from './model.ts';
import { isDatabaseKind, isFileKind } from './model.ts';

type Source = Pick<DataSource, 'kind' | 'location' | 'options' | 'primaryKey'>;
type OptionName = keyof DataSource['options'];

const protocols: Record<DatabaseKind, string[]> = {
  postgres: ['postgres:', 'postgresql:'],
  mysql: ['mysql:', 'mariadb:'],
};
const defaultPorts: Record<DatabaseKind, number> = { postgres: 5432, mysql: 3306 };

const kindOptions: Record<'file' | 'database' | 'http', OptionName[]> = {
  file: ['delimiter', 'header'],
  database: ['table', 'query', 'password', 'sslmode', 'connectTimeoutMs', 'statementTimeoutMs', 'rowLimit'],
  http: [
    'format',
    'rowsPath',
    'nextPath',
    'cursorParam',
    'cursorPath',
    'headers',
    'maxPages',
    'maxBytes',
    'timeoutMs',
    'retries',
  ],
};
const sharedOptions: OptionName[] = ['types', 'incremental'];

const family = (kind: SourceKind): keyof typeof kindOptions =>
  isFileKind(kind) ? 'file' : isDatabaseKind(kind) ? 'database' : 'http';

const invalid = (message: string) => new AppError('ValidationFailed', message);

/** The first keyword of a query, after comments, blanks and opening parentheses. */
const firstKeyword = (sql: string): string =>
  (sql.replace(/^(\s|\(|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '').match(/^[A-Za-z]+/)?.[0] ?? '').toUpperCase();

/** Options that the kind does not use are refused, so that a typo or a wrong kind is not silently ignored. */
export function checkSourceOptions(src: Source): void {
  const allowed = new Set([...kindOptions[family(src.kind)], ...sharedOptions]);
  for (const name of Object.keys(src.options) as OptionName[]) {
    if (!allowed.has(name)) throw invalid(`options.${name}: does not apply to kind ${src.kind}`);
  }
  const o = src.options;
  if (o.incremental && !src.primaryKey)
    throw invalid('options.incremental: needs a primaryKey (rows are upserted by it)');
  if (isDatabaseKind(src.kind)) {
    if ((o.table === undefined) === (o.query === undefined))
      throw invalid('options: give exactly one of options.table and options.query');
    if (o.query !== undefined && !['SELECT', 'WITH'].includes(firstKeyword(o.query)))
      throw invalid('options.query: must be one read-only SELECT statement');
  }
  if ((o.cursorParam === undefined) !== (o.cursorPath === undefined))
    throw invalid(
      'options.cursorParam and options.cursorPath: give both (the parameter to send and the field to read)',
    );
}

/** Checks the location of a database or web API data source on save; returns it normalized. */
export function checkRemoteLocation(src: Source, allow: AllowList): string {
  if (!src.location) throw invalid(`location: a ${src.kind} data source needs a URL`);
  if (src.kind === 'http') return checkTargetUrl(src.location, allow).toString();
  const url = parseDatabaseUrl(src.kind as DatabaseKind, src.location);
  checkTargetHost(url.hostname, allow);
  return url.toString();
}

function parseDatabaseUrl(kind: DatabaseKind, location: string): URL {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw invalid(`location: must be a connection URL such as ${kind}://user@host:${defaultPorts[kind]}/database`);
  }
  if (!protocols[kind].includes(url.protocol))
    throw invalid(`location: a ${kind} URL starts with ${protocols[kind].map((p) => `${p}//`).join(' or ')}`);
  if (!url.hostname) throw invalid('location: the URL names no host');
  if (!url.username) throw invalid('location: the URL names no user');
  if (url.pathname.replace(/^\//, '') === '') throw invalid('location: the URL names no database');
  return url;
}

export interface DatabaseTarget {
  kind: DatabaseKind;
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: 'disable' | 'require' | 'verify-full';
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Connection settings of a database data source whose secrets are open. sslmode comes from options.sslmode, else
 * the URL's sslmode parameter, else verify-full. */
export function databaseTarget(ds: Pick<DataSource, 'kind' | 'location' | 'options'>): DatabaseTarget {
  const kind = ds.kind as DatabaseKind;
  const url = parseDatabaseUrl(kind, ds.location);
  const fromUrl = url.searchParams.get('sslmode');
  const sslmode = ds.options.sslmode ?? (fromUrl === 'disable' || fromUrl === 'require' ? fromUrl : 'verify-full');
  return {
    kind,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : defaultPorts[kind],
    user: decodeURIComponent(url.username),
    password: ds.options.password,
    database: decodeURIComponent(url.pathname.slice(1)),
    sslmode,
    connectTimeoutMs: ds.options.connectTimeoutMs ?? 10_000,
    statementTimeoutMs: ds.options.statementTimeoutMs ?? 300_000,
  };
}

/** The address to connect to for a database target, resolved and checked against the target policy at connect;
 * a refusal or a failed lookup goes through the reader's own `explain`. */
export async function connectAddress(
  t: DatabaseTarget,
  allow: AllowList,
  explain: (err: unknown) => Error,
): Promise<string> {
  try {
    return await resolveTarget(t.host, allow);
  } catch (err) {
    throw explain(err);
  }
}
