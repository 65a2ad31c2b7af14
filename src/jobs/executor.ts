// What the job runner and the sweeper of interrupted jobs share: the executor contract of a task, its contexts and
// outcomes, and the runner's dependencies. Both import it; neither imports the other.
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { DataStore, InstanceData, PublishedEntity } from '../datastore/index.ts';
import type { Outbox } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import type { Job, Task, TaskError, TaskOperation } from './model.ts';

/** Entities a job has written but not yet published, and work to do in the publish transaction. */
export interface Staging {
  stage(entity: PublishedEntity): void;
  staged(): PublishedEntity[];
  /** The staged version of an entity, else the published one. */
  resolve(name: string): Promise<PublishedEntity | undefined>;
  /** Work for the publish transaction (history rows, threshold evaluation). */
  onPublish(fn: (tx: Db) => Promise<void>): void;
  publishHooks(): Array<(tx: Db) => Promise<void>>;
  /** Work for the publish task's run, before anything is published: building an entity from the parts tasks staged
   * (CustomerMeasures). Registering under the same key again replaces the work. */
  onAssemble(key: string, fn: () => Promise<void>): void;
  assembleSteps(): Array<() => Promise<void>>;
}

/** What a task's end needs; also available when the task of a stopped node is ended by the sweeper. */
export interface FinishContext {
  instanceId: string;
  job: Job;
  task: Task;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** null when the task ends without having run in this process (the sweeper ended it). */
  staging: Staging | null;
}

export interface TaskContext extends FinishContext {
  staging: Staging;
  db: Db;
  data: InstanceData;
  isCanceled: () => boolean;
}

export interface TaskOutcome {
  /** skipped: the executor found nothing to do (TaskError code NotConfigured). */
  status: 'succeeded' | 'failed' | 'canceled' | 'skipped';
  error: TaskError | null;
  stats: Record<string, unknown> | null;
  startedAt: string;
  finishedAt: string;
}

export interface TaskExecutor {
  /** Does the work; returns statistics for the task. Throws TaskError on failure. */
  run(ctx: TaskContext): Promise<Record<string, unknown>>;
  /** Runs in the transaction that records the task's end: publish results, emit events. */
  finish?(tx: Db, ctx: FinishContext, outcome: TaskOutcome): Promise<void>;
  /** Runs in the transaction that marks the task running. */
  start?(tx: Db, ctx: TaskContext): Promise<void>;
}

export interface JobRunnerDeps {
  db: Db;
  /** This node's id: the claims of its jobs name it, so that the sweeper can end them if the node dies. */
  nodeId: string;
  dataStore: DataStore;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  executors: Record<TaskOperation, TaskExecutor>;
  /** Called in the transaction that ends a job. */
  onJobFinished?: (tx: Db, job: Job) => Promise<void>;
  /** Idle poll interval, ms (other nodes' jobs); default 1000. */
  pollMs?: number;
}
