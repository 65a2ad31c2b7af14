// The ingestion task: load one data source into a new table version and write it to the shared directory, then — in
// the transaction that ends the task — publish it, record the data source's last refresh, and emit datasource.refresh.succeeded or .failed.
import { mkdirSync } from 'node:fs';
import type { AllowList } from '../../core/address-policy.ts';
import type { DataStore, PublishedEntity } from '../../datastore/index.ts';
import {
  dropEntityVersion,
  exportVersion,
  getEntity,
  nextVersion,
  physicalName,
  publishEntities,
} from '../../datastore/index.ts';
import { TaskError } from '../../core/errors.ts';
import type { LastRefresh } from '../../sources/index.ts';
import {
  getDataSource,
  loadDataSource,
  openSecrets,
  setDataSourceStatus,
  setHighWaterMark,
} from '../../sources/index.ts';
import type { TaskExecutor } from '../runner.ts';
import { taskProgress } from '../task-progress.ts';

export interface IngestionDeps {
  dataStore: DataStore;
  importDir: string;
  /** Where rows of web APIs are staged while they load. */
  tempDir: string;
  allowList: AllowList;
  /** Opens stored data source credentials. */
  secretKey: Buffer;
  /** Deepest nesting accepted in JSON and NDJSON (INSIGHTFLOW_JSON_MAX_DEPTH). */
  maxJsonDepth: number;
  /** `<shared dir>/snapshots`: where the new version is written before it is published. */
  snapshotsDir: string;
}

export function ingestionTask(deps: IngestionDeps): TaskExecutor {
  const results = new Map<string, PublishedEntity>();
  const marks = new Map<string, string | null>();
  return {
    start: async (tx, ctx) => {
      await setDataSourceStatus(tx, ctx.task.identifier as string, 'running');
    },
    run: async (ctx) => {
      const ds = await getDataSource(ctx.db, ctx.instanceId, ctx.task.identifier as string);
      if (!ds) throw new TaskError('NotFound', 'the data source was deleted');
      const version = await nextVersion(ctx.db, ctx.instanceId, ds.entity);
      const table = physicalName(ds.entity, version);
      const previous = (await getEntity(ctx.db, ctx.instanceId, ds.entity))?.table ?? null;
      mkdirSync(deps.tempDir, { recursive: true });
      const progress = taskProgress(ctx.db, ctx.task.id, ctx.clock);
      const r = await ctx.data.write(async (conn) => {
        try {
          const loaded = await loadDataSource(
            conn,
            openSecrets(deps.secretKey, ds),
            { table, previous, mark: ds.highWaterMark },
            {
              importDir: deps.importDir,
              tempDir: deps.tempDir,
              allowList: deps.allowList,
              maxJsonDepth: deps.maxJsonDepth,
              isCanceled: ctx.isCanceled,
              onRows: (n) => progress.rows(n),
            },
          );
          await exportVersion(conn, { snapshotsDir: deps.snapshotsDir, instanceId: ctx.instanceId, table });
          return loaded;
        } catch (err) {
          await dropEntityVersion(conn, table);
          throw err;
        }
      });
      results.set(ctx.task.id, {
        name: ds.entity,
        kind: 'source',
        attributes: r.attributes,
        key: ds.primaryKey ? [ds.primaryKey] : [],
        table,
        rowCount: r.rowCount,
        version,
      });
      marks.set(ctx.task.id, r.mark);
      await progress.settled();
      return {
        rowsIngested: r.rowCount,
        rowsRead: r.rowsRead,
        rowsUpserted: r.rowsUpserted,
        bytes: r.bytes,
        attributes: r.attributes.length,
      };
    },
    finish: async (tx, ctx, outcome) => {
      const dsId = ctx.task.identifier as string;
      const ds = await getDataSource(tx, ctx.instanceId, dsId);
      const staged = results.get(ctx.task.id);
      const mark = marks.get(ctx.task.id) ?? null;
      results.delete(ctx.task.id);
      marks.delete(ctx.task.id);
      const data = await deps.dataStore.instance(ctx.instanceId);
      if (!ds) {
        if (staged)
          tx.afterCommit(() => void data.write((c) => dropEntityVersion(c, staged.table)).catch(() => undefined));
        return;
      }
      const status = outcome.status === 'skipped' ? 'canceled' : outcome.status;
      const rowsIngested = Number(outcome.stats?.rowsIngested ?? 0);
      const lastRefresh: LastRefresh = {
        jobId: ctx.job.id,
        status,
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
        durationMs: Date.parse(outcome.finishedAt) - Date.parse(outcome.startedAt),
        rowsIngested,
        error: outcome.error,
      };
      await setDataSourceStatus(tx, dsId, status, lastRefresh);
      if (outcome.status === 'succeeded' && staged) {
        if (ds.options.incremental) await setHighWaterMark(tx, dsId, mark);
        const replaced = await publishEntities(tx, ctx.instanceId, [staged], {
          jobId: ctx.job.id,
          now: ctx.clock.now(),
        });
        tx.afterCommit(() => {
          for (const t of replaced) void data.write((c) => dropEntityVersion(c, t)).catch(() => undefined);
        });
      } else if (staged) {
        tx.afterCommit(() => void data.write((c) => dropEntityVersion(c, staged.table)).catch(() => undefined));
      }
      if (outcome.status !== 'succeeded' && outcome.status !== 'failed') return;
      const common = {
        dataSourceId: ds.id,
        dataSourceName: ds.name,
        owners: ds.owners,
        jobId: ctx.job.id,
        submissionKind: ctx.job.submissionKind,
        startedAt: lastRefresh.startedAt,
        finishedAt: lastRefresh.finishedAt,
        durationMs: lastRefresh.durationMs,
        rowsIngested,
      };
      if (outcome.status === 'succeeded') {
        await ctx.outbox.emit(tx, ctx.instanceId, 'datasource.refresh.succeeded', {
          ...common,
          status: 'succeeded',
          error: null,
        });
      } else {
        await ctx.outbox.emit(tx, ctx.instanceId, 'datasource.refresh.failed', {
          ...common,
          status: 'failed',
          error: outcome.error ?? { code: 'Internal', message: 'unknown failure' },
        });
      }
    },
  };
}
