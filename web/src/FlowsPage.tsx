// Flows: the list, the editor, and each flow's run history with every step's status, output and error; re-run.
import { useEffect, useState } from 'react';
import { api, listOrEmpty } from './api.ts';
import { duration, when } from './format.ts';
import { FlowEditor, newFlow } from './FlowEditor.tsx';
import { pollMs } from './job-progress.tsx';
import { navigate, usePath } from './router.ts';
import type { Flow, FlowRun } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox, Json } from './widgets.tsx';

export function FlowsPage() {
  const path = usePath();
  const flows = useLoad(() => listOrEmpty<Flow>('~/flows'), []);
  const [editing, setEditing] = useState<Flow | null>(null);
  const action = useAction();

  useEffect(() => {
    if (path === '/flows/new') {
      const step = new URLSearchParams(window.location.search).get('step') ?? undefined;
      setEditing(newFlow(step));
    }
  }, [path]);

  const remove = (f: Flow) => {
    if (!window.confirm(`Delete flow ${f.name} and its runs?`)) return;
    void action.run(async () => {
      await api.del(`~/flows/${f.id}`);
      setEditing(null);
      flows.reload();
    });
  };

  const list = flows.data?.value ?? [];
  return (
    <section>
      <header className="page-header">
        <h1>Flows</h1>
        <button type="button" className="primary" onClick={() => setEditing(newFlow())}>
          New flow
        </button>
      </header>
      <ErrorBox error={action.error ?? flows.error} />
      {flows.data?.missing ? <Empty>This server does not offer built-in flows.</Empty> : null}
      {list.length === 0 && !flows.loading && !flows.data?.missing ? (
        <Empty>No flows yet. A flow is one trigger plus ordered steps (Teams, Slack, e-mail, HTTP, data).</Empty>
      ) : null}
      {list.length ? (
        <table className="table clickable" aria-label="Flows">
          <thead>
            <tr>
              <th>Name</th>
              <th>Trigger</th>
              <th>Steps</th>
              <th>Enabled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((f) => (
              <tr key={f.id} onClick={() => setEditing(f)} className={editing?.id === f.id ? 'selected' : undefined}>
                <td>{f.name}</td>
                <td className="mono">{f.trigger.type}</td>
                <td>{f.steps.map((s) => s.type).join(' → ')}</td>
                <td>{f.enabled ? 'yes' : 'no'}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="danger"
                    onClick={(e) => {
                      e.stopPropagation();
                      remove(f);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing ? (
        <FlowEditor
          key={editing.id || `new:${editing.steps[0]?.type ?? ''}`}
          flow={editing}
          onSaved={(f) => {
            setEditing(f);
            flows.reload();
            if (path !== '/flows') navigate('/flows');
          }}
        />
      ) : null}
      {editing?.id ? <RunHistory flowId={editing.id} /> : null}
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
