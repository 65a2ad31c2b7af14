// Computes, once per job, every measure whose task is not skipped (insights/measure-engine.ts: one query per group
// of measures over the same entity and dimensions, or reaching customers the same way), and stages the job's
// CustomerMeasures, whose files are written at once, on a read connection, while the business measures run (ADR 0137).
// Each measure gets its answer or the reason it cannot be evaluated.
import type { DuckDBValue } from '@duckdb/node-api';
import { AppError, TaskError } from '../../core/errors.ts';
import type { PublishedEntity } from '../../datastore/index.ts';
import {
  backingName,
  countRows,
  describeTable,
  dropTable,
  getEntity,
  nextVersion,
  physicalName,
  queryRows,
} from '../../datastore/index.ts';
import { toJsonValue } from '../../datastore/odata/index.ts';
import type {
  CustomerLink,
  GroupOutput,
  HistoryPoint,
  Measure,
  MeasureColumn,
  MeasureGroup,
  MeasureItem,
  ScopedEntity,
} from '../../insights/index.ts';
import {
  businessGroups,
  checkMeasure,
  customerGroups,
  customerMeasuresTableSql,
  listMeasures,
  measureEntity,
  measureLink,
  reachedCustomersSql,
} from '../../insights/index.ts';
import type { TaskContext } from '../runner.ts';
import { noProfilesYet } from './evaluation.ts';
import { evaluationScope } from './insights-scope.ts';
import { exportNow } from './staged-files.ts';

export type MeasureResult = Omit<HistoryPoint, 'evaluatedAt' | 'jobId'> & { customers?: number };

const asNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The job's CustomerMeasures version and the columns it keeps from the published one. */
interface CustomerMeasuresVersion {
  entity: PublishedEntity;
  previous: { table: string; keep: string[] } | undefined;
}

async function stageCustomerMeasures(ctx: TaskContext): Promise<CustomerMeasuresVersion> {
  const evaluated = new Set(
    ctx.job.tasks.filter((t) => t.operationType === 'measure' && t.status !== 'skipped').map((t) => t.identifier),
  );
  const previous = await getEntity(ctx.db, ctx.instanceId, 'CustomerMeasures');
  const keep = (await listMeasures(ctx.db, ctx.instanceId))
    .filter((m) => m.kind === 'customer' && !evaluated.has(m.id))
    .map((m) => m.name)
    .filter((n) => previous?.attributes.some((a) => a.name === n));
  const version = await nextVersion(ctx.db, ctx.instanceId, 'CustomerMeasures');
  const entity: PublishedEntity = {
    name: 'CustomerMeasures',
    kind: 'measure',
    table: physicalName('CustomerMeasures', version),
    attributes: [],
    key: ['CustomerId'],
    rowCount: 0,
    version,
  };
  // Staged now, so that the runner drops the version and its backing tables if the job does not publish.
  ctx.staging.stage(entity);
  return { entity, previous: previous ? { table: previous.table, keep } : undefined };
}

const batches = new WeakMap<TaskContext['staging'], Promise<Map<string, MeasureResult | TaskError>>>();

/** The answers of the job's measures by measure id: computed by the first measure task, then remembered. */
export function evaluateMeasures(
  ctx: TaskContext,
  snapshotsDir: string,
): Promise<Map<string, MeasureResult | TaskError>> {
  let batch = batches.get(ctx.staging);
  if (!batch) {
    batch = computeMeasures(ctx, snapshotsDir);
    batches.set(ctx.staging, batch);
  }
  return batch;
}

/** A business group's answer for one output: its value, or its values per dimension value its rows reach. */
function answerOf(g: MeasureGroup, o: GroupOutput, rows: Array<Record<string, unknown>>): MeasureResult {
  if (g.dimensions.length === 0) return { value: asNumber(rows[0]?.[o.value]) };
  const types = g.dimensions.map((d) => g.entity.attributes.find((a) => a.name === d)?.type ?? 'string');
  return {
    values: rows
      .filter((r) => Number(r[o.rows]) > 0)
      .map((r) => ({
        dimension: Object.fromEntries(g.dimensions.map((d, i) => [d, toJsonValue(r[`d${i}`], types[i] ?? 'string')])),
        value: asNumber(r[o.value]),
      })),
  };
}

async function computeMeasures(
  ctx: TaskContext,
  snapshotsDir: string,
): Promise<Map<string, MeasureResult | TaskError>> {
  const scope = await evaluationScope(ctx);
  const inJob = new Set(
    ctx.job.tasks.filter((t) => t.operationType === 'measure' && t.status !== 'skipped').map((t) => t.identifier),
  );
  const measures = (await listMeasures(ctx.db, ctx.instanceId)).filter((m) => inJob.has(m.id));
  const out = new Map<string, MeasureResult | TaskError>();
  const business: MeasureItem[] = [];
  const perCustomer: Array<MeasureItem & { link: CustomerLink; measure: Measure }> = [];
  for (const m of measures) {
    const entity = measureEntity(m, scope);
    if (!entity) {
      out.set(
        m.id,
        m.entity === 'Customer'
          ? noProfilesYet()
          : new TaskError('EntityNotPublished', `entity ${m.entity} has no data yet: refresh its data source first`),
      );
      continue;
    }
    try {
      checkMeasure(m.name, m, scope);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      out.set(m.id, new TaskError('InvalidDefinition', `the measure no longer fits the data: ${err.message}`));
      continue;
    }
    if (m.kind === 'business') {
      business.push({ key: m.id, def: m, entity });
      continue;
    }
    const link = measureLink(m, entity, scope);
    if (!scope.customer) out.set(m.id, noProfilesYet());
    else if ('problem' in link) out.set(m.id, new TaskError('InvalidDefinition', link.problem));
    else {
      perCustomer.push({ key: m.id, def: m, entity, link, measure: m });
      business.push({ key: `total:${m.id}`, def: { ...m, kind: 'business', dimensions: [] }, entity });
    }
  }
  const customer = scope.customer as ScopedEntity;
  const cm = perCustomer.length > 0 ? await stageCustomerMeasures(ctx) : undefined;
  const stored = cm
    ? customerGroups(perCustomer, scope, customer.table, (g) => backingName(cm.entity.table, `measure${g}`))
    : [];
  const reached = new Map<string, number>();
  // CustomerMeasures first, so that its files are written on a read connection while the business measures run.
  if (cm) {
    const columns: MeasureColumn[] = stored.flatMap((g) =>
      g.outputs.map((o) => {
        const m = (perCustomer.find((c) => c.key === o.key) as { measure: Measure }).measure;
        return { name: m.name, table: g.table, column: o.value, aggregation: m.aggregation };
      }),
    );
    await ctx.data.write(async (conn) => {
      for (const g of stored) {
        await dropTable(conn, g.table);
        await conn.run(g.query.sql, g.query.params as DuckDBValue[]);
        const counts = (await queryRows(conn, reachedCustomersSql(g)))[0] ?? {};
        for (const o of g.outputs) reached.set(o.key, Number(counts[o.rows] ?? 0));
      }
      await conn.run(customerMeasuresTableSql(cm.entity.table, customer.table, columns, cm.previous));
      for (const g of stored) await dropTable(conn, g.table);
      ctx.staging.stage({
        ...cm.entity,
        attributes: await describeTable(conn, cm.entity.table),
        rowCount: await countRows(conn, cm.entity.table),
      });
    });
    exportNow(ctx, snapshotsDir, cm.entity.table);
  }
  const answers = new Map<string, MeasureResult>();
  await ctx.data.write(async (conn) => {
    for (const g of businessGroups(business, scope)) {
      const rows = await queryRows(conn, g.query.sql, g.query.params as DuckDBValue[]);
      for (const o of g.outputs) answers.set(o.key, answerOf(g, o, rows));
    }
  });
  for (const m of measures) {
    if (out.has(m.id)) continue;
    if (m.kind === 'business') out.set(m.id, answers.get(m.id) as MeasureResult);
    else out.set(m.id, { value: answers.get(`total:${m.id}`)?.value ?? null, customers: reached.get(m.id) ?? 0 });
  }
  return out;
}
