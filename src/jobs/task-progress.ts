// Progress of a running task, told to whoever looks at the job (the status page's "rows read"): written into the
// task's stats at most once a second, and never after the task's own end (its final stats replace them).
import type { Clock } from '../core/clock.ts';
import type { Db } from '../store/index.ts';
import { setTaskProgress } from './jobs.sql.ts';

/** Least time between two progress writes of one task, ms. */
const intervalMs = 1000;

export interface TaskProgress {
  /** Notes the rows read so far. */
  rows(n: number): void;
  /** Waits for the write under way, if any (call before the task ends, so that no write lands after it). */
  settled(): Promise<void>;
}

export function taskProgress(db: Db, taskId: string, clock: Clock): TaskProgress {
  let lastWrite = -Infinity;
  let pending: Promise<void> = Promise.resolve();
  return {
    rows: (n) => {
      const now = clock.now().getTime();
      if (now - lastWrite < intervalMs) return;
      lastWrite = now;
      // Progress is a hint: a failed write is forgotten, the task goes on.
      pending = pending.then(() => setTaskProgress(db, taskId, { rowsRead: n })).catch(() => undefined);
    },
    settled: () => pending,
  };
}
