// The segment task: evaluates one segment's query over the job's Customer into the job's staged SegmentMembership,
// and, in the publish transaction, appends the evaluation to the history and fires the threshold subscriptions it
// crosses. SegmentMembership is one table for all segments: the job's first segment task creates it holding the
// previous members of every segment this job does not evaluate (inactive ones, or those not named in identifiers);
// each segment task then adds its members.
import type { DuckDBValue } from '@duckdb/node-api';
import { AppError, TaskError } from '../../core/errors.ts';
import type { PublishedEntity } from '../../datastore/index.ts';
import { countRows, getEntity, nextVersion, physicalName } from '../../datastore/index.ts';
import type { Segment } from '../../insights/index.ts';
import {
  getSegment,
  listSegments,
  membershipSchema,
  membershipTableSql,
  previousEvaluation,
  recordEvaluation,
  segmentMembersSql,
} from '../../insights/index.ts';
import type { TaskContext, TaskExecutor } from '../runner.ts';
import { evaluationScope } from './insights-scope.ts';

async function stagedMembership(ctx: TaskContext): Promise<PublishedEntity> {
  const staged = ctx.staging.staged().find((e) => e.name === 'SegmentMembership');
  if (staged) return staged;
  const evaluated = new Set(
    ctx.job.tasks.filter((t) => t.operationType === 'segment' && t.status !== 'skipped').map((t) => t.identifier),
  );
  const keep = (await listSegments(ctx.db, ctx.instanceId)).filter((s) => !evaluated.has(s.id));
  const previous = await getEntity(ctx.db, ctx.instanceId, 'SegmentMembership');
  const version = await nextVersion(ctx.db, ctx.instanceId, 'SegmentMembership');
  const table = physicalName('SegmentMembership', version);
  const rowCount = await ctx.data.write(async (conn) => {
    await conn.run(membershipTableSql(table, previous?.table, keep));
    return countRows(conn, table);
  });
  const entity: PublishedEntity = { ...membershipSchema, table, rowCount, version };
  ctx.staging.stage(entity);
  return entity;
}

function publishEvaluation(ctx: TaskContext, segment: Segment, memberCount: number, evaluatedAt: string): void {
  ctx.staging.onPublish(async (tx) => {
    const previous = await previousEvaluation(tx, segment.id, ctx.job.id);
    await recordEvaluation(tx, {
      instanceId: ctx.instanceId,
      subjectId: segment.id,
      jobId: ctx.job.id,
      evaluatedAt,
      result: { memberCount },
    });
    await ctx.outbox.evaluated(tx, {
      instanceId: ctx.instanceId,
      kind: 'segment',
      subjectId: segment.id,
      seriesKey: '',
      dimension: null,
      previous: previous?.memberCount ?? null,
      current: memberCount,
      jobId: ctx.job.id,
      evaluatedAt,
      name: segment.name,
      owners: segment.owners,
    });
  });
}

export function segmentTask(): TaskExecutor {
  return {
    run: async (ctx) => {
      const segment = await getSegment(ctx.db, ctx.instanceId, ctx.task.identifier ?? '');
      if (!segment) throw new TaskError('NotConfigured', 'the segment was deleted after the job was submitted');
      const scope = await evaluationScope(ctx);
      const customer = scope.customer;
      if (!customer)
        throw new TaskError('NotConfigured', 'no Customer profiles yet: configure unification and run a full refresh');
      const membership = await stagedMembership(ctx);
      let members;
      try {
        members = segmentMembersSql(segment, customer, { ...scope, membershipTable: membership.table });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        throw new TaskError('InvalidQuery', `the segment query no longer fits Customer: ${err.message}`);
      }
      const result = await ctx.data.write(async (conn) => {
        const inserted = await conn.run(
          `INSERT INTO ${membership.table} ${members.sql}`,
          members.params as DuckDBValue[],
        );
        return { memberCount: inserted.rowsChanged, total: await countRows(conn, membership.table) };
      });
      ctx.staging.stage({ ...membership, rowCount: result.total });
      publishEvaluation(ctx, segment, result.memberCount, ctx.clock.now().toISOString());
      return { memberCount: result.memberCount };
    },
  };
}
