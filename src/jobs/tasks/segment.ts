// The segment task. The job's first segment task evaluates every segment the job evaluates in one scan of Customer
// (insights/segment-engine.ts) into the job's staged SegmentMembership version — a flags table with one column per
// segment and the view over it (ADR 0008); segments the job does not evaluate (inactive ones, or those not named in
// identifiers) keep their previous members. Each segment task then reports its own segment: its member count, or the
// error of its query; in the publish transaction the evaluation joins the history and fires the threshold
// subscriptions it crosses, exactly as when segments were evaluated one by one; and it notes its segment for the
// job's one pass over membership changes (membership-changes.ts).
import type { DuckDBValue } from '@duckdb/node-api';
import { TaskError } from '../../core/errors.ts';
import type { PublishedEntity } from '../../datastore/index.ts';
import { getEntity, nextVersion, physicalName, queryRows } from '../../datastore/index.ts';
import type { Segment } from '../../insights/index.ts';
import {
  getSegment,
  listSegments,
  memberCountsSql,
  membershipLayout,
  membershipSchema,
  membershipViewSql,
  segmentScanSql,
} from '../../insights/index.ts';
import type { TaskContext, TaskExecutor } from '../runner.ts';
import { noProfilesYet, publishEvaluation } from './evaluation.ts';
import { evaluationScope } from './insights-scope.ts';
import type { ChangesOptions } from './membership-changes.ts';
import { noteSegmentEvaluated } from './membership-changes.ts';
import { exportNow } from './staged-files.ts';

export interface SegmentTaskOptions extends ChangesOptions {
  /** Where published versions are written (datastore/snapshot-files.ts). */
  snapshotsDir: string;
}

/** What the one scan gave each segment it evaluated: a member count, or the reason its query failed. */
type SegmentResult = { memberCount: number } | { error: TaskError };

const scans = new WeakMap<TaskContext['staging'], Promise<Map<string, SegmentResult>>>();

/** Evaluates, once per job, every segment whose task is not skipped; stages SegmentMembership. */
function evaluateSegments(ctx: TaskContext, snapshotsDir: string): Promise<Map<string, SegmentResult>> {
  let scan = scans.get(ctx.staging);
  if (!scan) {
    scan = scanSegments(ctx, snapshotsDir);
    scans.set(ctx.staging, scan);
  }
  return scan;
}

async function scanSegments(ctx: TaskContext, snapshotsDir: string): Promise<Map<string, SegmentResult>> {
  const scope = await evaluationScope(ctx);
  const customer = scope.customer;
  if (!customer) throw noProfilesYet();
  const inJob = new Set(
    ctx.job.tasks.filter((t) => t.operationType === 'segment' && t.status !== 'skipped').map((t) => t.identifier),
  );
  const segments = await listSegments(ctx.db, ctx.instanceId);
  const evaluate: Segment[] = segments.filter((s) => inJob.has(s.id));
  const previous = await getEntity(ctx.db, ctx.instanceId, 'SegmentMembership');
  const version = await nextVersion(ctx.db, ctx.instanceId, 'SegmentMembership');
  const layout = membershipLayout(physicalName('SegmentMembership', version), segments);
  const scan = segmentScanSql({ layout, customer, scope, evaluate, previous: previous?.table });
  const entity: PublishedEntity = { ...membershipSchema, table: layout.view, rowCount: 0, version };
  // Staged before writing, so that the runner drops the version's tables if the job does not publish.
  ctx.staging.stage(entity);
  const counts = await ctx.data.write(async (conn) => {
    await conn.run(scan.statement.sql, scan.statement.params as DuckDBValue[]);
    await conn.run(membershipViewSql(layout));
    const sql = memberCountsSql(layout);
    return sql ? ((await queryRows(conn, sql))[0] ?? {}) : {};
  });
  const countOf = (ix: number) => Number(counts[`s${ix}`] ?? 0);
  ctx.staging.stage({ ...entity, rowCount: layout.segments.reduce((n, _, ix) => n + countOf(ix), 0) });
  exportNow(ctx, snapshotsDir, entity.table);
  const results = new Map<string, SegmentResult>();
  layout.segments.forEach((s, ix) => {
    const invalid = scan.invalid.get(s.id);
    if (invalid)
      results.set(s.id, {
        error: new TaskError('InvalidQuery', `the segment query no longer fits Customer: ${invalid.message}`),
      });
    else results.set(s.id, { memberCount: countOf(ix) });
  });
  return results;
}

export function segmentTask(opts: SegmentTaskOptions): TaskExecutor {
  return {
    run: async (ctx) => {
      const segment = await getSegment(ctx.db, ctx.instanceId, ctx.task.identifier ?? '');
      if (!segment) throw new TaskError('NotConfigured', 'the segment was deleted after the job was submitted');
      const result = (await evaluateSegments(ctx, opts.snapshotsDir)).get(segment.id);
      if (!result) throw new TaskError('NotConfigured', 'the segment was created after the job was submitted');
      if ('error' in result) throw result.error;
      const memberCount = result.memberCount;
      const subject = { kind: 'segment' as const, id: segment.id, name: segment.name, owners: segment.owners };
      const evaluatedAt = publishEvaluation(ctx, subject, { memberCount }, (previous) => [
        { key: '', dimension: null, current: memberCount, previous: previous?.memberCount ?? null },
      ]);
      noteSegmentEvaluated(ctx, { ...subject, memberCount, evaluatedAt }, opts);
      return { memberCount };
    },
  };
}
