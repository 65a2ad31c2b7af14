// Jobs: start, list, read, cancel.
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { cancelJob, getJob, jobIn, listJobs, submitJob } from '../../jobs/index.ts';
import { accepted, list, ok, route } from '../route.ts';

const base = '/v1/instances/{instanceId}/jobs';
const listQuery = z.strictObject({
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped', 'canceled']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const jobRoutes = [
  route({
    method: 'post',
    path: base,
    operationId: 'StartJob',
    summary: 'Start a job',
    description: 'A full refresh is operationType "all". Jobs of one instance run one at a time; others wait queued.',
    tags: ['Jobs'],
    access: 'contributor',
    body: jobIn,
    responses: { 202: { description: 'The queued job.' } },
    handler: async ({ services, params, body }) => {
      const job = await submitJob(services.jobs, params.instanceId as string, body, 'onDemand');
      return accepted(job, `${base.replace('{instanceId}', job.instanceId)}/${job.id}`);
    },
  }),
  route({
    method: 'get',
    path: base,
    operationId: 'GetJobs',
    summary: 'List jobs',
    tags: ['Jobs'],
    access: 'viewer',
    query: listQuery,
    responses: { 200: { description: 'Jobs, newest first.' } },
    handler: async ({ services, params, query }) =>
      list(await listJobs(services.db, params.instanceId as string, query)),
  }),
  route({
    method: 'get',
    path: `${base}/{jobId}`,
    operationId: 'GetJob',
    summary: 'Get a job',
    tags: ['Jobs'],
    access: 'viewer',
    responses: { 200: { description: 'The job with its tasks.' } },
    handler: async ({ services, params }) => {
      const job = await getJob(services.db, params.instanceId as string, params.jobId as string);
      if (!job) throw new AppError('NotFound', `job ${params.jobId} not found`);
      return ok(job);
    },
  }),
  route({
    method: 'post',
    path: `${base}/{jobId}/cancel`,
    operationId: 'CancelJob',
    summary: 'Cancel a job',
    tags: ['Jobs'],
    access: 'contributor',
    responses: { 202: { description: 'The job; a running one stops at its next check.' } },
    handler: async ({ services, params }) =>
      accepted(await cancelJob(services.jobs, params.instanceId as string, params.jobId as string)),
  }),
];
