// Jobs and tasks as clients see them.
import { z } from 'zod';

export const operationTypes = ['all', 'ingestion', 'unification', 'segments', 'measures'] as const;
export type OperationType = (typeof operationTypes)[number];
export type TaskOperation = 'ingestion' | 'unification' | 'segment' | 'measure' | 'publish';
export type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'canceled';
export type SubmissionKind = 'onDemand' | 'scheduled';

export const jobIn = z.strictObject({
  operationType: z.enum(operationTypes, { message: `must be one of ${operationTypes.join(', ')}` }),
  identifiers: z.array(z.string().min(1).max(100)).max(1000).optional(),
});
export type JobIn = z.infer<typeof jobIn>;

export interface TaskError {
  code: string;
  message: string;
}

export interface Task {
  id: string;
  operationType: TaskOperation;
  identifier: string | null;
  friendlyName: string;
  dependsOn: string[];
  status: Status;
  startedAt: string | null;
  finishedAt: string | null;
  error: TaskError | null;
  stats: Record<string, unknown> | null;
}

export interface Job {
  id: string;
  instanceId: string;
  operationType: OperationType;
  identifiers: string[] | null;
  submissionKind: SubmissionKind;
  status: Status;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequested: boolean;
  tasks: Task[];
}

export const terminal = (s: Status): boolean =>
  s === 'succeeded' || s === 'failed' || s === 'skipped' || s === 'canceled';
