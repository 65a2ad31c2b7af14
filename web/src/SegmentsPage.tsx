// Segments: the list with member counts, an editor (query with a live count preview, save errors inline) and the
// member-count history with threshold lines.
import { useState, type FormEvent } from 'react';
import { api, listOrEmpty } from './api.ts';
import { Link } from './Link.tsx';
import { navigate } from './router.ts';
import type { PageProps } from './routes.tsx';
import { CountPreview } from './CountPreview.tsx';
import { num, splitList } from './format.ts';
import { HistoryChart } from './HistoryChart.tsx';
import type { Segment } from './shapes.ts';
import { thresholdsOf } from './thresholds.ts';
import { useAction, useLoad } from './use-load.ts';
import { BackLink, Badge, Empty, ErrorBox, Field, NotFound, Progress } from './widgets.tsx';

const blank: Segment = { id: '', name: '', description: '', query: '', state: 'active', owners: [] };

export function SegmentsPage({ item }: PageProps) {
  if (item === 'new') return <SegmentItem segment={blank} />;
  if (item) return <SegmentById id={item} />;
  return <SegmentList />;
}

function SegmentList() {
  const segments = useLoad(() => listOrEmpty<Segment>('~/manage/segments'), []);
  const list = segments.data?.value ?? [];
  return (
    <section>
      <header className="page-header">
        <h1>Segments</h1>
        <Link className="button primary" to="/segments/new">
          New segment
        </Link>
      </header>
      <ErrorBox error={segments.error} />
      {segments.data?.missing ? <Empty>This server does not offer segments yet.</Empty> : null}
      {list.length === 0 && !segments.loading && !segments.data?.missing ? (
        <Empty>No segments yet. Build one from the customers&apos; attributes with New segment.</Empty>
      ) : null}
      {list.length ? (
        <div className="table-box">
          <table className="table" aria-label="Segments">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Members</th>
                <th>Query</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                  </td>
                  <td>
                    <Badge status={s.state} />
                  </td>
                  <td>{num(s.memberCount)}</td>
                  <td className="mono">{s.query}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function SegmentById({ id }: { id: string }) {
  const segment = useLoad(() => api.get<Segment>(`~/manage/segments/${encodeURIComponent(id)}`), [id]);
  if (segment.error) return <NotFound what="segment" id={id} back="/segments" error={segment.error} />;
  if (!segment.data) return <Progress label="Loading the segment" />;
  return <SegmentItem segment={segment.data} onChanged={segment.reload} />;
}

function SegmentItem({ segment, onChanged }: { segment: Segment; onChanged?: () => void }) {
  return (
    <section>
      <BackLink to="/segments">Segments</BackLink>
      <SegmentEditor
        key={segment.id || 'new'}
        segment={segment}
        onSaved={(s) =>
          segment.id ? onChanged?.() : navigate(`/segments/${encodeURIComponent(s.id)}`, { replace: true })
        }
        onDeleted={() => navigate('/segments')}
      />
    </section>
  );
}

function SegmentEditor({
  segment,
  onSaved,
  onDeleted,
}: {
  segment: Segment;
  onSaved: (s: Segment) => void;
  onDeleted: () => void;
}) {
  const [name, setName] = useState(segment.name);
  const [description, setDescription] = useState(segment.description ?? '');
  const [query, setQuery] = useState(segment.query);
  const [state, setState] = useState(segment.state);
  const [owners, setOwners] = useState((segment.owners ?? []).join(', '));
  const thresholds = useLoad(
    () => (segment.id ? thresholdsOf('segment', segment.id) : Promise.resolve([])),
    [segment.id],
  );
  const action = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const body = { name, description, query, state, owners: splitList(owners) };
      const saved = segment.id
        ? await api.patch<Segment>(`~/manage/segments/${segment.id}`, body)
        : await api.post<Segment>('~/manage/segments', body);
      onSaved(saved);
    });
  };
  const remove = () => {
    if (!window.confirm(`Delete segment ${segment.name}?`)) return;
    void action.run(async () => {
      await api.del(`~/manage/segments/${segment.id}`);
      onDeleted();
    });
  };

  return (
    <div className="card">
      <form className="form" onSubmit={submit} aria-label="Segment editor">
        <h1>{segment.id ? `Segment: ${segment.name}` : 'New segment'}</h1>
        <div className="grid2">
          <Field label="Name">
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <Field label="State">
            <select value={state} onChange={(e) => setState(e.target.value as Segment['state'])}>
              <option value="active">active</option>
              <option value="inactive">inactive (skipped in refreshes)</option>
            </select>
          </Field>
        </div>
        <Field label="Description">
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Query" hint="OData $filter over Customer; IsMemberOfSegment('name') and any/all are allowed.">
          <textarea
            className="code"
            rows={3}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            spellCheck={false}
          />
        </Field>
        <CountPreview entity="Customer" filter={query} noun="customers" />
        <Field label="Owners" hint="E-mail addresses, comma-separated.">
          <input value={owners} onChange={(e) => setOwners(e.target.value)} />
        </Field>
        <ErrorBox error={action.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={action.busy}>
            Save
          </button>
          {segment.id ? (
            <button type="button" className="danger" onClick={remove} disabled={action.busy}>
              Delete
            </button>
          ) : null}
        </div>
      </form>
      {segment.id ? (
        <>
          <h3>Member count over time</h3>
          <HistoryChart history={segment.history ?? []} thresholds={thresholds.data ?? []} />
        </>
      ) : null}
    </div>
  );
}
