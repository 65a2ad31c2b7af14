// Who entered and left the segments a job evaluated. Each segment task notes its segment here; once all have run,
// the publish task's run records the changes of all of them in one pass (insights/membership-changes.ts), stages
// the new SegmentMembershipChanges version, reads the changed profiles the per-profile subscriptions need, and
// leaves the events to the publish transaction. A segment's first evaluation is its baseline: nothing recorded.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { linkTo } from '../../core/public-url.ts';
import type { PublishedEntity } from '../../datastore/index.ts';
import {
  backingName,
  countRows,
  dropTable,
  getEntity,
  nextVersion,
  physicalName,
  queryRows,
  retireFiles,
  unquoteIdent,
} from '../../datastore/index.ts';
import { odataString, toJsonRow } from '../../datastore/odata/index.ts';
import type { ChangedProfile } from '../../events/index.ts';
import { profilesWanted, subscriptionsFor } from '../../events/index.ts';
import type { EvaluatedSegment, MembershipSide } from '../../insights/index.ts';
import {
  changeCountsSql,
  changedProfilesSql,
  changesEntity,
  changesPart,
  changesPartSql,
  changesViewSql,
  flagPlaces,
  maxChangesParts,
  membershipChangesSchema,
  livePartsSql,
  partsOf,
} from '../../insights/index.ts';
import type { Db } from '../../store/index.ts';
import type { Staging, TaskContext } from '../runner.ts';
import { evaluationScope } from './insights-scope.ts';

export interface ChangesOptions {
  /** Days the log keeps changes. */
  retentionDays: number;
  /** Base of absolute links (INSIGHTFLOW_PUBLIC_URL, else the bound address), e.g. http://127.0.0.1:8080. */
  publicUrl: () => string;
}

interface Noted extends EvaluatedSegment {
  owners: string[];
  memberCount: number;
}

const noted = new WeakMap<Staging, Map<string, Noted>>();

/** Notes a segment's evaluation; the changes of every segment noted are recorded when the job assembles. */
export function noteSegmentEvaluated(ctx: TaskContext, segment: Noted, opts: ChangesOptions): void {
  const segments = noted.get(ctx.staging) ?? new Map<string, Noted>();
  noted.set(ctx.staging, segments);
  segments.set(segment.id, segment);
  ctx.staging.onAssemble(changesEntity, () => recordChanges(ctx, [...segments.values()], opts));
}

/** Segments evaluated by an earlier job (those without are evaluated for the first time: their baseline). */
async function evaluatedBefore(db: Db, instanceId: string, jobId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all<{ subject_id: string }>(
    `SELECT DISTINCT subject_id FROM evaluations WHERE instance_id = ? AND job_id <> ? AND subject_id IN (${ids.map(() => '?').join(', ')})`,
    [instanceId, jobId, ...ids],
  );
  return new Set(rows.map((r) => r.subject_id));
}

export const changesLinkOf = (base: string, instanceId: string, segmentId: string, jobId: string): string =>
  linkTo(base, `/v1/instances/${encodeURIComponent(instanceId)}/data/${changesEntity}`, {
    $filter: `SegmentId eq ${odataString(segmentId)} and JobId eq ${odataString(jobId)}`,
  });

/** The parts of the published version that the next one keeps, the tables whose rows its part takes in, and the
 * parts that leave (past retention, or merged): files to remove once no node reads the versions that had them. */
async function planParts(
  conn: DuckDBConnection,
  published: PublishedEntity | undefined,
  retainFrom: Date,
): Promise<{ keep: string[]; merge: string[]; gone: string[] }> {
  if (!published) return { keep: [], merge: [], gone: [] };
  const view = await queryRows(conn, 'SELECT sql FROM duckdb_views() WHERE NOT internal AND view_name = ?', [
    unquoteIdent(published.table),
  ]);
  const parts = partsOf(view[0]?.sql as string | undefined);
  if (!parts) return { keep: [], merge: [published.table], gone: [] };
  const live = parts.length
    ? (await queryRows(conn, livePartsSql(parts, retainFrom))).map((r) => r.part as string)
    : [];
  const gone = parts.filter((p) => !live.includes(p));
  if (live.length + 1 > maxChangesParts) return { keep: [], merge: live, gone: parts };
  return { keep: live, merge: [], gone };
}

/** A SegmentMembership version, with its flags table when that holds a flag for each of `ids`. */
async function sideOf(conn: DuckDBConnection, view: string, ids: string[]): Promise<MembershipSide> {
  const table = backingName(view, 'flags');
  const columns = await queryRows(conn, 'SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?', [
    unquoteIdent(table),
  ]);
  const places = flagPlaces(columns.map((c) => ({ name: c.column_name as string, type: c.data_type as string })));
  return { view, flags: ids.length > 0 && ids.every((id) => places.has(id)) ? { table, places } : undefined };
}

async function recordChanges(ctx: TaskContext, segments: Noted[], opts: ChangesOptions): Promise<void> {
  const membership = ctx.staging.staged().find((e) => e.name === 'SegmentMembership');
  const previous = await getEntity(ctx.db, ctx.instanceId, 'SegmentMembership');
  if (!membership) return;
  const before = previous
    ? await evaluatedBefore(
        ctx.db,
        ctx.instanceId,
        ctx.job.id,
        segments.map((s) => s.id),
      )
    : new Set<string>();
  const compared = segments.filter((s) => before.has(s.id));
  const published = await getEntity(ctx.db, ctx.instanceId, changesEntity);
  const version = await nextVersion(ctx.db, ctx.instanceId, changesEntity);
  const view = physicalName(changesEntity, version);
  const part = changesPart(version);
  const retainFrom = new Date(ctx.clock.now().getTime() - opts.retentionDays * 86_400_000);
  const subs = compared.length ? await subscriptionsFor(ctx.db, ctx.instanceId, 'segment.membership.changed') : [];
  const limits = compared
    .map((s) => ({ segmentId: s.id, limit: profilesWanted(subs, s.id) }))
    .filter((l) => l.limit > 0);
  const customer = limits.length ? (await evaluationScope(ctx)).customer : undefined;
  const written = await ctx.data.write(async (conn) => {
    const plan = await planParts(conn, published, retainFrom);
    const ids = compared.map((s) => s.id);
    const create = changesPartSql({
      part,
      jobId: ctx.job.id,
      previous: await sideOf(conn, previous?.table ?? membership.table, ids),
      next: await sideOf(conn, membership.table, ids),
      segments: compared,
      merge: plan.merge,
      retainFrom,
    });
    await conn.run(create.sql, create.params as DuckDBValue[]);
    try {
      const c = changeCountsSql(part, ctx.job.id);
      const counts = await queryRows(conn, c.sql, c.params as DuckDBValue[]);
      const p = customer && limits.length ? changedProfilesSql(part, ctx.job.id, limits, customer.table) : undefined;
      const profiles = p ? await queryRows(conn, p.sql, p.params as DuckDBValue[]) : [];
      const partRows = await countRows(conn, part);
      if (partRows === 0) await dropTable(conn, part);
      // Nothing new and nothing leaving: the published version stays.
      if (partRows === 0 && published && plan.gone.length === 0 && plan.merge.length === 0) return undefined;
      await conn.run(changesViewSql(view, partRows > 0 ? [...plan.keep, part] : plan.keep, retainFrom));
      return { counts, profiles, gone: plan.gone, rowCount: await countRows(conn, view) };
    } catch (err) {
      await dropTable(conn, part).catch(() => undefined);
      throw err;
    }
  });
  if (!written) return;
  const { counts, profiles, gone, rowCount } = written;
  const entity: PublishedEntity = { ...membershipChangesSchema, table: view, rowCount, version };
  ctx.staging.stage(entity);
  ctx.staging.onPublish((tx) => retireFiles(tx, ctx.instanceId, gone, ctx.clock.now()));

  const bySegment = new Map<string, { entered: ChangedProfile[]; exited: ChangedProfile[] }>();
  for (const r of profiles) {
    const lists = bySegment.get(r.__segment as string) ?? { entered: [], exited: [] };
    bySegment.set(r.__segment as string, lists);
    lists[r.__change as 'entered' | 'exited'].push({
      customerId: r.__customer as string,
      profile: r.__found && customer ? toJsonRow(r, customer.attributes) : null,
    });
  }
  const changed = counts
    .map((r) => ({ id: r.segment as string, entered: Number(r.entered), exited: Number(r.exited) }))
    .filter((c) => c.entered + c.exited > 0);
  const byId = new Map(compared.map((s) => [s.id, s]));
  ctx.staging.onPublish(async (tx) => {
    for (const c of changed) {
      const s = byId.get(c.id);
      if (!s) continue;
      await ctx.outbox.membershipChanged(tx, {
        instanceId: ctx.instanceId,
        segmentId: s.id,
        segmentName: s.name,
        owners: s.owners,
        entered: c.entered,
        exited: c.exited,
        memberCount: s.memberCount,
        evaluatedAt: s.evaluatedAt,
        jobId: ctx.job.id,
        changesLink: changesLinkOf(opts.publicUrl(), ctx.instanceId, s.id, ctx.job.id),
        profiles: bySegment.get(s.id) ?? { entered: [], exited: [] },
      });
    }
  });
}
