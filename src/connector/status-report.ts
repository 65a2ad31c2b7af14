// "Sends the status report": the latest job of the instance and the latest status of every task (data sources,
// unification, segments, measures, publish), as the Admin > System > Status page shows them.
import { z } from 'zod';
import type { Job, Task } from '../jobs/index.ts';
import { latestTasks, listJobs } from '../jobs/index.ts';
import type { Db } from '../store/index.ts';

export const reportTypes = ['summary', 'jobs', 'tasks'] as const;

export const statusReportIn = z.strictObject({
  reportType: z
    .enum(reportTypes, { message: `must be one of ${reportTypes.join(', ')}` })
    .describe('summary: the latest job and every task; jobs: the last 10 jobs; tasks: the latest status per task.'),
});

export interface StatusReport {
  reportType: (typeof reportTypes)[number];
  instanceId: string;
  generatedAt: string;
  latestJob: Job | null;
  jobs?: Job[];
  tasks?: Array<Task & { jobId: string }>;
}

/** Jobs listed by the "jobs" report. */
const recentJobs = 10;

export async function statusReport(
  db: Db,
  instanceId: string,
  reportType: StatusReport['reportType'],
  now: Date,
): Promise<StatusReport> {
  const jobs = await listJobs(db, instanceId, { limit: reportType === 'jobs' ? recentJobs : 1 });
  const report: StatusReport = { reportType, instanceId, generatedAt: now.toISOString(), latestJob: jobs[0] ?? null };
  if (reportType === 'jobs') report.jobs = jobs;
  if (reportType !== 'jobs') report.tasks = await latestTasks(db, instanceId);
  return report;
}
