// Webhook > Add webhook: a generic webhook subscription (POST ~/subscriptions) for one trigger with its parameters;
// the signing secret is shown once.
import { useState, type FormEvent } from 'react';
import { api } from './api.ts';
import { navigate } from './router.ts';
import type { Subscription } from './shapes.ts';
import { cleanParams, TriggerParams, type Params } from './TriggerParams.tsx';
import { useTriggers } from './triggers.ts';
import { useAction } from './use-load.ts';
import { CopyButton, ErrorBox, Field } from './widgets.tsx';

type Created = Subscription & { secret: string };

export function WebhookSetup() {
  const [created, setCreated] = useState<Created | null>(null);
  return (
    <section className="card" aria-label="Webhook setup">
      <h2>Add a webhook</h2>
      {created ? (
        <div className="notice" role="status" aria-label="Webhook secret">
          <strong>Webhook {created.id} created. Copy its signing secret now: it is shown only once.</strong>
          <div className="secret">
            <code>{created.secret}</code>
            <CopyButton text={created.secret} />
          </div>
          Verify the <span className="mono">webhook-signature</span> header with any Standard Webhooks library.
          <div className="row">
            <button type="button" onClick={() => navigate('/deliveries')}>
              View deliveries
            </button>
            <button type="button" onClick={() => setCreated(null)}>
              Add another
            </button>
          </div>
        </div>
      ) : (
        <WebhookForm onCreated={setCreated} />
      )}
    </section>
  );
}

function WebhookForm({ onCreated }: { onCreated: (c: Created) => void }) {
  const [url, setUrl] = useState('');
  const triggers = useTriggers();
  const [trigger, setTrigger] = useState<string>('datasource-refresh-failed');
  const info = triggers.find((t) => t.name === trigger);
  const [params, setParams] = useState<Params>({});
  const [format, setFormat] = useState('standard');
  const [description, setDescription] = useState('');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const body = {
        url,
        eventTypes: [info?.eventType ?? trigger],
        format,
        ...(description ? { description } : {}),
        ...cleanParams(info, params),
      };
      onCreated(await api.post<Created>('~/subscriptions', body));
    });
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Add webhook">
      <div className="grid2">
        <Field label="Endpoint URL" hint="Private and loopback addresses need INSIGHTFLOW_ALLOWED_TARGETS.">
          <input
            name="url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://example.com/hooks/insightflow"
            required
          />
        </Field>
        <Field label="Trigger">
          <select aria-label="Trigger" value={trigger} onChange={(e) => setTrigger(e.target.value)}>
            {triggers.map((t) => (
              <option key={t.name} value={t.name}>
                {t.summary}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Format">
          <select aria-label="Format" value={format} onChange={(e) => setFormat(e.target.value)}>
            <option value="standard">Standard Webhooks envelope</option>
            <option value="cloudevents">CloudEvents 1.0</option>
          </select>
        </Field>
        <Field label="Description">
          <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      <h3>Trigger parameters</h3>
      <TriggerParams trigger={info} params={params} onChange={setParams} />
      <ErrorBox error={action.error} />
      <button type="submit" className="primary" disabled={action.busy}>
        Create webhook
      </button>
    </form>
  );
}
