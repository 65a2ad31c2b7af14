// One event by its URL (/deliveries/events/{id}): its type, time, subject and data, as flow runs and deliveries link
// to it. Shown by the Deliveries page, which marks its place in the navigation.
import { api } from './api.ts';
import { when } from './format.ts';
import type { StoredEvent } from './shapes.ts';
import { useLoad } from './use-load.ts';
import { BackLink, Json, NotFound } from './widgets.tsx';

/** The page of an event. */
export const eventPath = (id: string): string => `/deliveries/events/${encodeURIComponent(id)}`;

export function EventView({ id }: { id: string }) {
  const event = useLoad(() => api.get<StoredEvent>(`~/events/${encodeURIComponent(id)}`), [id]);
  if (event.error) return <NotFound what="event" id={id} back="/deliveries" error={event.error} />;
  const e = event.data;
  return (
    <section>
      <BackLink to="/deliveries">Deliveries</BackLink>
      <header className="page-header">
        <h1>
          Event <span className="mono">{id}</span>
        </h1>
      </header>
      {e ? (
        <div className="card">
          <dl className="props">
            <dt>Type</dt>
            <dd>
              <span className="mono">{e.type}</span>
            </dd>
            <dt>Time</dt>
            <dd>{when(e.time)}</dd>
            {e.subject ? (
              <>
                <dt>Subscription</dt>
                <dd className="mono">{e.subject}</dd>
              </>
            ) : null}
          </dl>
          <h2>Data</h2>
          <Json value={e.data} />
        </div>
      ) : null}
    </section>
  );
}
