// Customers: search unified profiles, page through them with @odata.nextLink, and open a profile card with the
// source records merged into it (ConflationMap).
import { useState, type FormEvent } from 'react';
import { api, ApiError, odataString } from './api.ts';
import type { ItemsPage } from './shapes.ts';
import { useLoad } from './use-load.ts';
import { Empty, ErrorBox, Field } from './widgets.tsx';

const searchable = ['LastName', 'FirstName', 'Email', 'Phone', 'CustomerId'];
const pageSize = 25;

function firstPage(field: string, text: string): string {
  const q = new URLSearchParams({ $top: String(pageSize), $count: 'true' });
  const t = text.trim().toLowerCase();
  if (t) q.set('$filter', `contains(tolower(${field}),${odataString(t)})`);
  return `~/data/Customer?${q.toString()}`;
}

/** nextLink is absolute; keep only its path so the call goes to this origin. */
const relative = (link: string) => {
  const u = new URL(link, window.location.origin);
  return u.pathname + u.search;
};

export function CustomersPage() {
  const [field, setField] = useState('LastName');
  const [text, setText] = useState('');
  const [pages, setPages] = useState<string[]>([firstPage('LastName', '')]);
  const [open, setOpen] = useState<Record<string, unknown> | null>(null);
  const current = pages.at(-1) as string;
  const page = useLoad(() => api.get<ItemsPage>(current), [current]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setOpen(null);
    setPages([firstPage(field, text)]);
  };
  const notYet = page.error instanceof ApiError && page.error.status === 404;
  const rows = page.data?.value ?? [];
  const columns = rows[0]
    ? Object.keys(rows[0])
        .filter((k) => !k.startsWith('@'))
        .slice(0, 7)
    : [];
  const next = page.data?.['@odata.nextLink'];

  return (
    <section>
      <header className="page-header">
        <h1>Customers</h1>
      </header>
      <form className="card form search" onSubmit={search} aria-label="Search customers">
        <Field label="Attribute">
          <select value={field} onChange={(e) => setField(e.target.value)}>
            {searchable.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </Field>
        <Field label="Contains">
          <input name="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="e.g. smith" />
        </Field>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {notYet ? (
        <Empty>No unified profiles yet: configure Unify and run a refresh.</Empty>
      ) : (
        <ErrorBox error={page.error} />
      )}
      {page.data ? (
        <p className="muted">
          {page.data['@odata.count'] !== undefined ? `${page.data['@odata.count']} matching profiles; ` : ''}
          page {pages.length}
        </p>
      ) : null}
      {rows.length ? (
        <table className="table clickable" aria-label="Customers">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={String(r.CustomerId)} onClick={() => setOpen(r)}>
                {columns.map((c) => (
                  <td key={c}>{r[c] === null || r[c] === undefined ? '' : String(r[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : page.data ? (
        <Empty>No profile matches.</Empty>
      ) : null}
      <div className="row">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
          Previous
        </button>
        <button type="button" disabled={!next} onClick={() => next && setPages([...pages, relative(next)])}>
          Next
        </button>
      </div>
      {open ? (
        // Keyed by profile: another profile's card starts empty instead of showing the previous one's source records.
        <ProfileCard key={String(open.CustomerId)} customer={open} onClose={() => setOpen(null)} />
      ) : null}
    </section>
  );
}

function ProfileCard({ customer, onClose }: { customer: Record<string, unknown>; onClose: () => void }) {
  const id = String(customer.CustomerId);
  const sources = useLoad(
    () =>
      api.get<ItemsPage>(
        `~/data/ConflationMap?${new URLSearchParams({ $filter: `CustomerId eq ${odataString(id)}`, $top: '1000' }).toString()}`,
      ),
    [id],
  );
  return (
    <div className="card profile" aria-label="Profile card">
      <header className="page-header">
        <h2>Profile {id}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <dl className="props">
        {Object.entries(customer)
          .filter(([k]) => !k.startsWith('@'))
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v === null || v === undefined ? '—' : String(v)}</dd>
            </div>
          ))}
      </dl>
      <h3>Source records</h3>
      <ErrorBox error={sources.error} />
      <table className="table" aria-label="Source records">
        <thead>
          <tr>
            <th>Source entity</th>
            <th>Source key</th>
            <th>Matched by</th>
          </tr>
        </thead>
        <tbody>
          {(sources.data?.value ?? []).map((r) => (
            <tr key={`${String(r.SourceEntity)}:${String(r.SourceKey)}`}>
              <td className="mono">{String(r.SourceEntity)}</td>
              <td className="mono">{String(r.SourceKey)}</td>
              <td>{r.MatchedBy ? String(r.MatchedBy) : 'founded the profile'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
