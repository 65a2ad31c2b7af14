// The webhook sink (styles "webhook" and "powerautomate"): inside the emitting transaction, events for a
// subscription become pending deliveries, due at once. The worker is woken after commit, so an event is sent within
// milliseconds, and a crash before it is sent loses nothing: the row is picked up on the next start.
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Sink } from '../events/index.ts';
import { insertDeliveries } from './deliveries.sql.ts';

export function webhookSink(opts: { clock: Clock; wake: () => void }): Sink {
  return async (tx, envelopes) => {
    const now = opts.clock.now().toISOString();
    await insertDeliveries(
      tx,
      envelopes.map((envelope) => ({ id: newId('dlv'), envelope, now })),
    );
    tx.afterCommit(opts.wake);
  };
}
