// The webhook sink (styles "webhook" and "powerautomate"): inside the emitting transaction, an event for a
// subscription becomes a pending delivery, due at once. The worker is woken after commit, so the event is sent within
// milliseconds, and a crash before it is sent loses nothing: the row is picked up on the next start.
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Sink } from '../events/index.ts';
import { insertDelivery } from './deliveries.sql.ts';

export function webhookSink(opts: { clock: Clock; wake: () => void }): Sink {
  return async (tx, envelope) => {
    await insertDelivery(tx, { id: newId('dlv'), envelope, now: opts.clock.now().toISOString() });
    tx.afterCommit(opts.wake);
  };
}
