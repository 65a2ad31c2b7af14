// The delivery log of one subscription: each delivery with every attempt (time, status code, latency, error), retry
// of a failed delivery, and replay of the subscription's events since a time. Polls while deliveries are pending.
import { useEffect, useState, type FormEvent } from 'react';
import { api, type List } from './api.ts';
import { num, when } from './format.ts';
import { pollMs } from './job-progress.tsx';
import type { Delivery, Subscription } from './shapes.ts';
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
        <details key={d.id} className="run" data-delivery={d.id} open={d.status === 'failed' || undefined}>
          <summary>
            <Badge status={d.status} /> <span className="mono">{d.eventType}</span> · {when(d.createdAt)} ·{' '}
            {d.attempts.length} {d.attempts.length === 1 ? 'attempt' : 'attempts'}
            {d.status === 'pending' && d.nextAttemptAt ? ` · next ${when(d.nextAttemptAt)}` : ''}
            {d.status === 'failed' ? (
              <button
                type="button"
                onClick={(e) => {
                  e.preventDefault();
                  void retry(d);
                }}
                disabled={action.busy}
              >
                Retry
              </button>
            ) : null}
          </summary>
          <Attempts delivery={d} />
        </details>
      ))}
    </section>
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
