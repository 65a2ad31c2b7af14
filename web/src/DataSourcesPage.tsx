// Data sources: the list with status, last refresh and owners, each linking to its page (/datasources/{id}); add one
// (by file upload or import-directory path, or a database or web API connection: RemoteSourceForm); refresh with progress (disabled while a job of the instance runs); and
// the instance's refresh schedule.
import { useEffect, useState, type FormEvent } from 'react';
import { api, call, type List } from './api.ts';
import { num, splitList, when } from './format.ts';
import { DataSourceDetail } from './DataSourceDetail.tsx';
import { useInstanceJob } from './instance-job.ts';
import { JobProgress } from './job-progress.tsx';
import { Link } from './Link.tsx';
import type { PageProps } from './routes.tsx';
import { isRemoteKind, RemoteSourceForm, remoteKinds } from './RemoteSourceForm.tsx';
import { ScheduleEditor } from './ScheduleEditor.tsx';
import type { DataSource, Job } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { Badge, Empty, ErrorBox, Field, Progress } from './widgets.tsx';

const kinds = ['csv', 'ndjson', 'json', 'parquet', ...remoteKinds] as const;
const uploadTypes: Record<string, string> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
  parquet: 'application/octet-stream',
};

export function DataSourcesPage({ item }: PageProps) {
  return item ? <DataSourceDetail id={item} /> : <DataSourceList />;
}

function DataSourceList() {
  const sources = useLoad(() => api.get<List<DataSource>>('~/manage/datasources'), []);
  const [adding, setAdding] = useState(false);
  const active = useInstanceJob();
  const action = useAction();
  const reload = sources.reload;
  const jobId = active.job?.id;
  useEffect(() => {
    if (!jobId) reload();
  }, [jobId, reload]);

  const refresh = (ds: DataSource) =>
    action.run(async () => {
      await api.post<Job>(`~/manage/datasources/${ds.id}/refresh`);
      active.recheck();
    });

  const list = sources.data?.value ?? [];
  return (
    <section>
      <header className="page-header">
        <h1>Data sources</h1>
        <button type="button" className="primary" onClick={() => setAdding(!adding)} aria-expanded={adding}>
          {adding ? 'Close' : 'Add data source'}
        </button>
      </header>
      {adding ? (
        <AddDataSource
          onAdded={() => {
            setAdding(false);
            sources.reload();
          }}
        />
      ) : null}
      <ErrorBox error={action.error ?? sources.error} />
      {active.job ? <JobProgress job={active.job} error={null} /> : null}
      {list.length === 0 && !sources.loading ? (
        <Empty>No data sources yet. Add one from a CSV, NDJSON, JSON or Parquet file, a database or a web API.</Empty>
      ) : (
        <div className="table-box">
          <table className="table" aria-label="Data sources">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Entity</th>
                <th>Status</th>
                <th>Last refresh</th>
                <th>Rows</th>
                <th>Owners</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((ds) => (
                <tr key={ds.id} data-name={ds.name}>
                  <td>
                    <Link to={`/datasources/${encodeURIComponent(ds.id)}`}>{ds.name}</Link>
                  </td>
                  <td>{ds.kind}</td>
                  <td className="mono">{ds.entity}</td>
                  <td>
                    <Badge status={ds.status} />
                    {ds.lastRefresh?.error ? <div className="error-inline">{ds.lastRefresh.error.message}</div> : null}
                  </td>
                  <td>{when(ds.lastRefresh?.finishedAt)}</td>
                  <td>{num(ds.lastRefresh?.rowsIngested)}</td>
                  <td>{ds.owners.join(', ') || '—'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      onClick={() => void refresh(ds)}
                      disabled={action.busy || active.job !== null}
                      aria-label={`Refresh ${ds.name}`}
                      title={active.job ? 'A job of this instance is running' : undefined}
                    >
                      Refresh
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ScheduleEditor />
    </section>
  );
}

function AddDataSource({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string>('csv');
  const [mode, setMode] = useState<'upload' | 'path'>('upload');
  const [location, setLocation] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [primaryKey, setPrimaryKey] = useState('');
  const [owners, setOwners] = useState('');
  const [stage, setStage] = useState('');
  const action = useAction();

  const remote = isRemoteKind(kind) ? kind : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (remote) return;
    void action.run(async () => {
      setStage('Creating the data source');
      const ds = await api.post<DataSource>('~/manage/datasources', {
        name,
        kind,
        ...(mode === 'path' && location ? { location } : {}),
        ...(primaryKey ? { primaryKey } : {}),
        owners: splitList(owners),
      });
      try {
        if (mode === 'upload' && file) {
          setStage(`Uploading ${file.name} (${num(file.size)} bytes)`);
          await call('PUT', `~/manage/datasources/${ds.id}/content`, file, uploadTypes[kind]);
        }
      } finally {
        setStage('');
      }
      onAdded();
    });
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="Add data source">
      <h2>Add a data source</h2>
      <div className="grid2">
        <Field label="Name">
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Kind">
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
      </div>
      {remote ? null : (
        <>
          <div className="radio-row">
            <label>
              <input type="radio" checked={mode === 'upload'} onChange={() => setMode('upload')} /> Upload a file
            </label>
            <label>
              <input type="radio" checked={mode === 'path'} onChange={() => setMode('path')} /> A file in the import
              directory
            </label>
          </div>
          {mode === 'upload' ? (
            <Field label="File">
              <input name="file" type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />
            </Field>
          ) : (
            <Field label="Location" hint="A path relative to the import directory.">
              <input name="location" value={location} onChange={(e) => setLocation(e.target.value)} required />
            </Field>
          )}
        </>
      )}
      <div className="grid2">
        <Field label="Primary key" hint="Optional: the column that identifies a record.">
          <input name="primaryKey" value={primaryKey} onChange={(e) => setPrimaryKey(e.target.value)} />
        </Field>
        <Field label="Owners" hint="E-mail addresses, comma-separated.">
          <input name="owners" value={owners} onChange={(e) => setOwners(e.target.value)} />
        </Field>
      </div>
      {remote ? (
        <RemoteSourceForm kind={remote} name={name} primaryKey={primaryKey} owners={owners} onAdded={onAdded} />
      ) : (
        <>
          {stage ? <Progress label={stage} /> : null}
          <ErrorBox error={action.error} />
          <button type="submit" className="primary" disabled={action.busy}>
            Add
          </button>
        </>
      )}
    </form>
  );
}
