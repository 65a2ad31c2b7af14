// Unify: the map / match / merge configuration edited in forms (UnifyMapEditor, UnifyMatchEditor, UnifyMergeEditor)
// from the sources' schemas, a test of the edited configuration on the published data (what a run would count, per
// rule), saving it (validation messages inline), the statistics of the last run, and the JSON view as an extra.
import { useEffect, useState } from 'react';
import { api, ApiError, type List } from './api.ts';
import { duration, num, when } from './format.ts';
import { Link } from './Link.tsx';
import type { Status, TaskError } from './shapes.ts';
import { withDefaults, type UnificationConfig, type UnifyStats } from './unify-model.ts';
import { UnifyMapEditor, type SourceEntity } from './UnifyMapEditor.tsx';
import { UnifyMatchEditor } from './UnifyMatchEditor.tsx';
import { UnifyMergeEditor } from './UnifyMergeEditor.tsx';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox } from './widgets.tsx';

interface LastRun {
  jobId: string;
  status: Status;
  startedAt: string | null;
  finishedAt: string | null;
  error: TaskError | null;
  stats: (UnifyStats & Record<string, unknown>) | null;
}

/** The stored value, or null when there is none (404). */
async function orNull<T>(path: string): Promise<T | null> {
  try {
    return await api.get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

const asJson = (c: UnificationConfig) => JSON.stringify(c, null, 2);

export function UnifyPage() {
  const stored = useLoad(() => orNull<unknown>('~/manage/unification'), []);
  const entities = useLoad(() => api.get<List<SourceEntity>>('~/manage/entities'), []);
  const last = useLoad(() => orNull<LastRun>('~/manage/unification/statistics'), []);
  const [draft, setDraft] = useState<UnificationConfig | null>(null);
  const [json, setJson] = useState<{ text: string; edited: boolean }>({ text: '', edited: false });
  const [tested, setTested] = useState<UnifyStats>();
  const [saved, setSaved] = useState(false);
  const action = useAction();

  useEffect(() => {
    if (stored.data === undefined) return;
    const c = withDefaults(stored.data ?? {});
    setDraft(c);
    setJson({ text: asJson(c), edited: false });
  }, [stored.data]);

  const edit = (c: UnificationConfig) => {
    setDraft(c);
    setJson({ text: asJson(c), edited: false });
    setSaved(false);
  };
  /** The configuration to send: the JSON view's text when it was edited, else the forms'. */
  const current = (): UnificationConfig => {
    if (!json.edited) return draft as UnificationConfig;
    try {
      const c = withDefaults(JSON.parse(json.text));
      edit(c);
      return c;
    } catch (e) {
      throw new Error(`The configuration is not valid JSON: ${(e as Error).message}`);
    }
  };
  const save = () =>
    void action.run(async () => {
      setSaved(false);
      await api.put('~/manage/unification', current());
      setSaved(true);
    });
  const test = () =>
    void action.run(async () => {
      setTested(undefined);
      setTested(await api.post<UnifyStats>('~/manage/unification/test', current()));
    });

  const sources = (entities.data?.value ?? []).filter((e) => e.kind === 'source');
  return (
    <section>
      <header className="page-header">
        <h1>Unify</h1>
      </header>
      <ErrorBox error={stored.error ?? entities.error ?? last.error} />
      {stored.data === null ? (
        <Empty>Unification is not configured yet: map a source below, add a rule, and save.</Empty>
      ) : null}
      <LastRunCard run={last.data ?? undefined} loaded={last.data !== undefined} />
      {draft ? (
        <>
          <UnifyMapEditor config={draft} entities={sources} onChange={edit} />
          <UnifyMatchEditor config={draft} lastRun={last.data?.stats ?? undefined} tested={tested} onChange={edit} />
          <UnifyMergeEditor config={draft} onChange={edit} />
          <div className="card actions-bar">
            <ErrorBox error={action.error} />
            <div className="row">
              <button type="button" onClick={test} disabled={action.busy}>
                Test on the current data
              </button>
              <button type="button" className="primary" onClick={save} disabled={action.busy}>
                Save configuration
              </button>
              {saved ? (
                <span className="ok" role="status">
                  Saved: the next refresh uses it (<Link to="/admin/status">System › Status</Link>).
                </span>
              ) : null}
            </div>
            {tested ? <TestResult stats={tested} lastRun={last.data?.stats ?? undefined} /> : null}
          </div>
          <details className="card">
            <summary>Edit as JSON</summary>
            <textarea
              className="code"
              aria-label="Unification configuration JSON"
              rows={18}
              value={json.text}
              onChange={(e) => setJson({ text: e.target.value, edited: true })}
              spellCheck={false}
            />
            <p className="muted">Test and Save use this text once it has been edited; the forms then show it.</p>
          </details>
        </>
      ) : null}
    </section>
  );
}

function TestResult({ stats, lastRun }: { stats: UnifyStats; lastRun: UnifyStats | undefined }) {
  const rows: Array<[string, keyof UnifyStats]> = [
    ['Source records', 'sourceRecords'],
    ['Unified profiles', 'unifiedProfiles'],
    ['Matched records', 'matchedRecords'],
  ];
  return (
    <div role="status" aria-label="Test result">
      <h3>Test: what a refresh with this configuration would do</h3>
      <div className="table-box">
        <table className="table" aria-label="Test compared with the last run">
          <thead>
            <tr>
              <th>Count</th>
              <th>With this configuration</th>
              <th>Last run</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, k]) => (
              <tr key={k}>
                <td>{label}</td>
                <td>{num(stats[k])}</td>
                <td>{lastRun ? num(lastRun[k]) : '—'}</td>
              </tr>
            ))}
            {Object.entries(stats.matchesPerRule ?? {}).map(([rule, n]) => (
              <tr key={`rule:${rule}`}>
                <td>Joined by “{rule}”</td>
                <td>{num(n)}</td>
                <td>{lastRun?.matchesPerRule?.[rule] === undefined ? '—' : num(lastRun.matchesPerRule[rule])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function LastRunCard({ run, loaded }: { run: LastRun | undefined; loaded: boolean }) {
  if (!run) return loaded ? <Empty>No unification has run yet.</Empty> : null;
  const s = run.stats ?? {};
  const perRule = s.matchesPerRule ?? {};
  return (
    <section className="card" aria-labelledby="unify-last">
      <h2 id="unify-last">Last unification</h2>
      <p>
        <Badge status={run.status} /> job <span className="mono">{run.jobId}</span>, finished {when(run.finishedAt)},
        took {duration(run.startedAt, run.finishedAt)}
      </p>
      {run.error ? <div className="error-inline">{run.error.message}</div> : null}
      <div className="stats">
        <Stat label="Source records" value={s.sourceRecords} />
        <Stat label="Unified profiles" value={s.unifiedProfiles} />
        <Stat label="Matched records" value={s.matchedRecords} />
      </div>
      {Object.keys(perRule).length ? (
        <table className="table" aria-label="Matches per rule">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Records joined</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(perRule).map(([rule, n]) => (
              <tr key={rule}>
                <td>{rule}</td>
                <td>{num(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function Stat({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="stat">
      <div className="stat-value">{num(value)}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
