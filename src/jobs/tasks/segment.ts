// The segment task: evaluates one segment's query over the job's Customer into the job's staged SegmentMembership,
// and, in the publish transaction, appends the evaluation to the history and fires the threshold subscriptions it
// crosses. SegmentMembership is one version for all segments: a view over compact tables (members as SegmentIx and
// CustomerIx, the rowid of the job's Customer; segments; customers), since writing 20 million rows of three strings
// costs ten times as much as two integers. The job's first segment task creates them, holding the previous members
// of every segment this job does not evaluate (inactive ones, or those not named in identifiers); each segment task
// then adds its members, and notes its segment for the job's one pass over membership changes.
import type { DuckDBValue } from '@duckdb/node-api';
import { AppError, TaskError } from '../../core/errors.ts';
import type { PublishedEntity } from '../../datastore/index.ts';
import { countRows, getEntity, nextVersion, physicalName, queryRows } from '../../datastore/index.ts';
import type { InsightsScope } from '../../insights/index.ts';
import {
  getSegment,
  listSegments,
  membershipSchema,
  membershipTables,
  membershipTablesSql,
  segmentIndexSql,
  segmentMembersSql,
} from '../../insights/index.ts';
import type { TaskContext, TaskExecutor } from '../runner.ts';
import { noProfilesYet, publishEvaluation } from './evaluation.ts';
import { evaluationScope } from './insights-scope.ts';
import type { ChangesOptions } from './membership-changes.ts';
import { noteSegmentEvaluated } from './membership-changes.ts';

async function stagedMembership(ctx: TaskContext, customerTable: string): Promise<PublishedEntity> {
  const staged = ctx.staging.staged().find((e) => e.name === 'SegmentMembership');
  if (staged) return staged;
  const evaluated = new Set(
    ctx.job.tasks.filter((t) => t.operationType === 'segment' && t.status !== 'skipped').map((t) => t.identifier),
  );
  const segments = await listSegments(ctx.db, ctx.instanceId);
  const keep = segments.filter((s) => !evaluated.has(s.id)).map((s) => s.id);
  const previous = await getEntity(ctx.db, ctx.instanceId, 'SegmentMembership');
  const version = await nextVersion(ctx.db, ctx.instanceId, 'SegmentMembership');
  const tables = membershipTables(physicalName('SegmentMembership', version));
  const rowCount = await ctx.data.write(async (conn) => {
    const statements = membershipTablesSql(
      tables,
      customerTable,
      segments,
      previous ? { table: previous.table, keep } : undefined,
    );
    for (const sql of statements) await conn.run(sql);
    return countRows(conn, tables.members);
  });
  const entity: PublishedEntity = { ...membershipSchema, table: tables.view, rowCount, version };
  ctx.staging.stage(entity);
  return entity;
}

export function segmentTask(opts: ChangesOptions): TaskExecutor {
  return {
    run: async (ctx) => {
      const segment = await getSegment(ctx.db, ctx.instanceId, ctx.task.identifier ?? '');
      if (!segment) throw new TaskError('NotConfigured', 'the segment was deleted after the job was submitted');
      const scope = await evaluationScope(ctx);
      const customer = scope.customer;
      if (!customer) throw noProfilesYet();
      const membership = await stagedMembership(ctx, customer.table);
      const tables = membershipTables(membership.table);
      const inJob: InsightsScope = {
        ...scope,
        membershipTable: tables.view,
        compactMembership: { members: tables.members, segments: tables.segments, customerTable: customer.table },
      };
      const result = await ctx.data.write(async (conn) => {
        let ix = 0;
        for (const q of segmentIndexSql(tables, segment)) {
          const rows = await queryRows(conn, q.sql, q.params as DuckDBValue[]);
          ix = Number(rows[0]?.ix ?? ix);
        }
        let members;
        try {
          members = segmentMembersSql(ix, segment.query, customer, inJob);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          throw new TaskError('InvalidQuery', `the segment query no longer fits Customer: ${err.message}`);
        }
        const inserted = await conn.run(
          `INSERT INTO ${tables.members} ${members.sql}`,
          members.params as DuckDBValue[],
        );
        return { memberCount: inserted.rowsChanged, total: await countRows(conn, tables.members) };
      });
      ctx.staging.stage({ ...membership, rowCount: result.total });
      const memberCount = result.memberCount;
      const subject = { kind: 'segment' as const, id: segment.id, name: segment.name, owners: segment.owners };
      const evaluatedAt = publishEvaluation(ctx, subject, { memberCount }, (previous) => [
        { key: '', dimension: null, current: memberCount, previous: previous?.memberCount ?? null },
      ]);
      noteSegmentEvaluated(ctx, { ...subject, memberCount, evaluatedAt }, opts);
      return { memberCount: result.memberCount };
    },
  };
}
