// The unification task: map, match and merge the published source entities into staged Customer and ConflationMap
// tables (published by the job's publish task), and emit unification.completed when it ends.
import { TaskError } from '../../core/errors.ts';
import type { EntitySchema, PublishedEntity } from '../../datastore/index.ts';
import { describeTable, dropEntityVersion, getEntity, nextVersion, physicalName } from '../../datastore/index.ts';
import type { Db } from '../../store/index.ts';
import type { UnificationConfig } from '../../unify/config.ts';
import { validateUnificationConfig } from '../../unify/config.ts';
import { runUnification } from '../../unify/run.ts';
import { getSetting } from '../schedule.ts';
import type { TaskExecutor } from '../runner.ts';

export const unificationSetting = 'unification';

export async function getUnificationConfig(db: Db, instanceId: string): Promise<unknown> {
  return getSetting<unknown>(db, instanceId, unificationSetting);
}

export function unificationTask(): TaskExecutor {
  return {
    run: async (ctx) => {
      const stored = await getUnificationConfig(ctx.db, ctx.instanceId);
      if (stored === undefined) {
        throw new TaskError(
          'NotConfigured',
          'no unification configuration: PUT /v1/instances/{instanceId}/manage/unification first',
        );
      }
      const raw = stored as { map?: Array<{ entity: string }> };
      const sources: Record<string, { table: string; schema: EntitySchema }> = {};
      for (const m of raw.map ?? []) {
        const e = await ctx.staging.resolve(m.entity);
        if (!e)
          throw new TaskError(
            'EntityNotPublished',
            `entity ${m.entity} has no data yet: refresh its data source first`,
          );
        sources[m.entity] = { table: e.table, schema: e };
      }
      let config: UnificationConfig;
      try {
        config = validateUnificationConfig(
          stored,
          Object.values(sources).map((s) => s.schema),
        );
      } catch (err) {
        throw new TaskError(
          'InvalidConfiguration',
          `the unification configuration no longer fits the data: ${(err as Error).message}`,
        );
      }
      const customer = physicalName('Customer', await nextVersion(ctx.db, ctx.instanceId, 'Customer'));
      const conflation = physicalName('ConflationMap', await nextVersion(ctx.db, ctx.instanceId, 'ConflationMap'));
      const previous = await getEntity(ctx.db, ctx.instanceId, 'ConflationMap');
      const result = await ctx.data.write(async (conn) => {
        try {
          const stats = await runUnification(conn, {
            config,
            sources,
            output: { customer, conflationMap: conflation },
            ...(previous ? { previousConflationMap: previous.table } : {}),
            isCanceled: ctx.isCanceled,
          });
          return {
            stats,
            customerAttrs: await describeTable(conn, customer),
            mapAttrs: await describeTable(conn, conflation),
          };
        } catch (err) {
          await dropEntityVersion(conn, customer);
          await dropEntityVersion(conn, conflation);
          throw err;
        }
      });
      const staged = (
        name: string,
        table: string,
        attributes: PublishedEntity['attributes'],
        key: string[],
        rowCount: number,
        kind: PublishedEntity['kind'],
      ) =>
        ctx.staging.stage({
          name,
          kind,
          table,
          attributes,
          key,
          rowCount,
          version: Number(/__v(\d+)"$/.exec(table)?.[1] ?? 0),
        });
      staged('Customer', customer, result.customerAttrs, ['CustomerId'], result.stats.unifiedProfiles, 'unified');
      staged(
        'ConflationMap',
        conflation,
        result.mapAttrs,
        ['SourceEntity', 'SourceKey'],
        result.stats.sourceRecords,
        'conflation',
      );
      return { ...result.stats };
    },
    finish: async (tx, ctx, outcome) => {
      if (outcome.status !== 'succeeded' && outcome.status !== 'failed') return;
      const s = outcome.stats ?? {};
      const num = (k: string) => Number(s[k] ?? 0);
      await ctx.outbox.emit(tx, ctx.instanceId, 'unification.completed', {
        jobId: ctx.job.id,
        status: outcome.status,
        sourceRecords: num('sourceRecords'),
        unifiedProfiles: num('unifiedProfiles'),
        matchedRecords: num('matchedRecords'),
        matchesPerRule: (s.matchesPerRule as Record<string, number> | undefined) ?? {},
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
        durationMs: Date.parse(outcome.finishedAt) - Date.parse(outcome.startedAt),
        error: outcome.error,
      });
    },
  };
}
