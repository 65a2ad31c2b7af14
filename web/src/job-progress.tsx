// A job's progress while it runs: task n of m, the running task (with rows read when it tells them), every task's
// status and error, and Cancel.
import { api } from './api.ts';
import type { Job } from './shapes.ts';
import { useAction } from './use-load.ts';
import { Badge, ErrorBox, Progress } from './widgets.tsx';

/** Poll interval while a job runs, in milliseconds. */
export const pollMs = 1000;

const ended = (s: string) => !['queued', 'running'].includes(s);

export function JobProgress({ job, error }: { job: Job | null; error: unknown }) {
  const cancel = useAction();
  if (!job) return error ? <ErrorBox error={error} /> : <Progress label="Starting the job" />;
  const done = job.tasks.filter((t) => ended(t.status)).length;
  const runningIx = job.tasks.findIndex((t) => t.status === 'running');
  const running = job.tasks[runningIx];
  const active = !ended(job.status);
  return (
    <div className="job-progress" data-job={job.id} role="region" aria-label="Job progress">
      <div className="row">
        <strong>Job {job.id}</strong> <Badge status={job.status} />
        {active ? (
          <button
            type="button"
            className="danger"
            disabled={cancel.busy}
            onClick={() => void cancel.run(async () => void (await api.post(`~/jobs/${job.id}/cancel`)))}
          >
            Cancel job
          </button>
        ) : null}
      </div>
      {active ? (
        <Progress
          done={done}
          total={job.tasks.length || undefined}
          label={
            running
              ? `Task ${runningIx + 1} of ${job.tasks.length}: ${running.friendlyName}${rowsRead(running)}`
              : `Job ${job.status}`
          }
        />
      ) : null}
      <ul className="task-list">
        {job.tasks.map((t) => (
          <li key={t.id}>
            <Badge status={t.status} /> {t.friendlyName}
            {t.error ? <span className="error-inline"> — {t.error.message}</span> : null}
          </li>
        ))}
      </ul>
      <ErrorBox error={cancel.error ?? error} />
    </div>
  );
}

/** ", 12,345 rows read" when the running task reports how far it is. */
function rowsRead(t: Job['tasks'][number]): string {
  const n = t.stats?.rowsRead ?? t.stats?.rowsIngested;
  return typeof n === 'number' ? `, ${n.toLocaleString()} rows read` : '';
}
