// Turning a job request into its tasks, in dependency order: ingestion → unification → segments and measures →
// publish; and which ends of a task let the tasks that depend on it run. A task whose upstream task failed is
// skipped, except after a failed ingestion (failure isolation, SPEC §11).
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { JobIn, Task, TaskOperation } from './model.ts';

/** What planning needs to know of an instance's configuration. */
export interface PlanInputs {
  dataSources: Array<{ id: string; name: string }>;
  segments: Array<{ id: string; name: string; state: string }>;
  measures: Array<{ id: string; name: string }>;
}

const task = (
  operationType: TaskOperation,
  identifier: string | null,
  friendlyName: string,
  dependsOn: Task[],
): Task => ({
  id: newId('task'),
  operationType,
  identifier,
  friendlyName,
  dependsOn: dependsOn.map((t) => t.id),
  status: 'queued',
  startedAt: null,
  finishedAt: null,
  error: null,
  stats: null,
});

/** Task ends that let dependents run: success; a skip by choice (an inactive segment, nothing configured); and a
 * failed ingestion — one data source that fails does not stop the rest: unification and everything after it run on
 * the last good data of every source, and the job still ends failed, naming the source in its failed task. */
export const letsDependentsRun = (t: Task): boolean =>
  t.status === 'succeeded' ||
  (t.status === 'skipped' && (t.error?.code === 'Inactive' || t.error?.code === 'NotConfigured')) ||
  (t.status === 'failed' && t.operationType === 'ingestion');

export function planTasks(input: JobIn, inst: PlanInputs): Task[] {
  const ids = input.identifiers;
  const pick = <T extends { id: string; name: string }>(items: T[], label: string): T[] => {
    if (!ids || ids.length === 0) return items;
    return ids.map((id) => {
      const found = items.find((i) => i.id === id || i.name === id);
      if (!found) throw new AppError('ValidationFailed', `identifiers: no ${label} "${id}"`);
      return found;
    });
  };
  const tasks: Task[] = [];
  const add = (t: Task) => (tasks.push(t), t);
  const insights = (upstream: Task[], segs: PlanInputs['segments'], msrs: PlanInputs['measures']) => {
    const evals = [
      ...segs.map((s) => {
        const t = add(task('segment', s.id, `Segment ${s.name}`, upstream));
        if (s.state === 'inactive') {
          t.status = 'skipped';
          t.error = { code: 'Inactive', message: 'the segment is inactive' };
        }
        return t;
      }),
      ...msrs.map((m) => add(task('measure', m.id, `Measure ${m.name}`, upstream))),
    ];
    add(task('publish', null, 'Publish', [...upstream, ...evals]));
  };
  switch (input.operationType) {
    case 'ingestion': {
      const sources = pick(inst.dataSources, 'data source');
      if (sources.length === 0) throw new AppError('ValidationFailed', 'the instance has no data sources to refresh');
      for (const ds of sources) add(task('ingestion', ds.id, `Data source ${ds.name}`, []));
      break;
    }
    case 'all': {
      const ingestions = inst.dataSources.map((ds) => add(task('ingestion', ds.id, `Data source ${ds.name}`, [])));
      const unify = add(task('unification', null, 'Unification (map, match, merge)', ingestions));
      insights([unify], inst.segments, inst.measures);
      break;
    }
    case 'unification': {
      const unify = add(task('unification', null, 'Unification (map, match, merge)', []));
      insights([unify], inst.segments, inst.measures);
      break;
    }
    case 'segments':
      insights([], pick(inst.segments, 'segment'), []);
      break;
    case 'measures':
      insights([], [], pick(inst.measures, 'measure'));
      break;
  }
  return tasks;
}
