// The delivery log of one subscription: each delivery with every attempt (time, status code, latency, error), its
// event, the request and response bodies (first 4 KiB), *Retry now* of a pending or failed delivery, and replay of
// the subscription's events since a time. Polls while deliveries are pending.
import { useEffect, useState, type FormEvent } from 'react';
import { api, type List } from './api.ts';
import { num, when } from './format.ts';
import { pollMs } from './job-progress.tsx';
import { eventPath } from './EventView.tsx';
import { Link } from './Link.tsx';
import type { Delivery, DeliveryDetail, Subscription } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox, Field } from './widgets.tsx';

const statuses = ['', 'pending', 'succeeded', 'failed'] as const;

export function DeliveryLog({ subscription }: { subscription: Subscription }) {
  const [status, setStatus] = useState<string>('');
  const base = `~/subscriptions/${subscription.id}`;
  const log = useLoad(
    () => api.get<List<Delivery>>(`${base}/deliveries?limit=200${status ? `&status=${status}` : ''}`),
    [base, status],
  );
  const action = useAction();
  const list = log.data?.value ?? [];
  const pending = list.some((d) => d.status === 'pending');
  const reload = log.reload;
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(reload, pollMs);
    return () => clearTimeout(t);
  }, [pending, log.data, reload]);

  const retry = (d: Delivery) =>
    action.run(async () => {
      await api.post(`${base}/deliveries/${d.id}/retry`);
      reload();
    });

  return (
    <section className="card" aria-label="Delivery log">
      <header className="page-header">
        <h2>
          Delivery log: <span className="mono">{subscription.url}</span>
        </h2>
        <div className="row">
          <select aria-label="Delivery status" value={status} onChange={(e) => setStatus(e.target.value)}>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s || 'all'}
              </option>
            ))}
          </select>
          <button type="button" onClick={reload}>
            Reload
          </button>
        </div>
      </header>
      <Replay base={base} onReplayed={reload} />
      <ErrorBox error={action.error ?? log.error} />
      {list.length === 0 && !log.loading ? <Empty>No deliveries{status ? ` ${status}` : ''} yet.</Empty> : null}
      {list.map((d) => (
        <DeliveryItem key={d.id} base={base} delivery={d} busy={action.busy} onRetry={() => void retry(d)} />
      ))}
    </section>
  );
}

/** One delivery: its summary with *Retry now*; opened, its event and its bodies (loaded when first opened). */
function DeliveryItem(props: { base: string; delivery: Delivery; busy: boolean; onRetry: () => void }) {
  const d = props.delivery;
  const [open, setOpen] = useState(d.status === 'failed');
  return (
    <details
      className="run"
      data-delivery={d.id}
      open={open || undefined}
      onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}
    >
      <summary>
        <Badge status={d.status} /> <span className="mono">{d.eventType}</span> · {when(d.createdAt)} ·{' '}
        {d.attempts.length} {d.attempts.length === 1 ? 'attempt' : 'attempts'}
        {d.status === 'pending' && d.nextAttemptAt ? ` · next ${when(d.nextAttemptAt)}` : ''}
        {d.status !== 'succeeded' ? (
          <button
            type="button"
            aria-label={`Retry now: delivery ${d.id}`}
            onClick={(e) => {
              e.preventDefault();
              props.onRetry();
            }}
            disabled={props.busy}
          >
            Retry now
          </button>
        ) : null}
      </summary>
      <p>
        Event <Link to={eventPath(d.eventId)}>{d.eventId}</Link>
      </p>
      {open ? <Bodies base={props.base} delivery={d} /> : null}
    </details>
  );
}

/** The attempts of a delivery with the request body as sent and each response body (the first 4 KiB of each). */
function Bodies({ base, delivery }: { base: string; delivery: Delivery }) {
  const detail = useLoad(
    () => api.get<DeliveryDetail>(`${base}/deliveries/${delivery.id}`),
    [base, delivery.id, delivery.attempts.length, delivery.status],
  );
  const d = detail.data;
  if (detail.error) return <ErrorBox error={detail.error} />;
  if (!d) return <Attempts delivery={delivery} />;
  return (
    <>
      <Attempts delivery={d} />
      <h3>Request body</h3>
      <textarea className="code" readOnly rows={6} aria-label={`Request body of ${d.id}`} value={d.request.body} />
      {d.request.truncated ? <p className="muted">The first 4 KiB of {num(d.request.bytes)} bytes.</p> : null}
      {d.attempts.map((a, i) =>
        a.response ? (
          <div key={`${a.at}:${i}`}>
            <h3>Response body of attempt {i + 1}</h3>
            <textarea
              className="code"
              readOnly
              rows={4}
              aria-label={`Response body of attempt ${i + 1} of ${d.id}`}
              value={a.response}
            />
          </div>
        ) : null,
      )}
      <p className="muted">Bodies are shown up to their first 4 KiB.</p>
    </>
  );
}

function Attempts({ delivery }: { delivery: Delivery }) {
  if (delivery.attempts.length === 0) return <p className="muted">Not attempted yet.</p>;
  return (
    <table className="table" aria-label={`Attempts of ${delivery.id}`}>
      <thead>
        <tr>
          <th>#</th>
          <th>Time</th>
          <th>Status code</th>
          <th>Latency</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {delivery.attempts.map((a, i) => (
          <tr key={`${a.at}:${i}`}>
            <td>{i + 1}</td>
            <td>{when(a.at)}</td>
            <td className="mono">{a.statusCode ?? '—'}</td>
            <td>{num(a.latencyMs)} ms</td>
            <td>{a.error ? <span className="error-inline">{a.error}</span> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Local date-time text for a datetime-local input, an hour ago. */
function anHourAgo(): string {
  const d = new Date(Date.now() - 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function Replay({ base, onReplayed }: { base: string; onReplayed: () => void }) {
  const [since, setSince] = useState(anHourAgo);
  const [queued, setQueued] = useState<number | null>(null);
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const r = await api.post<{ count: number }>(`${base}/replay`, { since: new Date(since).toISOString() });
      setQueued(r.count);
      onReplayed();
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Replay">
      <Field label="Replay events since">
        <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} required />
      </Field>
      <button type="submit" disabled={action.busy}>
        Replay
      </button>
      {queued !== null ? <span className="ok">Queued {num(queued)} deliveries.</span> : null}
      <ErrorBox error={action.error} />
    </form>
  );
}
