// CLI subcommands: refresh (with a progress display), status, keys create.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { insertAudit, summarize } from '../audit/index.ts';
import { newId } from '../core/ids.ts';
import type { Config } from '../config/index.ts';
import type { Job, Task } from '../jobs/index.ts';
import type { DataSource } from '../sources/index.ts';
import { systemClock } from '../core/clock.ts';
import { resolveSecretKey } from '../core/secrets.ts';
import { openStore } from '../store/index.ts';
import { createConnection, getInstance, roles, type Role } from '../tenancy/index.ts';
import { CliError, createClient } from './client.ts';

type Out = (line: string) => void;

const mark: Record<string, string> = {
  queued: '·',
  running: '▶',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
  canceled: '■',
};

const taskLine = (t: Task): string => {
  const took =
    t.startedAt && t.finishedAt ? ` ${((Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000).toFixed(1)}s` : '';
  const err = t.error && t.status !== 'succeeded' ? ` — ${t.error.code}: ${t.error.message}` : '';
  return `  ${mark[t.status] ?? '?'} ${t.friendlyName.padEnd(40)} ${t.status}${took}${err}`;
};

/** insightflow refresh [--instance default] [--operation all|ingestion|…] [--datasource id …] */
export async function refreshCommand(
  config: Readonly<Config>,
  argv: string[],
  out: Out,
  opts: { pollMs?: number; tty?: boolean } = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      instance: { type: 'string', default: 'default' },
      operation: { type: 'string', default: 'all' },
      datasource: { type: 'string', multiple: true },
    },
  });
  const client = createClient(config);
  const inst = encodeURIComponent(values.instance);
  const body = values.datasource?.length
    ? { operationType: 'ingestion', identifiers: values.datasource }
    : { operationType: values.operation };
  let job = await client.post<Job>(`/v1/instances/${inst}/jobs`, body);
  out(`job ${job.id} (${job.operationType}) queued`);
  const printed = new Map<string, string>();
  for (let i = 0; i < 1_000_000; i++) {
    for (const t of job.tasks) {
      if (printed.get(t.id) !== t.status && (t.status !== 'queued' || !opts.tty)) {
        if (t.status !== 'queued' || !printed.has(t.id)) out(taskLine(t));
        printed.set(t.id, t.status);
      }
    }
    if (!['queued', 'running'].includes(job.status)) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    job = await client.get<Job>(`/v1/instances/${inst}/jobs/${job.id}`);
  }
  const took =
    job.startedAt && job.finishedAt
      ? ` in ${((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000).toFixed(1)} s`
      : '';
  out(`job ${job.id} ${job.status}${took}`);
  return job.status === 'succeeded' ? 0 : 1;
}

/** insightflow status [--instance default] */
export async function statusCommand(config: Readonly<Config>, argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { instance: { type: 'string', default: 'default' } } });
  const client = createClient(config);
  const inst = encodeURIComponent(values.instance);
  const [sources, jobs] = await Promise.all([
    client.get<{ value: DataSource[] }>(`/v1/instances/${inst}/manage/datasources`),
    client.get<{ value: Job[] }>(`/v1/instances/${inst}/jobs?limit=5`),
  ]);
  out(`Data sources of ${values.instance}:`);
  for (const d of sources.value) {
    const last = d.lastRefresh ? `${d.lastRefresh.finishedAt} (${d.lastRefresh.rowsIngested} rows)` : 'never refreshed';
    out(
      `  ${mark[d.status] ?? '·'} ${d.name.padEnd(30)} ${d.status.padEnd(11)} ${last}${d.lastRefresh?.error ? ` — ${d.lastRefresh.error.message}` : ''}`,
    );
  }
  out('Recent jobs:');
  for (const j of jobs.value)
    out(
      `  ${mark[j.status] ?? '·'} ${j.id}  ${j.operationType.padEnd(11)} ${j.submissionKind.padEnd(9)} ${j.status.padEnd(9)} ${j.submittedAt}`,
    );
  return 0;
}

/** insightflow keys create --role admin|contributor|viewer [--name n] [--instance default] [--rate-limit n] — writes
 * straight to the control store (works before the server ever ran, and while it runs). */
export async function keysCommand(config: Readonly<Config>, argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create')
    throw new CliError(
      'usage: insightflow keys create --role <admin|contributor|viewer> [--name NAME] [--instance ID] [--rate-limit N]',
    );
  const { values } = parseArgs({
    args: rest,
    options: {
      role: { type: 'string' },
      name: { type: 'string', default: 'CLI key' },
      instance: { type: 'string', default: 'default' },
      'rate-limit': { type: 'string' },
    },
  });
  if (!values.role || !(roles as readonly string[]).includes(values.role))
    throw new CliError(`--role must be one of ${roles.join(', ')}`);
  const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0))
    throw new CliError('--rate-limit must be a positive whole number');
  const db = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    if (!(await getInstance(db, values.instance)))
      throw new CliError(`no instance "${values.instance}" (start the server once to create "default")`);
    const { connection, key } = await db.tx(async (tx) => {
      const made = await createConnection(tx, systemClock, {
        instanceId: values.instance,
        name: values.name,
        role: values.role as Role,
        rateLimit,
        serverKey: resolveSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir }),
      });
      await insertAudit(tx, [
        {
          id: newId('aud'),
          instanceId: values.instance,
          at: made.connection.createdAt,
          actor: { type: 'cli', id: os.userInfo().username },
          action: 'CreateConnection',
          target: { type: 'connection', id: made.connection.id },
          summary: summarize('Create a connection (insightflow keys create)', { name: values.name, role: values.role }),
          requestId: null,
        },
      ]);
      return made;
    });
    out(`created connection ${connection.id} (${connection.role} on ${values.instance}); its key, shown only now:`);
    out(key);
    return 0;
  } finally {
    await db.close();
  }
}
