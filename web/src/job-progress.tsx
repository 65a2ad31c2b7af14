// Following a job while it runs: polls GET …/jobs/{id} every second until it ends, and shows its task progress.
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import type { Job } from './shapes.ts';
import { Badge, ErrorBox, Progress } from './widgets.tsx';

/** Poll interval while a job runs, in milliseconds. */
export const pollMs = 1000;

const ended = (s: string) => !['queued', 'running'].includes(s);

/** The job as it progresses; `onEnd` runs once when it reaches a final status. */
export function useJob(jobId: string | null, onEnd?: (job: Job) => void): { job: Job | null; error: unknown } {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!jobId) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const j = await api.get<Job>(`~/jobs/${encodeURIComponent(jobId)}`);
        if (!live) return;
        setJob(j);
        setError(null);
        if (ended(j.status)) {
          onEnd?.(j);
          return;
        }
      } catch (e) {
        if (!live) return;
        setError(e);
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // onEnd is a callback of the caller's render; following a new job id is what restarts polling.
  }, [jobId]);
  return { job, error };
}

export function JobProgress({ job, error }: { job: Job | null; error: unknown }) {
  if (!job) return error ? <ErrorBox error={error} /> : <Progress label="Starting the job" />;
  const done = job.tasks.filter((t) => ended(t.status)).length;
  const running = job.tasks.find((t) => t.status === 'running');
  return (
    <div className="job-progress" data-job={job.id}>
      <div className="row">
        <strong>Job {job.id}</strong> <Badge status={job.status} />
      </div>
      {ended(job.status) ? null : (
        <Progress
          done={done}
          total={job.tasks.length || undefined}
          label={running ? `Running: ${running.friendlyName}` : `Job ${job.status}`}
        />
      )}
      <ul className="task-list">
        {job.tasks.map((t) => (
          <li key={t.id}>
            <Badge status={t.status} /> {t.friendlyName}
            {t.error ? <span className="error-inline"> — {t.error.message}</span> : null}
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
    </div>
  );
}
