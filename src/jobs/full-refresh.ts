// refresh.full.completed: emitted in the transaction that ends a full refresh (operationType "all"), whatever its
// status. Whether on-demand jobs reach a subscription is the subscription's includeManual parameter.
import type { Outbox } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import type { Job } from './model.ts';

export async function emitFullRefreshCompleted(tx: Db, outbox: Outbox, job: Job): Promise<void> {
  if (job.operationType !== 'all') return;
  const status = job.status === 'succeeded' || job.status === 'canceled' ? job.status : 'failed';
  const startedAt = job.startedAt ?? job.submittedAt;
  const finishedAt = job.finishedAt ?? startedAt;
  await outbox.emit(tx, job.instanceId, 'refresh.full.completed', {
    jobId: job.id,
    submissionKind: job.submissionKind,
    status,
    startedAt,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
    tasks: job.tasks.map((t) => ({
      operationType: t.operationType,
      identifier: t.identifier,
      friendlyName: t.friendlyName,
      status: t.status,
    })),
  });
}
