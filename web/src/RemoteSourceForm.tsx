// Adding a data source that is a database (PostgreSQL, MySQL/MariaDB) or a web API: its connection fields, secrets
// typed into password fields (the server answers them as "***"), and "Test connection", which reads the columns and
// first rows before anything is saved; SourceTest tests a saved one from its page.
import { useState } from 'react';
import { api, ApiError } from './api.ts';
import { splitList } from './format.ts';
import type { DataSource } from './shapes.ts';
import { useAction } from './use-load.ts';
import { ErrorBox, Field } from './widgets.tsx';

export const remoteKinds = ['postgres', 'mysql', 'http'] as const;
export type RemoteKind = (typeof remoteKinds)[number];
export const isRemoteKind = (k: string): k is RemoteKind => (remoteKinds as readonly string[]).includes(k);

interface TestResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
}

const placeholders: Record<RemoteKind, string> = {
  postgres: 'postgres://reader@db.example.com:5432/crm',
  mysql: 'mysql://reader@db.example.com:3306/shop',
  http: 'https://api.example.com/v1/orders',
};

export function RemoteSourceForm(props: {
  kind: RemoteKind;
  name: string;
  primaryKey: string;
  owners: string;
  onAdded: () => void;
}) {
  const { kind } = props;
  const [location, setLocation] = useState('');
  const [source, setSource] = useState<'table' | 'query'>('table');
  const [table, setTable] = useState('');
  const [query, setQuery] = useState('');
  const [password, setPassword] = useState('');
  const [sslmode, setSslmode] = useState('verify-full');
  const [rowsPath, setRowsPath] = useState('');
  const [nextPath, setNextPath] = useState('');
  const [headerName, setHeaderName] = useState('Authorization');
  const [headerValue, setHeaderValue] = useState('');
  const [incremental, setIncremental] = useState('');
  const [tested, setTested] = useState<TestResult | null>(null);
  const test = useAction();
  const save = useAction();

  const body = () => {
    const options: Record<string, unknown> =
      kind === 'http'
        ? {
            ...(rowsPath ? { rowsPath } : {}),
            ...(nextPath ? { nextPath } : {}),
            ...(headerName && headerValue ? { headers: { [headerName]: headerValue } } : {}),
          }
        : {
            ...(source === 'table' ? { table } : { query }),
            ...(password ? { password } : {}),
            sslmode,
          };
    if (incremental) options.incremental = { column: incremental };
    return {
      name: props.name,
      kind,
      location,
      ...(props.primaryKey ? { primaryKey: props.primaryKey } : {}),
      owners: splitList(props.owners),
      options,
    };
  };

  const runTest = () =>
    void test.run(async () => {
      setTested(null);
      setTested(await api.post<TestResult>('~/manage/datasources/test', body()));
    });
  const submit = () =>
    void save.run(async () => {
      await api.post<DataSource>('~/manage/datasources', body());
      props.onAdded();
    });

  return (
    <div className="remote-source" aria-label={`${kind} connection`}>
      <Field label={kind === 'http' ? 'URL' : 'Connection URL'} hint="A password in the URL is stored encrypted.">
        <input
          name="location"
          value={location}
          placeholder={placeholders[kind]}
          onChange={(e) => setLocation(e.target.value)}
          required
        />
      </Field>
      {kind === 'http' ? (
        <>
          <div className="grid2">
            <Field label="Rows field" hint="Optional: the field holding the rows, e.g. value.">
              <input name="rowsPath" value={rowsPath} onChange={(e) => setRowsPath(e.target.value)} />
            </Field>
            <Field label="Next-link field" hint='Optional: e.g. @odata.nextLink; else Link: rel="next".'>
              <input name="nextPath" value={nextPath} onChange={(e) => setNextPath(e.target.value)} />
            </Field>
          </div>
          <div className="grid2">
            <Field label="Header name">
              <input name="headerName" value={headerName} onChange={(e) => setHeaderName(e.target.value)} />
            </Field>
            <Field label="Header value" hint="Stored encrypted; shown as ***.">
              <input
                name="headerValue"
                type="password"
                autoComplete="off"
                value={headerValue}
                onChange={(e) => setHeaderValue(e.target.value)}
              />
            </Field>
          </div>
        </>
      ) : (
        <>
          <div className="radio-row">
            <label>
              <input type="radio" checked={source === 'table'} onChange={() => setSource('table')} /> A table
            </label>
            <label>
              <input type="radio" checked={source === 'query'} onChange={() => setSource('query')} /> A SELECT query
            </label>
          </div>
          {source === 'table' ? (
            <Field label="Table" hint="table or schema.table">
              <input name="table" value={table} onChange={(e) => setTable(e.target.value)} required />
            </Field>
          ) : (
            <Field label="Query" hint="One SELECT; it runs in a read-only transaction.">
              <textarea name="query" value={query} onChange={(e) => setQuery(e.target.value)} required rows={3} />
            </Field>
          )}
          <div className="grid2">
            <Field label="Password" hint="Stored encrypted; shown as ***.">
              <input
                name="password"
                type="password"
                autoComplete="off"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </Field>
            <Field label="TLS (sslmode)">
              <select name="sslmode" value={sslmode} onChange={(e) => setSslmode(e.target.value)}>
                <option value="verify-full">verify-full</option>
                <option value="require">require</option>
                <option value="disable">disable</option>
              </select>
            </Field>
          </div>
        </>
      )}
      <Field label="Incremental column" hint="Optional (needs a primary key): read only rows above the last value.">
        <input name="incremental" value={incremental} onChange={(e) => setIncremental(e.target.value)} />
      </Field>
      <div className="actions">
        <button type="button" onClick={runTest} disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="primary" onClick={submit} disabled={save.busy}>
          Add
        </button>
      </div>
      <TestError error={test.error} />
      <ErrorBox error={save.error} />
      {tested ? <TestTable result={tested} /> : null}
    </div>
  );
}

/** Test connection of a saved data source. */
export function SourceTest({ id }: { id: string }) {
  const [tested, setTested] = useState<TestResult | null>(null);
  const test = useAction();
  const run = () =>
    void test.run(async () => {
      setTested(null);
      setTested(await api.post<TestResult>(`~/manage/datasources/${encodeURIComponent(id)}/test`));
    });
  return (
    <div className="card">
      <h2>Connection</h2>
      <button type="button" onClick={run} disabled={test.busy}>
        {test.busy ? 'Testing…' : 'Test connection'}
      </button>
      <TestError error={test.error} />
      {tested ? <TestTable result={tested} /> : null}
    </div>
  );
}

function TestError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error instanceof ApiError ? `${error.code}: ` : ''}
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

function TestTable({ result }: { result: TestResult }) {
  return (
    <div className="test-result" role="status" aria-label="Test result">
      <p>
        Connected: {result.columns.length} columns, first {result.rows.length} rows.
      </p>
      <table className="table" aria-label="First rows">
        <thead>
          <tr>
            {result.columns.map((c) => (
              <th key={c.name}>
                {c.name} <span className="muted">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, i) => (
            <tr key={i}>
              {result.columns.map((c) => (
                <td key={c.name}>{row[c.name] === null ? '—' : String(row[c.name])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
