// Power Automate > Set up: creates a connection whose key (shown once) the connector signs in with, offers the
// connector definition for download with import instructions, and opens the built-in flow editor.
import { useState, type FormEvent } from 'react';
import { api } from './api.ts';
import { navigate } from './router.ts';
import { triggerLabel } from './names.ts';
import { eventTypeOf, triggerNames } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { CopyButton, ErrorBox, Field } from './widgets.tsx';

const roles = ['viewer', 'contributor', 'admin'] as const;

interface CreatedConnection {
  id: string;
  name: string;
  role: string;
  key: string;
}

export function PowerAutomateSetup({ onCreated }: { onCreated: () => void }) {
  const [created, setCreatedState] = useState<CreatedConnection | null>(null);
  const setCreated = (c: CreatedConnection) => {
    setCreatedState(c);
    onCreated();
  };
  return (
    <section className="card" aria-label="Power Automate setup">
      <h2>Set up Power Automate</h2>
      <h3>1. Create a connection</h3>
      {created ? <KeyOnce connection={created} /> : <ConnectionForm onCreated={setCreated} />}
      <h3>2. Import the connector</h3>
      <ConnectorImport />
      <h3>3. Or automate here</h3>
      <p className="muted">
        Built-in flows run inside Insightflow on the same seven triggers, without Power Automate: Teams, Slack, e-mail,
        HTTP and data steps.
      </p>
      <button type="button" className="primary" onClick={() => navigate('/flows/new')}>
        Create a flow
      </button>
    </section>
  );
}

function ConnectionForm({ onCreated }: { onCreated: (c: CreatedConnection) => void }) {
  const [name, setName] = useState('Power Automate');
  const [role, setRole] = useState<string>('contributor');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => onCreated(await api.post<CreatedConnection>('~/connections', { name, role })));
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Create a connection">
      <p className="muted">
        The connector signs in with the key of a connection. Triggers need <strong>contributor</strong> (they create
        subscriptions); read-only flows can use <strong>viewer</strong>.
      </p>
      <div className="grid2">
        <Field label="Connection name">
          <input name="connectionName" value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Role">
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorBox error={action.error} />
      <button type="submit" className="primary" disabled={action.busy}>
        Create connection
      </button>
    </form>
  );
}

function KeyOnce({ connection }: { connection: CreatedConnection }) {
  return (
    <div className="notice" role="status" aria-label="Connection key">
      <strong>
        Connection {connection.name} ({connection.role}) created. Copy its key now: it is shown only once.
      </strong>
      <div className="secret">
        <code data-testid="connection-key">{connection.key}</code>
        <CopyButton text={connection.key} />
      </div>
      Paste it as the API key when Power Automate asks for a connection to Insightflow.
    </div>
  );
}

interface ConnectorTarget {
  host: string;
  basePath: string;
  schemes: string[];
}

/** The base URL the connector definition points Power Automate at (INSIGHTFLOW_PUBLIC_URL, else from the request). */
export function ConnectorUrl() {
  const target = useLoad(() => api.get<ConnectorTarget>('/v1/connector/swagger.json'), []);
  if (!target.data) return <ErrorBox error={target.error} />;
  const scheme = target.data.schemes[0] ?? 'http';
  const url = `${scheme}://${target.data.host}${target.data.basePath === '/' ? '' : target.data.basePath}`;
  return (
    <div aria-label="Connector URL">
      <p>
        Power Automate will call <code data-testid="connector-url">{url}</code> <CopyButton text={url} />
      </p>
      {scheme !== 'https' && (
        <p className="error" role="alert" data-testid="connector-url-warning">
          This URL is not HTTPS: Power Automate reaches custom connectors only over HTTPS. Put Insightflow behind an
          HTTPS reverse proxy and set INSIGHTFLOW_PUBLIC_URL (or INSIGHTFLOW_TRUSTED_PROXIES) — see the Power Automate
          guide.
        </p>
      )}
    </div>
  );
}

function ConnectorImport() {
  return (
    <>
      <ConnectorUrl />
      <div className="row">
        <a className="button primary" href="/v1/connector/package.zip" download="insightflow-connector.zip">
          Download connector package (.zip)
        </a>
        <a className="button" href="/v1/connector/swagger.json" download="insightflow.swagger.json">
          Download connector definition (swagger.json)
        </a>
        <a className="button" href="/v1/connector/apiProperties.json" download="apiProperties.json">
          Download API properties (apiProperties.json)
        </a>
      </div>
      <ol className="instructions">
        <li>
          Power Automate calls this server from Microsoft&apos;s cloud: it must be reachable over HTTPS at the URL above
          (the definition&apos;s <span className="mono">host</span>, <span className="mono">schemes</span> and{' '}
          <span className="mono">basePath</span> are set to it).
        </li>
        <li>
          In Power Automate open <em>Data › Custom connectors › New custom connector › Import an OpenAPI file</em>, name
          it &quot;Insightflow&quot; and choose the downloaded file.
        </li>
        <li>
          On <em>Security</em> the authentication is already <em>API Key</em> in header{' '}
          <span className="mono">api-key</span>; label the parameter &quot;API key&quot;. Then <em>Create connector</em>
          .
        </li>
        <li>
          In a flow, add an Insightflow trigger or action and paste the key above as the connection&apos;s API key.
        </li>
      </ol>
      <h4>Triggers of the connector</h4>
      <ul aria-label="Connector triggers">
        {triggerNames.map((t) => (
          <li key={t}>
            {triggerLabel(t)} <span className="mono muted">{eventTypeOf[t]}</span>
          </li>
        ))}
      </ul>
      <p className="muted">
        The package holds apiDefinition.swagger.json, apiProperties.json, icon.png and readme.md. With the Power
        Platform CLI instead of the portal, unzip it and run{' '}
        <span className="mono">
          pac connector create --api-definition-file apiDefinition.swagger.json --api-properties-file apiProperties.json
          --icon-file icon.png
        </span>{' '}
        (or{' '}
        <span className="mono">paconn create --api-def apiDefinition.swagger.json --api-prop apiProperties.json</span>
        ); the CLI keeps the policy that routes page links through the connector.
      </p>
    </>
  );
}
