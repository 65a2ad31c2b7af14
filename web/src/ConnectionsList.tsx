// The connections of the instance (the credentials clients such as the Power Automate connector sign in with): name,
// role, the start of the key, created and last used (to the minute), and *Revoke*, after which the key is refused.
import { api, ApiError, type List } from './api.ts';
import { when } from './format.ts';
import { useAction, type Loaded } from './use-load.ts';
import { Empty, ErrorBox } from './widgets.tsx';

export interface Connection {
  id: string;
  name: string;
  role: string;
  keyPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export function ConnectionsList({ connections }: { connections: Loaded<List<Connection>> }) {
  const action = useAction();
  const revoke = (c: Connection) => {
    if (!window.confirm(`Revoke the connection ${c.name}? Its key stops working at once.`)) return;
    void action.run(async () => {
      await api.del(`~/connections/${encodeURIComponent(c.id)}`);
      connections.reload();
    });
  };
  const forbidden = connections.error instanceof ApiError && connections.error.status === 403;
  const list = connections.data?.value ?? [];
  return (
    <section className="card" aria-labelledby="connections-title">
      <h2 id="connections-title">Connections</h2>
      {forbidden ? (
        <Empty>Only an admin of the instance sees its connections.</Empty>
      ) : (
        <ErrorBox error={action.error ?? connections.error} />
      )}
      {!forbidden && list.length === 0 && !connections.loading ? (
        <Empty>No connections yet: Power Automate › Set up creates one.</Empty>
      ) : null}
      {list.length ? (
        <div className="table-box">
          <table className="table" aria-label="Connections">
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>Key starts with</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{c.role}</td>
                  <td className="mono">{c.keyPrefix}…</td>
                  <td>{when(c.createdAt)}</td>
                  <td>{c.lastUsedAt ? when(c.lastUsedAt) : 'never'}</td>
                  <td className="actions">
                    <button type="button" className="danger" onClick={() => revoke(c)} disabled={action.busy}>
                      Revoke {c.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="muted">Last used is kept to the minute.</p>
    </section>
  );
}
