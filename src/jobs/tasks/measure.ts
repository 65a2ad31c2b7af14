// The measure task: reports one measure of the job — its value, or one per dimension value; for a customer measure
// the aggregation over all rows, its values going to CustomerMeasures — computed together with the job's other
// measures by the first measure task (measure-batch.ts). In the publish transaction the evaluation joins the history
// and fires the threshold subscriptions it crosses (per dimension value), as when measures were evaluated one by one.
import { TaskError } from '../../core/errors.ts';
import { seriesKeyOf } from '../../events/index.ts';
import { getMeasure } from '../../insights/index.ts';
import type { TaskExecutor } from '../runner.ts';
import { publishEvaluation } from './evaluation.ts';
import { evaluateMeasures } from './measure-batch.ts';

export function measureTask(opts: { snapshotsDir: string }): TaskExecutor {
  return {
    run: async (ctx) => {
      const m = await getMeasure(ctx.db, ctx.instanceId, ctx.task.identifier ?? '');
      if (!m) throw new TaskError('NotConfigured', 'the measure was deleted after the job was submitted');
      const result = (await evaluateMeasures(ctx, opts.snapshotsDir)).get(m.id);
      if (!result) throw new TaskError('NotConfigured', 'the measure was created after the job was submitted');
      if (result instanceof TaskError) throw result;
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
