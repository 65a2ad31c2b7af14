// Admin > System > Status: the last run of every task (data sources, unification, segments, measures, publish),
// its run history with error details (the chosen task is in the URL: ?task=…), and Refresh all — disabled while a job
// of the instance runs, whose progress shows with Cancel. Tasks of deleted data sources, segments and measures are
// not listed.
import { useMemo } from 'react';
import { api, listOrEmpty, type List } from './api.ts';
import { duration, when } from './format.ts';
import { useInstanceJob } from './instance-job.ts';
import { JobProgress } from './job-progress.tsx';
import { Link } from './Link.tsx';
import { useQueryParam } from './router.ts';
import type { Job, Task } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox, Json } from './widgets.tsx';

interface TaskRun {
  job: Job;
  task: Task;
}

const keyOf = (t: Task) => `${t.operationType}:${t.identifier ?? ''}`;
const timeOf = (r: TaskRun) => r.task.finishedAt ?? r.task.startedAt ?? r.job.submittedAt;

/** Runs per task, newest first (jobs come newest first). */
function groupRuns(jobs: Job[]): Map<string, TaskRun[]> {
  const runs = new Map<string, TaskRun[]>();
  for (const job of jobs)
    for (const task of job.tasks) {
      const k = keyOf(task);
      runs.set(k, [...(runs.get(k) ?? []), { job, task }]);
    }
  return runs;
}

/** Items that still exist, by task kind: tasks of deleted data sources, segments or measures are not shown. */
async function loadExisting(): Promise<Record<string, Set<string>>> {
  const [ds, seg, mea] = await Promise.all([
    listOrEmpty<{ id: string }>('~/manage/datasources'),
    listOrEmpty<{ id: string }>('~/manage/segments'),
    listOrEmpty<{ id: string }>('~/manage/measures'),
  ]);
  const ids = (l: { value: Array<{ id: string }> }) => new Set(l.value.map((x) => x.id));
  return { ingestion: ids(ds), segment: ids(seg), measure: ids(mea) };
}

export function StatusPage() {
  const active = useInstanceJob();
  const jobs = useLoad(() => api.get<List<Job>>('~/jobs?limit=200'), [active.job?.id]);
  const existing = useLoad(loadExisting, [active.job?.id]);
  const selected = useQueryParam('task');
  const action = useAction();
  const list = jobs.data?.value ?? [];
  const runs = useMemo(() => groupRuns(list), [list]);

  const refreshAll = () =>
    action.run(async () => {
      await api.post<Job>('~/jobs', { operationType: 'all' });
      active.recheck();
    });

  const stillThere = (t: Task) => {
    const ids = existing.data?.[t.operationType];
    return !ids || t.identifier === null || ids.has(t.identifier);
  };
  const rows = [...runs.entries()]
    .map(([key, r]) => ({ key, last: r[0] as TaskRun }))
    .filter((r) => stillThere(r.last.task));
  const history = selected ? (runs.get(selected) ?? []) : [];
  return (
    <section>
      <header className="page-header">
        <h1>System › Status</h1>
        <button
          type="button"
          className="primary"
          onClick={() => void refreshAll()}
          disabled={action.busy || active.job !== null}
          title={active.job ? 'A job of this instance is running' : undefined}
        >
          Refresh all
        </button>
      </header>
      <ErrorBox error={action.error ?? jobs.error} />
      {active.job ? <JobProgress job={active.job} error={null} /> : null}
      {rows.length === 0 && !jobs.loading ? (
        <Empty>No task has run yet. Add a data source and refresh it, or press Refresh all.</Empty>
      ) : (
        <div className="table-box">
          <table className="table" aria-label="Tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Kind</th>
                <th>Status</th>
                <th>Last run</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ key, last }) => (
                <tr key={key} className={key === selected ? 'selected' : undefined}>
                  <td>
                    <Link
                      to={`/admin/status?task=${encodeURIComponent(key)}`}
                      aria-current={key === selected ? 'true' : undefined}
                    >
                      {last.task.friendlyName}
                    </Link>
                  </td>
                  <td>{last.task.operationType}</td>
                  <td>
                    <Badge status={last.task.status} />
                  </td>
                  <td>{when(timeOf(last))}</td>
                  <td>{duration(last.task.startedAt, last.task.finishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected ? <RunHistory runs={history} /> : null}
    </section>
  );
}

function RunHistory({ runs }: { runs: TaskRun[] }) {
  const first = runs[0];
  if (!first) return null;
  return (
    <div className="card">
      <h2>Run history: {first.task.friendlyName}</h2>
      <table className="table" aria-label="Run history">
        <thead>
          <tr>
            <th>Job</th>
            <th>Submitted as</th>
            <th>Status</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {runs.map(({ job, task }) => (
            <tr key={task.id}>
              <td className="mono">{job.id}</td>
              <td>{job.submissionKind}</td>
              <td>
                <Badge status={task.status} />
              </td>
              <td>{when(task.startedAt)}</td>
              <td>{duration(task.startedAt, task.finishedAt)}</td>
              <td>
                {task.error ? (
                  <div className="error-inline">
                    <strong>{task.error.code}</strong>: {task.error.message}
                  </div>
                ) : null}
                {task.stats ? <Json value={task.stats} /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
