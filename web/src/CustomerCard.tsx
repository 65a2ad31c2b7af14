// A customer's card at /customers/{CustomerId}: the unified profile, its source records with the rule that merged
// each (ConflationMap.MatchedBy), its segment memberships and its customer measures (CustomerMeasures).
import type { ReactNode } from 'react';
import { api, ApiError, odataString } from './api.ts';
import { num } from './format.ts';
import { Link } from './Link.tsx';
import type { ItemsPage } from './shapes.ts';
import { useLoad, type Loaded } from './use-load.ts';
import { BackLink, Empty, ErrorBox, NotFound, Progress } from './widgets.tsx';

type Row = Record<string, unknown>;

/** Rows of an entity for one customer; an entity not published yet has none. */
async function rowsOf(entity: string, id: string): Promise<Row[]> {
  const q = new URLSearchParams({ $filter: `CustomerId eq ${odataString(id)}`, $top: '1000' });
  try {
    return (await api.get<ItemsPage>(`~/data/${entity}?${q.toString()}`)).value;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

const shown = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'number' ? num(v) : String(v));
const attributesOf = (r: Row) => Object.entries(r).filter(([k]) => !k.startsWith('@'));

export function CustomerCard({ id }: { id: string }) {
  const profile = useLoad(() => api.get<Row>(`~/data/Customer/${encodeURIComponent(id)}`), [id]);
  const sources = useLoad(() => rowsOf('ConflationMap', id), [id]);
  const memberships = useLoad(() => rowsOf('SegmentMembership', id), [id]);
  const measures = useLoad(() => rowsOf('CustomerMeasures', id), [id]);
  if (profile.error) return <NotFound what="customer" id={id} back="/customers" error={profile.error} />;
  return (
    <section aria-label="Profile card">
      <BackLink to="/customers">Customers</BackLink>
      <header className="page-header">
        <h1>Profile {id}</h1>
      </header>
      {profile.data ? (
        <div className="card">
          <h2>Profile</h2>
          <dl className="props" aria-label="Profile attributes">
            {attributesOf(profile.data).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v === null || v === undefined ? '—' : String(v)}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : (
        <Progress label="Loading the profile" />
      )}
      <div className="card">
        <h2>Source records</h2>
        <Rows loaded={sources} empty="No source records.">
          {(rows) => (
            <table className="table" aria-label="Source records">
              <thead>
                <tr>
                  <th>Source entity</th>
                  <th>Source key</th>
                  <th>Matched by</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${String(r.SourceEntity)}:${String(r.SourceKey)}`}>
                    <td className="mono">{String(r.SourceEntity)}</td>
                    <td className="mono">{String(r.SourceKey)}</td>
                    <td>{r.MatchedBy ? String(r.MatchedBy) : 'founded the profile'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Rows>
      </div>
      <div className="card">
        <h2>Segment memberships</h2>
        <Rows loaded={memberships} empty="Not a member of any segment.">
          {(rows) => (
            <ul className="plain-list" aria-label="Segment memberships">
              {rows.map((r) => (
                <li key={String(r.SegmentId)}>
                  <Link to={`/segments/${encodeURIComponent(String(r.SegmentId))}`}>{String(r.SegmentName)}</Link>
                </li>
              ))}
            </ul>
          )}
        </Rows>
      </div>
      <div className="card">
        <h2>Customer measures</h2>
        <Rows loaded={measures} empty="No customer measures.">
          {(rows) => (
            <dl className="props" aria-label="Customer measures">
              {attributesOf(rows[0] as Row)
                .filter(([k]) => k !== 'CustomerId')
                .map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{shown(v)}</dd>
                  </div>
                ))}
            </dl>
          )}
        </Rows>
      </div>
    </section>
  );
}

function Rows({
  loaded,
  empty,
  children,
}: {
  loaded: Loaded<Row[]>;
  empty: string;
  children: (rows: Row[]) => ReactNode;
}) {
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (!loaded.data) return <Progress label="Loading" />;
  if (loaded.data.length === 0) return <Empty>{empty}</Empty>;
  return <>{children(loaded.data)}</>;
}
