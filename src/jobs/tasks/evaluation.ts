// What segment and measure tasks share: in the publish transaction, an evaluation joins its subject's history and
// each of its series (one, or one per dimension value) is reported to the outbox, which fires the threshold
// subscriptions it crosses; and the error of a task that has no profiles to evaluate yet.
import { TaskError } from '../../core/errors.ts';
import type { HistoryPoint } from '../../insights/index.ts';
import { previousEvaluation, recordEvaluation } from '../../insights/index.ts';
import type { TaskContext } from '../runner.ts';

export interface EvaluatedSubject {
  kind: 'segment' | 'measure';
  id: string;
  name: string;
  owners: string[];
}

/** One series of an evaluation: its key and dimension values (null without dimensions), current and previous value. */
export interface SeriesValue {
  key: string;
  dimension: Record<string, unknown> | null;
  current: number;
  previous: number | null;
}

/** Registers the evaluation for the publish transaction; `seriesOf` reads the series against the previous one.
 * Returns the evaluation's time. */
export function publishEvaluation(
  ctx: TaskContext,
  subject: EvaluatedSubject,
  result: Omit<HistoryPoint, 'evaluatedAt' | 'jobId'>,
  seriesOf: (previous: HistoryPoint | undefined) => SeriesValue[],
): string {
  const evaluatedAt = ctx.clock.now().toISOString();
  ctx.staging.onPublish(async (tx) => {
    const previous = await previousEvaluation(tx, subject.id, ctx.job.id);
    await recordEvaluation(tx, {
      instanceId: ctx.instanceId,
      subjectId: subject.id,
      jobId: ctx.job.id,
      evaluatedAt,
      result,
    });
    for (const s of seriesOf(previous))
      await ctx.outbox.evaluated(tx, {
        instanceId: ctx.instanceId,
        kind: subject.kind,
        subjectId: subject.id,
        seriesKey: s.key,
        dimension: s.dimension,
        previous: s.previous,
        current: s.current,
        jobId: ctx.job.id,
        evaluatedAt,
        name: subject.name,
        owners: subject.owners,
      });
  });
  return evaluatedAt;
}

export const noProfilesYet = (): TaskError =>
  new TaskError('NotConfigured', 'no Customer profiles yet: configure unification and run a full refresh');
