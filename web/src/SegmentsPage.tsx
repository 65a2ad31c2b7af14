// Segments: the list (/segments) with member counts, and one segment (/segments/{id}, /segments/new): the builder of
// conditions with the generated, editable OData query and its live count, save errors inline, and the member-count
// history with threshold lines.
import { useState, type FormEvent } from 'react';
import { api, listOrEmpty } from './api.ts';
import { Link } from './Link.tsx';
import { navigate } from './router.ts';
import type { PageProps } from './routes.tsx';
import { CountPreview } from './CountPreview.tsx';
import { num, splitList } from './format.ts';
import { HistoryChart } from './HistoryChart.tsx';
import type { AttrType } from './filter-model.ts';
import { SegmentBuilder, type Attribute } from './SegmentBuilder.tsx';
import type { Entity, Segment } from './shapes.ts';
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

/** What the builder offers: Customer's attributes with their types (from the published entity, else the unified
 * attributes of the unification configuration, as text), and the names of the segments. */
async function builderSchema(): Promise<{ attributes: Attribute[]; segments: string[] }> {
  const [entities, segments] = await Promise.all([
    listOrEmpty<Entity>('~/manage/entities'),
    listOrEmpty<Segment>('~/manage/segments'),
  ]);
  let attributes: Attribute[] = (entities.value.find((e) => e.name === 'Customer')?.attributes ?? []).map((a) => ({
    name: a.name,
    type: a.type as AttrType,
  }));
  if (attributes.length === 0) {
    const config = await api
      .get<{ map: Array<{ attributes: Record<string, string> }> }>('~/manage/unification')
      .catch(() => ({ map: [] }));
    const names = new Set(config.map.flatMap((m) => Object.values(m.attributes)));
    attributes = [...names].map((name) => ({ name, type: 'string' }));
  }
  return { attributes, segments: segments.value.map((s) => s.name) };
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
  const schema = useLoad(builderSchema, []);
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
        <h2>Conditions</h2>
        {/* The builder reads the query once the attributes are known, so a saved segment opens in it. */}
        {schema.data ? (
          <SegmentBuilder
            attributes={schema.data.attributes}
            segments={schema.data.segments.filter((n) => n !== segment.name)}
            query={query}
            onChange={setQuery}
          />
        ) : (
          <Progress label="Loading the attributes" />
        )}
        <Field
          label="Query (OData)"
          hint="Written by the conditions above; you may edit it. IsMemberOfSegment('name') and any/all are allowed."
        >
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
          <h2>Member count over time</h2>
          <HistoryChart history={segment.history ?? []} thresholds={thresholds.data ?? []} />
        </>
      ) : null}
    </div>
  );
}
