// Unify: the map / match / merge configuration as readable tables, a JSON editor that saves it (validation
// messages inline), and the statistics of the last unification task.
import { useEffect, useState } from 'react';
import { api, ApiError, type List } from './api.ts';
import { duration, num, when } from './format.ts';
import type { Job, Task } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox } from './widgets.tsx';

interface Condition {
  attribute: string;
  normalize?: string[];
  precision?: string | number;
}
interface UnificationConfig {
  map: Array<{ entity: string; primaryKey: string; attributes: Record<string, string> }>;
  match: { order?: string[]; deduplicate?: boolean; rules: Array<{ name: string; conditions: Condition[] }> };
  merge: { default?: { policy: string }; attributes?: Record<string, { policy: string; by?: string }> };
}

const example: UnificationConfig = {
  map: [{ entity: 'Contacts', primaryKey: 'id', attributes: { first_name: 'FirstName', email: 'Email' } }],
  match: {
    order: ['Contacts'],
    deduplicate: true,
    rules: [{ name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] }],
  },
  merge: { default: { policy: 'importance' } },
};

async function loadConfig(): Promise<UnificationConfig | null> {
  try {
    return await api.get<UnificationConfig>('~/manage/unification');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export function UnifyPage() {
  const config = useLoad(loadConfig, []);
  const jobs = useLoad(() => api.get<List<Job>>('~/jobs?limit=100'), []);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState(false);
  const action = useAction();

  useEffect(() => {
    if (config.data !== undefined) setText(JSON.stringify(config.data ?? example, null, 2));
  }, [config.data]);

  const save = () => {
    setSaved(false);
    void action.run(async () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new Error(`The configuration is not valid JSON: ${(e as Error).message}`);
      }
      await api.put('~/manage/unification', body);
      setSaved(true);
      config.reload();
    });
  };

  const last = (jobs.data?.value ?? [])
    .flatMap((j) => j.tasks.map((t) => ({ job: j, task: t })))
    .find((r) => r.task.operationType === 'unification' && r.task.status !== 'queued');

  return (
    <section>
      <header className="page-header">
        <h1>Unify</h1>
      </header>
      <ErrorBox error={config.error} />
      {config.data === null ? (
        <Empty>Unification is not configured yet. Start from the example below and save it.</Empty>
      ) : null}
      {config.data ? <ConfigTables config={config.data} /> : null}
      <LastRun task={last?.task} jobId={last?.job.id} />
      <div className="card">
        <h2>Edit as JSON</h2>
        <textarea
          className="code"
          aria-label="Unification configuration JSON"
          rows={18}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
        />
        <ErrorBox error={action.error} />
        <div className="row">
          <button type="button" className="primary" onClick={save} disabled={action.busy}>
            Save configuration
          </button>
          {saved ? <span className="ok">Saved.</span> : null}
        </div>
      </div>
    </section>
  );
}

function ConfigTables({ config }: { config: UnificationConfig }) {
  return (
    <>
      <div className="card">
        <h2>Map</h2>
        <table className="table" aria-label="Map">
          <thead>
            <tr>
              <th>Entity</th>
              <th>Primary key</th>
              <th>Source column → unified attribute</th>
            </tr>
          </thead>
          <tbody>
            {config.map.map((m) => (
              <tr key={m.entity}>
                <td className="mono">{m.entity}</td>
                <td className="mono">{m.primaryKey}</td>
                <td>
                  {Object.entries(m.attributes).map(([col, attr]) => (
                    <span key={col} className="chip">
                      {col} → {attr}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h2>Match</h2>
        <p>
          Order: {(config.match.order ?? []).join(' › ') || '—'}; deduplicate within entities:{' '}
          {config.match.deduplicate ? 'yes' : 'no'}
        </p>
        <table className="table" aria-label="Match rules">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Attribute</th>
              <th>Normalize</th>
              <th>Precision</th>
            </tr>
          </thead>
          <tbody>
            {config.match.rules.flatMap((r) =>
              r.conditions.map((c, i) => (
                <tr key={`${r.name}:${i}`}>
                  <td>{i === 0 ? r.name : ''}</td>
                  <td className="mono">{c.attribute}</td>
                  <td>{(c.normalize ?? []).join(', ') || '—'}</td>
                  <td>{String(c.precision ?? 'exact')}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h2>Merge</h2>
        <table className="table" aria-label="Merge policies">
          <thead>
            <tr>
              <th>Attribute</th>
              <th>Policy</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>(default)</td>
              <td>{config.merge.default?.policy ?? 'importance'}</td>
            </tr>
            {Object.entries(config.merge.attributes ?? {}).map(([attr, p]) => (
              <tr key={attr}>
                <td className="mono">{attr}</td>
                <td>
                  {p.policy}
                  {p.by ? ` by ${p.by}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function LastRun({ task, jobId }: { task: Task | undefined; jobId: string | undefined }) {
  if (!task) return <Empty>No unification has run yet.</Empty>;
  const s = (task.stats ?? {}) as Record<string, unknown>;
  const perRule = (s.matchesPerRule ?? {}) as Record<string, number>;
  return (
    <div className="card">
      <h2>Last unification</h2>
      <p>
        <Badge status={task.status} /> job <span className="mono">{jobId}</span>, finished {when(task.finishedAt)}, took{' '}
        {duration(task.startedAt, task.finishedAt)}
      </p>
      {task.error ? <div className="error-inline">{task.error.message}</div> : null}
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
    </div>
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
