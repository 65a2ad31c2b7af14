// The unification task: map, match and merge the published source entities into staged Customer and ConflationMap
// tables (published by the job's publish task), and emit unification.completed when it ends.
import { TaskError } from '../../core/errors.ts';
import type { EntitySchema, PublishedEntity } from '../../datastore/index.ts';
import {
  describeTable,
  dropEntityVersion,
  getEntity,
  nextVersion,
  physicalName,
  quoteIdent,
} from '../../datastore/index.ts';
import type { Db } from '../../store/index.ts';
import { listDataSources } from '../../sources/index.ts';
import type { UnificationConfig, UnificationConfigIn } from '../../unify/config.ts';
import { validateUnificationConfig } from '../../unify/config.ts';
import { runUnification } from '../../unify/run.ts';
import { getSetting } from '../schedule.ts';
import type { TaskContext, TaskExecutor } from '../runner.ts';

export const unificationSetting = 'unification';

export async function getUnificationConfig(db: Db, instanceId: string): Promise<unknown> {
  return getSetting<unknown>(db, instanceId, unificationSetting);
}

/** The stored configuration, checked against the data the job has. An entity of a data source without any data yet
 * (never uploaded, or its every refresh failed) takes part as an empty stand-in table of text columns, so that one
 * source does not stop the others and Customer keeps its attributes; an entity no data source has, or a column the
 * data does not have, fails the task naming it. */
async function configWithData(
  ctx: TaskContext,
  stored: unknown,
): Promise<{
  config: UnificationConfig;
  sources: Record<string, { table: string; schema: EntitySchema }>;
  standIns: string[];
}> {
  const raw = stored as UnificationConfigIn;
  const sourceEntities = new Set((await listDataSources(ctx.db, ctx.instanceId)).map((d) => d.entity));
  const sources: Record<string, { table: string; schema: EntitySchema }> = {};
  const withoutData: string[] = [];
  for (const m of raw.map) {
    const e = await ctx.staging.resolve(m.entity);
    if (e) {
      sources[m.entity] = { table: e.table, schema: e };
    } else if (sourceEntities.has(m.entity)) {
      withoutData.push(m.entity);
      const columns = [...new Set([m.primaryKey, ...Object.keys(m.attributes)])];
      sources[m.entity] = {
        table: quoteIdent(`empty_${m.entity}`),
        schema: {
          name: m.entity,
          kind: 'source',
          key: [m.primaryKey],
          attributes: columns.map((c) => ({ name: c, type: 'string' as const })),
        },
      };
    } else
      throw new TaskError('UnknownEntity', `the unification map names entity ${m.entity}, which no data source has`);
  }
  if (withoutData.length === raw.map.length)
    throw new TaskError(
      'EntityNotPublished',
      `no mapped entity has data yet (${withoutData.join(', ')}): refresh their data sources first`,
    );
  try {
    const config = validateUnificationConfig(
      stored,
      Object.values(sources).map((s) => s.schema),
      { pending: withoutData },
    );
    return { config, sources, standIns: withoutData };
  } catch (err) {
    throw new TaskError(
      'InvalidConfiguration',
      `the unification configuration does not fit the data: ${(err as Error).message}`,
    );
  }
}

/** SQL creating the empty stand-in table of an entity without data. */
const standInSql = (source: { table: string; schema: EntitySchema }): string =>
  `CREATE OR REPLACE TEMP TABLE ${source.table} (${source.schema.attributes.map((a) => `${quoteIdent(a.name)} VARCHAR`).join(', ')})`;

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
      const { config, sources, standIns } = await configWithData(ctx, stored);
      const customer = physicalName('Customer', await nextVersion(ctx.db, ctx.instanceId, 'Customer'));
      const conflation = physicalName('ConflationMap', await nextVersion(ctx.db, ctx.instanceId, 'ConflationMap'));
      const previous = await getEntity(ctx.db, ctx.instanceId, 'ConflationMap');
      const result = await ctx.data.write(async (conn) => {
        for (const e of standIns) await conn.run(standInSql(sources[e]!));
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
        } finally {
          for (const e of standIns) await conn.run(`DROP TABLE IF EXISTS ${sources[e]!.table}`);
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
      return { ...result.stats, ...(standIns.length > 0 ? { entitiesWithoutData: standIns } : {}) };
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
