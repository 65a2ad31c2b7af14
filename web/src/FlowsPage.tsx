// Flows: the list (/flows) with triggers and steps by their names, and one flow (/flows/{id}, /flows/new): the
// editor, Test on a sample event, and the run history.
import { api, listOrEmpty } from './api.ts';
import { FlowEditor, newFlow } from './FlowEditor.tsx';
import { RunHistory, TestRun } from './FlowRuns.tsx';
import { Link } from './Link.tsx';
import { navigate, useQueryParam } from './router.ts';
import type { PageProps } from './routes.tsx';
import { stepLabel, triggerLabel } from './names.ts';
import type { Flow } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { BackLink, Empty, ErrorBox, NotFound, Progress } from './widgets.tsx';

export function FlowsPage({ item }: PageProps) {
  const step = useQueryParam('step') ?? undefined;
  if (item === 'new') return <FlowItem flow={newFlow(step)} />;
  if (item) return <FlowById id={item} />;
  return <FlowList />;
}

function FlowList() {
  const flows = useLoad(() => listOrEmpty<Flow>('~/flows'), []);
  const action = useAction();
  const remove = (f: Flow) => {
    if (!window.confirm(`Delete flow ${f.name} and its runs?`)) return;
    void action.run(async () => {
      await api.del(`~/flows/${f.id}`);
      flows.reload();
    });
  };
  const list = flows.data?.value ?? [];
  return (
    <section>
      <header className="page-header">
        <h1>Flows</h1>
        <Link className="button primary" to="/flows/new">
          New flow
        </Link>
      </header>
      <ErrorBox error={action.error ?? flows.error} />
      {flows.data?.missing ? <Empty>This server does not offer built-in flows.</Empty> : null}
      {list.length === 0 && !flows.loading && !flows.data?.missing ? (
        <Empty>No flows yet. A flow is one trigger plus ordered steps (Teams, Slack, e-mail, HTTP, data).</Empty>
      ) : null}
      {list.length ? (
        <div className="table-box">
          <table className="table" aria-label="Flows">
            <thead>
              <tr>
                <th>Name</th>
                <th>Trigger</th>
                <th>Steps</th>
                <th>Enabled</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Link to={`/flows/${encodeURIComponent(f.id)}`}>{f.name}</Link>
                  </td>
                  <td>{triggerLabel(f.trigger.type)}</td>
                  <td>{f.steps.map((s) => stepLabel(s.type)).join(' → ')}</td>
                  <td>{f.enabled ? 'yes' : 'no'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${f.name}`}
                      onClick={() => remove(f)}
                      disabled={action.busy}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function FlowById({ id }: { id: string }) {
  const flow = useLoad(() => api.get<Flow>(`~/flows/${encodeURIComponent(id)}`), [id]);
  if (flow.error) return <NotFound what="flow" id={id} back="/flows" error={flow.error} />;
  if (!flow.data) return <Progress label="Loading the flow" />;
  return <FlowItem flow={flow.data} onChanged={flow.reload} />;
}

function FlowItem({ flow, onChanged }: { flow: Flow; onChanged?: () => void }) {
  return (
    <section>
      <BackLink to="/flows">Flows</BackLink>
      <FlowEditor
        key={flow.id || `new:${flow.steps[0]?.type ?? ''}`}
        flow={flow}
        onSaved={(f) => (flow.id ? onChanged?.() : navigate(`/flows/${encodeURIComponent(f.id)}`, { replace: true }))}
      />
      {flow.id ? <TestRun flow={flow} /> : null}
      {flow.id ? <RunHistory flowId={flow.id} /> : null}
    </section>
  );
}
