// A flow's runs: Test (runs the saved flow now on a sample event of its trigger and shows each step's output), and
// the run history — each run with the event that started it (and a link to the event's page), every step's status,
// output and error, and Re-run.
// A run opens from the URL (?run=…), so a link to it can be shared.
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import { duration, when } from './format.ts';
import { eventPath } from './EventView.tsx';
import { pollMs } from './job-progress.tsx';
import { Link } from './Link.tsx';
import { stepLabel } from './names.ts';
import { useQueryParam } from './router.ts';
import type { Flow, FlowRun } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox, Json } from './widgets.tsx';

type Run = FlowRun & { event?: { id: string; type: string; time: string; data: unknown } };
type TestResult = Run & { eventSource: 'stored' | 'made up' };

export function TestRun({ flow }: { flow: Flow }) {
  const [result, setResult] = useState<TestResult | null>(null);
  const action = useAction();
  const test = () =>
    action.run(async () => {
      setResult(null);
      setResult(await api.post<TestResult>(`~/flows/${flow.id}/test`));
    });
  return (
    <section className="card" aria-label="Test">
      <header className="page-header">
        <h2>Test</h2>
        <button type="button" className="primary" onClick={() => void test()} disabled={action.busy}>
          {action.busy ? 'Testing…' : 'Test'}
        </button>
      </header>
      <p className="muted">
        Runs the saved flow now on a sample event of its trigger — the newest such event of this instance, or one made
        up from the trigger&apos;s settings — and shows what each step did. The steps really run: messages are sent.
      </p>
      <ErrorBox error={action.error} />
      {result ? (
        <div role="status" aria-label="Test result">
          <p>
            <Badge status={result.status} /> on{' '}
            {result.eventSource === 'stored' ? 'the newest event' : 'a made-up event'}{' '}
            <span className="mono">{result.eventId}</span>
          </p>
          <StepResults run={result} flow={flow} />
          <EventDetails run={result} />
        </div>
      ) : null}
    </section>
  );
}

export function RunHistory({ flowId }: { flowId: string }) {
  const runs = useLoad(() => api.get<{ value: Run[] }>(`~/flows/${flowId}/runs`), [flowId]);
  const opened = useQueryParam('run');
  const action = useAction();
  const list = runs.data?.value ?? [];
  const running = list.some((r) => r.status === 'running');
  const reload = runs.reload;
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(reload, pollMs);
    return () => clearTimeout(t);
  }, [running, runs.data, reload]);

  const rerun = (r: Run) =>
    action.run(async () => {
      await api.post(`~/flows/${flowId}/runs/${r.id}/rerun`);
      reload();
    });

  return (
    <section className="card" aria-label="Runs">
      <header className="page-header">
        <h2>Runs</h2>
        <button type="button" onClick={reload}>
          Reload
        </button>
      </header>
      <ErrorBox error={action.error ?? runs.error} />
      {list.length === 0 ? <Empty>No runs yet: the flow runs when its trigger fires.</Empty> : null}
      {list.map((r) => (
        <details key={r.id} id={r.id} className="run" open={r.id === opened || undefined}>
          <summary>
            <Badge status={r.status} /> {when(r.startedAt)} · {duration(r.startedAt, r.finishedAt)} · event{' '}
            <span className="mono">{r.event?.type ?? r.eventId}</span>
          </summary>
          <div className="row">
            <button type="button" onClick={() => void rerun(r)} disabled={action.busy}>
              Re-run
            </button>
            <Link to={eventPath(r.eventId)}>Open the event {r.eventId}</Link>
          </div>
          <StepResults run={r} />
          <EventDetails run={r} />
        </details>
      ))}
    </section>
  );
}

function StepResults({ run, flow }: { run: Run; flow?: Flow }) {
  const typeOf = (name: string) => flow?.steps.find((s) => s.name === name)?.type;
  return (
    <div className="table-box">
      <table className="table" aria-label={`Steps of run ${run.id}`}>
        <thead>
          <tr>
            <th>Step</th>
            <th>Status</th>
            <th>Output / error</th>
          </tr>
        </thead>
        <tbody>
          {run.steps.map((s) => (
            <tr key={s.name}>
              <td>
                {s.name}
                {typeOf(s.name) ? <div className="muted">{stepLabel(typeOf(s.name) as string)}</div> : null}
              </td>
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
    </div>
  );
}

/** The event that started a run, with its data. */
function EventDetails({ run }: { run: Run }) {
  if (!run.event) return null;
  return (
    <details className="event" id={`event-${run.event.id}`}>
      <summary>
        Event <span className="mono">{run.event.id}</span> · {run.event.type} · {when(run.event.time)}
      </summary>
      <Json value={run.event} />
    </details>
  );
}
