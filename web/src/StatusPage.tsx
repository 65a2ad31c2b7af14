// Admin > System > Status: the last run of every task (data sources, unification, segments, measures, publish),
// its run history with error details, and Refresh all with live progress.
import { useEffect, useMemo, useState } from 'react';
import { api, type List } from './api.ts';
import { duration, when } from './format.ts';
import { JobProgress, pollMs, useJob } from './job-progress.tsx';
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

export function StatusPage() {
  const jobs = useLoad(() => api.get<List<Job>>('~/jobs?limit=200'), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [following, setFollowing] = useState<string | null>(null);
  const action = useAction();
  const reloadJobs = jobs.reload;
  const followed = useJob(following, reloadJobs);
  const list = jobs.data?.value ?? [];
  const runs = useMemo(() => groupRuns(list), [list]);
  const active = list.some((j) => j.status === 'queued' || j.status === 'running');

  useEffect(() => {
    if (!active) return;
    const t = setTimeout(reloadJobs, pollMs);
    return () => clearTimeout(t);
  }, [active, jobs.data, reloadJobs]);

  const refreshAll = () =>
    action.run(async () => {
      const job = await api.post<Job>('~/jobs', { operationType: 'all' });
      setFollowing(job.id);
      jobs.reload();
    });

  const rows = [...runs.entries()].map(([key, r]) => ({ key, last: r[0] as TaskRun }));
  const history = selected ? (runs.get(selected) ?? []) : [];
  return (
    <section>
      <header className="page-header">
        <h1>System › Status</h1>
        <button type="button" className="primary" onClick={() => void refreshAll()} disabled={action.busy}>
          Refresh all
        </button>
      </header>
      <ErrorBox error={action.error ?? jobs.error} />
      {following ? <JobProgress job={followed.job} error={followed.error} /> : null}
      {rows.length === 0 && !jobs.loading ? (
        <Empty>No task has run yet. Add a data source and refresh it, or press Refresh all.</Empty>
      ) : (
        <table className="table clickable" aria-label="Tasks">
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
              <tr
                key={key}
                className={key === selected ? 'selected' : undefined}
                onClick={() => setSelected(key === selected ? null : key)}
              >
                <td>{last.task.friendlyName}</td>
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
