// Flows: the list, the editor, and each flow's run history with every step's status, output and error; re-run.
import { useEffect } from 'react';
import { api, listOrEmpty } from './api.ts';
import { duration, when } from './format.ts';
import { FlowEditor, newFlow } from './FlowEditor.tsx';
import { pollMs } from './job-progress.tsx';
import { Link } from './Link.tsx';
import { navigate, useQueryParam } from './router.ts';
import type { PageProps } from './routes.tsx';
import { stepLabel, triggerLabel } from './names.ts';
import type { Flow, FlowRun } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { BackLink, Badge, Empty, ErrorBox, Json, NotFound, Progress } from './widgets.tsx';

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
      {flow.id ? <RunHistory flowId={flow.id} /> : null}
    </section>
  );
}

function RunHistory({ flowId }: { flowId: string }) {
  const runs = useLoad(() => api.get<{ value: FlowRun[] }>(`~/flows/${flowId}/runs`), [flowId]);
  const action = useAction();
  const list = runs.data?.value ?? [];
  const running = list.some((r) => r.status === 'running');
  const reload = runs.reload;
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(reload, pollMs);
    return () => clearTimeout(t);
  }, [running, runs.data, reload]);

  const rerun = (r: FlowRun) =>
    action.run(async () => {
      await api.post(`~/flows/${flowId}/runs/${r.id}/rerun`);
      reload();
    });

  return (
    <div className="card">
      <header className="page-header">
        <h2>Runs</h2>
        <button type="button" onClick={reload}>
          Reload
        </button>
      </header>
      <ErrorBox error={action.error ?? runs.error} />
      {list.length === 0 ? <Empty>No runs yet: the flow runs when its trigger fires.</Empty> : null}
      {list.map((r) => (
        <details key={r.id} className="run">
          <summary>
            <Badge status={r.status} /> {when(r.startedAt)} · {duration(r.startedAt, r.finishedAt)} · event{' '}
            <span className="mono">{r.eventId}</span>
            <button
              type="button"
              onClick={(e) => {
                e.preventDefault();
                void rerun(r);
              }}
              disabled={action.busy}
            >
              Re-run
            </button>
          </summary>
          <table className="table">
            <thead>
              <tr>
                <th>Step</th>
                <th>Status</th>
                <th>Output / error</th>
              </tr>
            </thead>
            <tbody>
              {r.steps.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>
                    <Badge status={s.status} />
                  </td>
                  <td>
                    {s.error ? (
                      <div className="error-inline">
                        <strong>{s.error.code}</strong>: {s.error.message}
                      </div>
                    ) : null}
                    {s.output !== null && s.output !== undefined ? <Json value={s.output} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </div>
  );
}
