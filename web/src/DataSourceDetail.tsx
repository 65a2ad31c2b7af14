// One data source at /datasources/{id}: its settings, owners (editable), Refresh (disabled while a job of the
// instance runs, with progress and Cancel), Delete, and the history of its refreshes with their errors.
import { useState, type FormEvent } from 'react';
import { api, type List } from './api.ts';
import { duration, num, splitList, when } from './format.ts';
import { useInstanceJob } from './instance-job.ts';
import { JobProgress } from './job-progress.tsx';
import { isRemoteKind, SourceTest } from './RemoteSourceForm.tsx';
import { navigate } from './router.ts';
import type { DataSource, Job } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { BackLink, Badge, Empty, ErrorBox, Field, NotFound, Progress } from './widgets.tsx';

export function DataSourceDetail({ id }: { id: string }) {
  const ds = useLoad(() => api.get<DataSource>(`~/manage/datasources/${encodeURIComponent(id)}`), [id]);
  if (ds.error) return <NotFound what="data source" id={id} back="/datasources" error={ds.error} />;
  if (!ds.data) return <Progress label="Loading the data source" />;
  return <Detail ds={ds.data} onChanged={ds.reload} />;
}

function Detail({ ds, onChanged }: { ds: DataSource; onChanged: () => void }) {
  const active = useInstanceJob();
  const action = useAction();
  const jobs = useLoad(() => api.get<List<Job>>('~/jobs?limit=200'), [active.job?.id]);
  const refresh = () =>
    action.run(async () => {
      await api.post<Job>(`~/manage/datasources/${ds.id}/refresh`);
      active.recheck();
    });
  const remove = () => {
    if (!window.confirm(`Delete data source ${ds.name} and its entity ${ds.entity}?`)) return;
    void action.run(async () => {
      await api.del(`~/manage/datasources/${ds.id}`);
      navigate('/datasources');
    });
  };
  const runs = (jobs.data?.value ?? []).flatMap((j) =>
    j.tasks.filter((t) => t.operationType === 'ingestion' && t.identifier === ds.id).map((t) => ({ job: j, task: t })),
  );
  return (
    <section>
      <BackLink to="/datasources">Data sources</BackLink>
      <header className="page-header">
        <h1>Data source: {ds.name}</h1>
        <div className="row">
          <button
            type="button"
            className="primary"
            onClick={() => void refresh()}
            disabled={action.busy || active.job !== null}
          >
            Refresh
          </button>
          <button type="button" className="danger" onClick={remove} disabled={action.busy}>
            Delete
          </button>
        </div>
      </header>
      <ErrorBox error={action.error} />
      {active.job ? <JobProgress job={active.job} error={null} /> : null}
      <div className="card">
        <dl className="props">
          <Prop label="Kind" value={ds.kind} />
          <Prop label="Location" value={ds.location} mono />
          <Prop label="Entity" value={ds.entity} mono />
          <Prop label="Primary key" value={ds.primaryKey ?? '—'} mono />
          <div>
            <dt>Status</dt>
            <dd>
              <Badge status={ds.status} />
            </dd>
          </div>
          <Prop label="Last refresh" value={when(ds.lastRefresh?.finishedAt)} />
          <Prop label="Rows" value={num(ds.lastRefresh?.rowsIngested)} />
        </dl>
        {ds.lastRefresh?.error ? <div className="error-inline">{ds.lastRefresh.error.message}</div> : null}
      </div>
      {isRemoteKind(ds.kind) ? <SourceTest id={ds.id} /> : null}
      <Owners ds={ds} onChanged={onChanged} />
      <div className="card">
        <h2>Refreshes</h2>
        {runs.length === 0 ? (
          <Empty>Not refreshed yet.</Empty>
        ) : (
          <div className="table-box">
            <table className="table" aria-label="Refreshes">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Status</th>
                  <th>Started</th>
                  <th>Duration</th>
                  <th>Rows</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {runs.map(({ job, task }) => (
                  <tr key={task.id}>
                    <td className="mono">{job.id}</td>
                    <td>
                      <Badge status={task.status} />
                    </td>
                    <td>{when(task.startedAt)}</td>
                    <td>{duration(task.startedAt, task.finishedAt)}</td>
                    <td>{num(task.stats?.rowsIngested)}</td>
                    <td>{task.error ? <span className="error-inline">{task.error.message}</span> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

function Prop({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{value}</dd>
    </div>
  );
}

function Owners({ ds, onChanged }: { ds: DataSource; onChanged: () => void }) {
  const [owners, setOwners] = useState(ds.owners.join(', '));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.patch(`~/manage/datasources/${ds.id}`, { owners: splitList(owners) });
      setSaved(true);
      onChanged();
    });
  };
  return (
    <form className="card form inline-form" onSubmit={submit} aria-label="Owners">
      <Field label="Owners" hint="E-mail addresses of the data owners, comma-separated.">
        <input name="owners" value={owners} onChange={(e) => setOwners(e.target.value)} />
      </Field>
      <button type="submit" disabled={action.busy}>
        Save owners
      </button>
      {saved ? <span className="ok">Saved.</span> : null}
      <ErrorBox error={action.error} />
    </form>
  );
}
