// The measure task: computes one measure over the job's data. A business measure yields one value, or one per
// dimension value; a customer measure yields one value per CustomerId, stored by CustomerIx (the rowid of the job's
// Customer) in a staged table of its own, plus the aggregation over all rows as its value. The publish task's run
// joins them into the job's CustomerMeasures in one statement (every customer, the columns of customer measures this
// job does not evaluate kept from the previous version): rewriting the whole table once per measure cost ~1 s each.
// In the publish transaction the evaluation joins the history and fires the threshold subscriptions it crosses (per
// dimension value).
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
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
import { seriesKeyOf } from '../../events/index.ts';
import type {
  CompiledSql,
  DimensionValue,
  HistoryPoint,
  InsightsScope,
  Measure,
  MeasureColumn,
  ScopedEntity,
} from '../../insights/index.ts';
import {
  businessMeasureSql,
  checkMeasure,
  customerMeasureSql,
  customerMeasuresTableSql,
  customerValuesTableSql,
  getMeasure,
  listMeasures,
  measureEntity,
  measureLink,
} from '../../insights/index.ts';
import type { TaskContext, TaskExecutor } from '../runner.ts';
import { noProfilesYet, publishEvaluation } from './evaluation.ts';
import { evaluationScope } from './insights-scope.ts';

const asNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

async function businessValues(conn: DuckDBConnection, m: Measure, entity: ScopedEntity, q: CompiledSql) {
  const rows = await queryRows(conn, q.sql, q.params as DuckDBValue[]);
  if (m.dimensions.length === 0) return { value: asNumber(rows[0]?.value) };
  const types = m.dimensions.map((d) => entity.attributes.find((a) => a.name === d)?.type ?? 'string');
  const values: DimensionValue[] = rows.map((r) => ({
    dimension: Object.fromEntries(m.dimensions.map((d, i) => [d, toJsonValue(r[`d${i}`], types[i] ?? 'string')])),
    value: asNumber(r.value),
  }));
  return { values };
}

/** The job's CustomerMeasures in the making: the columns its customer-measure tasks have stored. */
interface CustomerMeasuresParts {
  entity: PublishedEntity;
  customerTable: string;
  previous: { table: string; keep: string[] } | undefined;
  columns: MeasureColumn[];
}

const partsByJob = new WeakMap<TaskContext['staging'], CustomerMeasuresParts>();

async function customerMeasuresParts(ctx: TaskContext, customer: ScopedEntity): Promise<CustomerMeasuresParts> {
  const known = partsByJob.get(ctx.staging);
  if (known) return known;
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
  const parts: CustomerMeasuresParts = {
    entity,
    customerTable: customer.table,
    previous: previous ? { table: previous.table, keep } : undefined,
    columns: [],
  };
  partsByJob.set(ctx.staging, parts);
  // Staged now, so that the runner drops the parts (backing tables of this version) if the job does not publish.
  ctx.staging.stage(entity);
  ctx.staging.onAssemble('CustomerMeasures', () =>
    ctx.data.write(async (conn) => {
      await conn.run(customerMeasuresTableSql(entity.table, parts.customerTable, parts.columns, parts.previous));
      for (const c of parts.columns) await dropTable(conn, c.table);
      ctx.staging.stage({
        ...entity,
        attributes: await describeTable(conn, entity.table),
        rowCount: await countRows(conn, entity.table),
      });
    }),
  );
  return parts;
}

async function customerValues(ctx: TaskContext, m: Measure, entity: ScopedEntity, scope: InsightsScope) {
  if (!scope.customer) throw noProfilesYet();
  const link = measureLink(m, entity, scope);
  if ('problem' in link) throw new TaskError('InvalidDefinition', link.problem);
  const parts = await customerMeasuresParts(ctx, scope.customer);
  const table = backingName(parts.entity.table, `measure${parts.columns.length}`);
  const store = customerValuesTableSql(table, parts.customerTable, customerMeasureSql(m, entity, link, scope));
  const total = businessMeasureSql({ ...m, kind: 'business', dimensions: [] }, entity, scope);
  return ctx.data.write(async (conn) => {
    await dropTable(conn, table);
    await conn.run(store.sql, store.params as DuckDBValue[]);
    parts.columns = [
      ...parts.columns.filter((c) => c.name !== m.name),
      { name: m.name, table, aggregation: m.aggregation },
    ];
    const value = asNumber((await queryRows(conn, total.sql, total.params as DuckDBValue[]))[0]?.value);
    return { value, customers: await countRows(conn, table) };
  });
}

export function measureTask(): TaskExecutor {
  return {
    run: async (ctx) => {
      const m = await getMeasure(ctx.db, ctx.instanceId, ctx.task.identifier ?? '');
      if (!m) throw new TaskError('NotConfigured', 'the measure was deleted after the job was submitted');
      const scope = await evaluationScope(ctx);
      const entity = measureEntity(m, scope);
      if (!entity) {
        if (m.entity === 'Customer') throw noProfilesYet();
        throw new TaskError('EntityNotPublished', `entity ${m.entity} has no data yet: refresh its data source first`);
      }
      try {
        checkMeasure(m.name, m, scope);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        throw new TaskError('InvalidDefinition', `the measure no longer fits the data: ${err.message}`);
      }
      const result: Omit<HistoryPoint, 'evaluatedAt' | 'jobId'> =
        m.kind === 'customer'
          ? await customerValues(ctx, m, entity, scope)
          : await ctx.data.write((conn) => businessValues(conn, m, entity, businessMeasureSql(m, entity, scope)));
      const subject = { kind: 'measure' as const, id: m.id, name: m.name, owners: m.owners };
      publishEvaluation(ctx, subject, result, (previous) =>
        (result.values ?? [{ dimension: null, value: result.value ?? null }]).flatMap((s) => {
          if (s.value === null) return [];
          const key = seriesKeyOf(s.dimension);
          const before = previous?.values
            ? (previous.values.find((p) => seriesKeyOf(p.dimension) === key)?.value ?? null)
            : (previous?.value ?? null);
          return [{ key, dimension: s.dimension, current: s.value, previous: before }];
        }),
      );
      return { ...result };
    },
  };
}
