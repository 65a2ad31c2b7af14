// Admin › Audit log: every change of this instance and every sign-in, newest first — who, when, action, target and
// a summary — filtered by actor (id or e-mail), action, target and time, a page at a time ("Show older entries"
// follows the API's nextLink). The system administrator may switch to the system log (refused sign-ins).
import { useState, type FormEvent } from 'react';
import { api } from './api.ts';
import { when } from './format.ts';
import { useAction, useLoad } from './use-load.ts';
import { Empty, ErrorBox, Field } from './widgets.tsx';

interface Entry {
  at: string;
  actor: { type: string; id: string; email?: string; name?: string };
  action: string;
  target: { type: string; id: string };
  summary: string;
}

interface Page {
  value: Entry[];
  '@odata.nextLink'?: string;
}

interface Filters {
  actor: string;
  action: string;
  target: string;
  since: string;
  until: string;
}

const none: Filters = { actor: '', action: '', target: '', since: '', until: '' };
const pageSize = 50;

type Scope = 'instance' | 'system';

/** The first page's path for the filters (times from the browser's local time to ISO). */
function firstPage(f: Filters, scope: Scope): string {
  const q = new URLSearchParams({ $top: String(pageSize) });
  for (const k of ['actor', 'action', 'target'] as const) if (f[k].trim()) q.set(k, f[k].trim());
  for (const k of ['since', 'until'] as const) if (f[k]) q.set(k, new Date(f[k]).toISOString());
  return `${scope === 'system' ? '/v1/audit' : '~/audit'}?${q.toString()}`;
}

/** A nextLink is absolute; the API is called by path. */
const pathOf = (link: string): string => {
  const u = new URL(link);
  return `${u.pathname}${u.search}`;
};

const actorText = (a: Entry['actor']): string => a.name ?? a.email ?? `${a.type} ${a.id}`;

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(none);
  const [filters, setFilters] = useState<Filters>(none);
  const [older, setOlder] = useState<Page[]>([]);
  const [scope, setScope] = useState<Scope>('instance');
  const me = useLoad(() => api.get<{ systemAdmin: boolean }>('/v1/me'), []);
  const first = useLoad(() => api.get<Page>(firstPage(filters, scope)), [filters, scope]);
  const more = useAction();
  const pages = first.data ? [first.data, ...older] : [];
  const entries = pages.flatMap((p) => p.value);
  const next = pages[pages.length - 1]?.['@odata.nextLink'];
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setOlder([]);
    setFilters(draft);
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <section>
      <header className="page-header">
        <h1>Audit log</h1>
      </header>
      <form className="card filters" onSubmit={apply} aria-label="Filter the audit log">
        {me.data?.systemAdmin ? (
          <Field label="Log">
            <select
              name="scope"
              value={scope}
              onChange={(e) => {
                setOlder([]);
                setScope(e.target.value as Scope);
              }}
            >
              <option value="instance">This instance</option>
              <option value="system">System: refused sign-ins, administrators</option>
            </select>
          </Field>
        ) : null}
        <Field label="Actor (e-mail or id)">
          <input name="actor" value={draft.actor} onChange={set('actor')} />
        </Field>
        <Field label="Action">
          <input name="action" value={draft.action} onChange={set('action')} placeholder="e.g. SignIn" />
        </Field>
        <Field label="Target id">
          <input name="target" value={draft.target} onChange={set('target')} />
        </Field>
        <Field label="Since">
          <input name="since" type="datetime-local" value={draft.since} onChange={set('since')} />
        </Field>
        <Field label="Until">
          <input name="until" type="datetime-local" value={draft.until} onChange={set('until')} />
        </Field>
        <div className="row">
          <button type="submit" className="primary">
            Apply
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(none);
              setOlder([]);
              setFilters(none);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorBox error={more.error ?? first.error} />
      {entries.length === 0 && !first.loading && !first.error ? <Empty>No entries match.</Empty> : null}
      {entries.length > 0 ? (
        // The box scrolls; it takes the focus so that keyboard users can scroll it too.
        <div className="table-box" tabIndex={0} role="region" aria-label="Audit entries, scrollable">
          <table className="table" aria-label="Audit entries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Summary</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e, i) => (
                <tr key={`${e.at}-${i}`} data-action={e.action}>
                  <td>{when(e.at)}</td>
                  <td title={e.actor.email ?? e.actor.id}>{actorText(e.actor)}</td>
                  <td>{e.action}</td>
                  <td>
                    {e.target.type} <span className="mono">{e.target.id}</span>
                  </td>
                  <td>{e.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {next ? (
        <button
          type="button"
          disabled={more.busy}
          onClick={() =>
            void more.run(async () => {
              const page = await api.get<Page>(pathOf(next));
              setOlder((o) => [...o, page]);
            })
          }
        >
          Show older entries
        </button>
      ) : null}
    </section>
  );
}
