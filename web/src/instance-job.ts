// The job the instance is running (or has queued), if any: refresh controls are disabled while there is one. Polls
// every second while a job is active and every five seconds otherwise, so a job started elsewhere (the schedule,
// another person, the API) is noticed too.
import { useEffect, useState } from 'react';
import { api, type List } from './api.ts';
import { pollMs } from './job-progress.tsx';
import type { Job } from './shapes.ts';

const idleMs = 5000;

export function useInstanceJob(): { job: Job | null; recheck: () => void } {
  const [job, setJob] = useState<Job | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      let active: Job | null = null;
      try {
        const [running, queued] = await Promise.all([
          api.get<List<Job>>('~/jobs?status=running&limit=1'),
          api.get<List<Job>>('~/jobs?status=queued&limit=1'),
        ]);
        active = running.value[0] ?? queued.value[0] ?? null;
      } catch {
        // a failed poll keeps the last answer; the next one tries again
        if (!live) return;
        timer = setTimeout(() => void poll(), idleMs);
        return;
      }
      if (!live) return;
      setJob(active);
      timer = setTimeout(() => void poll(), active ? pollMs : idleMs);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tick]);
  return { job, recheck: () => setTick((t) => t + 1) };
}
