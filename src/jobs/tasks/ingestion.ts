// The ingestion task: load one data source into a new table version, then — in the transaction that ends the task —
// publish it, record the data source's last refresh, and emit datasource.refresh.succeeded or .failed.
import type { DataStore, PublishedEntity } from '../../datastore/index.ts';
import { dropEntityVersion, nextVersion, physicalName, publishEntities } from '../../datastore/index.ts';
import { TaskError } from '../../core/errors.ts';
import { getDataSource, setDataSourceStatus } from '../../sources/datasources.sql.ts';
import { ingestFile } from '../../sources/ingest.ts';
import type { LastRefresh } from '../../sources/model.ts';
import type { TaskExecutor } from '../runner.ts';

export function ingestionTask(deps: { dataStore: DataStore; importDir: string; maxJsonDepth: number }): TaskExecutor {
  const results = new Map<string, PublishedEntity>();
  return {
    start: async (tx, ctx) => {
      await setDataSourceStatus(tx, ctx.task.identifier as string, 'running');
    },
    run: async (ctx) => {
      const ds = await getDataSource(ctx.db, ctx.instanceId, ctx.task.identifier as string);
      if (!ds) throw new TaskError('NotFound', 'the data source was deleted');
      const version = await nextVersion(ctx.db, ctx.instanceId, ds.entity);
      const table = physicalName(ds.entity, version);
      const r = await ctx.data.write(async (conn) => {
        try {
          return await ingestFile(conn, {
            importDir: deps.importDir,
            dataSource: ds,
            table,
            maxJsonDepth: deps.maxJsonDepth,
          });
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
      return { rowsIngested: r.rowCount, bytes: r.bytes, attributes: r.attributes.length };
    },
    finish: async (tx, ctx, outcome) => {
      const dsId = ctx.task.identifier as string;
      const ds = await getDataSource(tx, ctx.instanceId, dsId);
      const staged = results.get(ctx.task.id);
      results.delete(ctx.task.id);
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
