// Deliveries: the webhook and Power Automate subscriptions of the instance (enable, disable, rotate the signing
// secret, delete) and, for the chosen one (in the URL: ?subscription=…), its delivery log with every attempt, retry
// and replay. An event that a delivery or a flow run links to opens at /deliveries/events/{id}.
import { useState } from 'react';
import { api, listOrEmpty } from './api.ts';
import { DeliveryLog } from './DeliveryLog.tsx';
import { EventView } from './EventView.tsx';
import { Link } from './Link.tsx';
import { useQueryParam } from './router.ts';
import type { PageProps } from './routes.tsx';
import { when } from './format.ts';
import type { Subscription } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, CopyButton, Empty, ErrorBox } from './widgets.tsx';

export function DeliveriesPage({ item }: PageProps) {
  if (item?.startsWith('events/')) return <EventView id={item.slice('events/'.length)} />;
  return <Subscriptions />;
}

function Subscriptions() {
  const subs = useLoad(() => listOrEmpty<Subscription>('~/subscriptions'), []);
  const chosen = useQueryParam('subscription');
  const list = subs.data?.value ?? [];
  const selected = list.find((s) => s.id === chosen) ?? list[0];
  return (
    <section>
      <header className="page-header">
        <h1>Deliveries</h1>
        <button type="button" onClick={subs.reload}>
          Reload
        </button>
      </header>
      <ErrorBox error={subs.error} />
      {subs.data?.missing ? <Empty>This server does not offer webhook subscriptions.</Empty> : null}
      {list.length === 0 && !subs.loading && !subs.data?.missing ? (
        <Empty>
          No subscriptions yet. Add a webhook under Admin › Export destinations, or subscribe from Power Automate.
        </Empty>
      ) : null}
      {list.length ? <SubscriptionTable list={list} selectedId={selected?.id} onChanged={subs.reload} /> : null}
      {selected ? <DeliveryLog key={selected.id} subscription={selected} /> : null}
    </section>
  );
}

function SubscriptionTable({
  list,
  selectedId,
  onChanged,
}: {
  list: Subscription[];
  selectedId: string | undefined;
  onChanged: () => void;
}) {
  const action = useAction();
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);

  const setEnabled = (s: Subscription, enabled: boolean) =>
    action.run(async () => {
      await api.patch(`~/subscriptions/${s.id}`, { enabled });
      onChanged();
    });
  const rotate = (s: Subscription) =>
    action.run(async () => {
      const r = await api.post<Subscription & { secret: string }>(`~/subscriptions/${s.id}/rotate-secret`);
      setSecret({ id: s.id, secret: r.secret });
    });
  const remove = (s: Subscription) => {
    if (!window.confirm(`Delete the subscription to ${s.url} and its delivery log?`)) return;
    void action.run(async () => {
      await api.del(`~/subscriptions/${s.id}`);
      onChanged();
    });
  };

  return (
    <>
      <ErrorBox error={action.error} />
      {secret ? (
        <div className="notice" role="status">
          <strong>New signing secret of {secret.id}</strong> — shown only now. The previous secret keeps signing (a
          second signature) for 24 hours.
          <div className="secret">
            <code>{secret.secret}</code>
            <CopyButton text={secret.secret} />
          </div>
        </div>
      ) : null}
      <div className="table-box">
        <table className="table" aria-label="Subscriptions">
          <thead>
            <tr>
              <th>URL</th>
              <th>Kind</th>
              <th>Events</th>
              <th>State</th>
              <th>Created</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id} className={s.id === selectedId ? 'selected' : undefined}>
                <td className="mono">
                  <Link
                    to={`/deliveries?subscription=${encodeURIComponent(s.id)}`}
                    aria-current={s.id === selectedId ? 'true' : undefined}
                  >
                    {s.url}
                  </Link>
                </td>
                <td>
                  {s.style}
                  {s.format === 'cloudevents' ? ' · CloudEvents' : ''}
                </td>
                <td className="mono">{s.eventTypes.join(', ')}</td>
                <td>
                  <Badge status={s.enabled ? 'enabled' : 'disabled'} />
                  {s.disabledReason ? <div className="muted">{s.disabledReason}</div> : null}
                </td>
                <td>{when(s.createdAt)}</td>
                <td className="actions">
                  <button type="button" onClick={() => void setEnabled(s, !s.enabled)} disabled={action.busy}>
                    {s.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button type="button" onClick={() => void rotate(s)} disabled={action.busy}>
                    Rotate secret
                  </button>
                  <button type="button" className="danger" onClick={() => remove(s)} disabled={action.busy}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
