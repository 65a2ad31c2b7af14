// Customers: search unified profiles by name, e-mail or id (the search is in the URL: /customers?q=smith), page
// through them with @odata.nextLink, and open a profile's card at /customers/{CustomerId}.
import { useState, type FormEvent } from 'react';
import { api, ApiError, listOrEmpty, odataString } from './api.ts';
import { CustomerCard } from './CustomerCard.tsx';
import { Link } from './Link.tsx';
import { setQuery, useQueryParam } from './router.ts';
import type { PageProps } from './routes.tsx';
import type { Entity, ItemsPage } from './shapes.ts';
import { useLoad } from './use-load.ts';
import { Empty, ErrorBox, Field } from './widgets.tsx';

const pageSize = 25;
/** Attributes searched by their text, when the profile has them. */
const textFields = ['FirstName', 'LastName', 'FullName', 'Name', 'Email'];

export function CustomersPage({ item }: PageProps) {
  return item ? <CustomerCard id={item} /> : <CustomerSearch />;
}

/** Every word must be found in one of the name or e-mail attributes, or the text is the CustomerId. */
export function searchFilter(text: string, attributes: string[]): string {
  const t = text.trim();
  if (!t) return '';
  const fields = textFields.filter((f) => attributes.includes(f));
  const words = t.toLowerCase().split(/\s+/);
  const byWords = fields.length
    ? words.map((w) => `(${fields.map((f) => `contains(tolower(${f}),${odataString(w)})`).join(' or ')})`).join(' and ')
    : '';
  const byId = `CustomerId eq ${odataString(t)}`;
  return byWords ? `${byId} or (${byWords})` : byId;
}

function firstPage(filter: string): string {
  const q = new URLSearchParams({ $top: String(pageSize), $count: 'true' });
  if (filter) q.set('$filter', filter);
  return `~/data/Customer?${q.toString()}`;
}

/** nextLink is absolute; keep only its path so the call goes to this origin. */
const relative = (link: string) => {
  const u = new URL(link, window.location.origin);
  return u.pathname + u.search;
};

function CustomerSearch() {
  const q = useQueryParam('q') ?? '';
  const entities = useLoad(() => listOrEmpty<Entity>('~/manage/entities'), []);
  const attributes = entities.data?.value.find((e) => e.name === 'Customer')?.attributes.map((a) => a.name);
  return (
    <section>
      <header className="page-header">
        <h1>Customers</h1>
      </header>
      <SearchForm key={`search:${q}`} initial={q} />
      {attributes || entities.error ? (
        <Results key={`results:${q}`} filter={searchFilter(q, attributes ?? [])} />
      ) : (
        <ErrorBox error={entities.error} />
      )}
    </section>
  );
}

function SearchForm({ initial }: { initial: string }) {
  const [text, setText] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ q: text.trim() || null });
  };
  return (
    <form className="card form search" onSubmit={submit} role="search" aria-label="Search customers">
      <Field label="Name, e-mail or customer id">
        <input name="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="e.g. smith" />
      </Field>
      <button type="submit" className="primary">
        Search
      </button>
    </form>
  );
}

function Results({ filter }: { filter: string }) {
  const [pages, setPages] = useState<string[]>([firstPage(filter)]);
  const current = pages.at(-1) as string;
  const page = useLoad(() => api.get<ItemsPage>(current), [current]);
  const notYet = page.error instanceof ApiError && page.error.status === 404;
  const rows = page.data?.value ?? [];
  const columns = rows[0]
    ? Object.keys(rows[0])
        .filter((k) => !k.startsWith('@'))
        .slice(0, 7)
    : [];
  const next = page.data?.['@odata.nextLink'];
  return (
    <>
      {notYet ? (
        <Empty>No unified profiles yet: configure Unify and run a refresh.</Empty>
      ) : (
        <ErrorBox error={page.error} />
      )}
      {page.data ? (
        <p className="muted" role="status">
          {page.data['@odata.count'] !== undefined ? `${page.data['@odata.count']} matching profiles; ` : ''}
          page {pages.length}
        </p>
      ) : null}
      {rows.length ? (
        <div className="table-box">
          <table className="table" aria-label="Customers">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={String(r.CustomerId)}>
                  {columns.map((c) => (
                    <td key={c}>
                      {c === 'CustomerId' ? (
                        <Link to={`/customers/${encodeURIComponent(String(r.CustomerId))}`}>{String(r[c])}</Link>
                      ) : r[c] === null || r[c] === undefined ? (
                        ''
                      ) : (
                        String(r[c])
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
    </>
  );
}
