// The flow sink: inside the emitting transaction, each event for a flow's subscription becomes a flow run, due at
// once. The runs are executed by the flow worker after commit, so a crash between event and run loses no run.
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Sink } from '../events/index.ts';
import { flowBySubscription, insertRuns } from './flows.sql.ts';
import { initialSteps } from './worker.ts';

export function flowSink(opts: { clock: Clock; wake: () => void }): Sink {
  return async (tx, envelopes, sub) => {
    const flow = await flowBySubscription(tx, sub.id);
    if (!flow?.enabled) return;
    const now = opts.clock.now().toISOString();
    await insertRuns(
      tx,
      envelopes.map((envelope) => ({
        id: newId('run'),
        instanceId: flow.instanceId,
        flowId: flow.id,
        eventId: envelope.id,
        status: 'running' as const,
        startedAt: now,
        finishedAt: null,
        attempts: 0,
        nextAttemptAt: now,
        steps: initialSteps(flow),
        envelope,
      })),
    );
    tx.afterCommit(opts.wake);
  };
}
