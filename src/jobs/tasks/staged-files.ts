// The files of the versions a job stages (datastore/snapshot-files.ts), written before the transaction that
// publishes them. A version final before the publish task runs — SegmentMembership once the segment scan is done,
// CustomerMeasures once the customer measures are — is written at once on a read connection, while the job's other
// tasks keep the writer busy; the publish task writes the others, then waits for those (ADR 0095, ADR 0137).
import { exportVersion } from '../../datastore/index.ts';
import type { Staging, TaskContext } from '../runner.ts';

const early = new WeakMap<Staging, Map<string, Promise<void>>>();

/** Starts writing the files of a staged version that no later task of the job changes. */
export function exportNow(ctx: TaskContext, snapshotsDir: string, table: string): void {
  const started = early.get(ctx.staging) ?? new Map<string, Promise<void>>();
  early.set(ctx.staging, started);
  const run = ctx.data.read((conn) => exportVersion(conn, { snapshotsDir, instanceId: ctx.instanceId, table }));
  // The publish task awaits it and fails on its error; a job that ends before publishing leaves it unawaited.
  run.catch(() => undefined);
  started.set(table, run);
}

/** Writes the files of every staged version not started by exportNow, then waits for those that were. */
export async function exportStaged(ctx: TaskContext, snapshotsDir: string): Promise<void> {
  const started = early.get(ctx.staging) ?? new Map<string, Promise<void>>();
  for (const e of ctx.staging.staged())
    if (!started.has(e.table))
      await ctx.data.write((conn) => exportVersion(conn, { snapshotsDir, instanceId: ctx.instanceId, table: e.table }));
  await Promise.all(started.values());
}
