// Measures: the list (/measures) with current values, and one measure (/measures/{id}, /measures/new): entity,
// attribute, aggregation and dimensions picked from lists of the published entities, a filter with a live row-count
// preview, save errors inline, and the value history with threshold lines.
import { useState, type FormEvent } from 'react';
import { api, listOrEmpty } from './api.ts';
import { Link } from './Link.tsx';
import { navigate } from './router.ts';
import type { PageProps } from './routes.tsx';
import { CountPreview } from './CountPreview.tsx';
import { num } from './format.ts';
import { HistoryChart } from './HistoryChart.tsx';
import type { Entity, Measure } from './shapes.ts';
import { thresholdsOf } from './thresholds.ts';
import { useAction, useLoad } from './use-load.ts';
import { BackLink, Empty, ErrorBox, Field, NotFound, Progress } from './widgets.tsx';

const aggregations = ['sum', 'avg', 'count', 'countDistinct', 'min', 'max'];
const blank: Measure = { id: '', name: '', kind: 'business', entity: 'Customer', aggregation: 'count' };

export function MeasuresPage({ item }: PageProps) {
  if (item === 'new') return <MeasureItem measure={blank} />;
  if (item) return <MeasureById id={item} />;
  return <MeasureList />;
}

function MeasureList() {
  const measures = useLoad(() => listOrEmpty<Measure>('~/manage/measures'), []);
  const list = measures.data?.value ?? [];
  return (
    <section>
      <header className="page-header">
        <h1>Measures</h1>
        <Link className="button primary" to="/measures/new">
          New measure
        </Link>
      </header>
      <ErrorBox error={measures.error} />
      {measures.data?.missing ? <Empty>This server does not offer measures yet.</Empty> : null}
      {list.length === 0 && !measures.loading && !measures.data?.missing ? (
        <Empty>No measures yet. A measure aggregates an attribute of an entity, e.g. the sum of order totals.</Empty>
      ) : null}
      {list.length ? (
        <div className="table-box">
          <table className="table" aria-label="Measures">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Definition</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/measures/${encodeURIComponent(m.id)}`}>{m.name}</Link>
                  </td>
                  <td>{m.kind}</td>
                  <td className="mono">
                    {m.aggregation}({m.attribute ?? '*'}) of {m.entity}
                    {m.dimensions?.length ? ` by ${m.dimensions.join(', ')}` : ''}
                  </td>
                  <td>{m.values ? <DimensionValues values={m.values} /> : num(m.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function MeasureById({ id }: { id: string }) {
  const measure = useLoad(() => api.get<Measure>(`~/manage/measures/${encodeURIComponent(id)}`), [id]);
  if (measure.error) return <NotFound what="measure" id={id} back="/measures" error={measure.error} />;
  if (!measure.data) return <Progress label="Loading the measure" />;
  return <MeasureItem measure={measure.data} onChanged={measure.reload} />;
}

function MeasureItem({ measure, onChanged }: { measure: Measure; onChanged?: () => void }) {
  return (
    <section>
      <BackLink to="/measures">Measures</BackLink>
      <MeasureEditor
        key={measure.id || 'new'}
        measure={measure}
        onSaved={(m) =>
          measure.id ? onChanged?.() : navigate(`/measures/${encodeURIComponent(m.id)}`, { replace: true })
        }
        onDeleted={() => navigate('/measures')}
      />
    </section>
  );
}

function MeasureEditor({
  measure,
  onSaved,
  onDeleted,
}: {
  measure: Measure;
  onSaved: (m: Measure) => void;
  onDeleted: () => void;
}) {
  const [name, setName] = useState(measure.name);
  const [kind, setKind] = useState(measure.kind);
  const [entity, setEntity] = useState(measure.entity);
  const [aggregation, setAggregation] = useState(measure.aggregation);
  const [attribute, setAttribute] = useState(measure.attribute ?? '');
  const [filter, setFilter] = useState(measure.filter ?? '');
  const [dimensions, setDimensions] = useState<string[]>(measure.dimensions ?? []);
  const schema = useLoad(() => listOrEmpty<Entity>('~/manage/entities'), []);
  const entities = (schema.data?.value ?? []).filter((e) => e.name !== 'CustomerMeasures');
  const attributes = (entities.find((e) => e.name === entity)?.attributes ?? []).map((a) => a.name);
  const thresholds = useLoad(
    () => (measure.id ? thresholdsOf('measure', measure.id) : Promise.resolve([])),
    [measure.id],
  );
  const action = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const body = {
        name,
        kind,
        entity,
        aggregation,
        ...(attribute ? { attribute } : {}),
        ...(filter ? { filter } : {}),
        dimensions: kind === 'business' ? dimensions : [],
      };
      const saved = measure.id
        ? await api.patch<Measure>(`~/manage/measures/${measure.id}`, body)
        : await api.post<Measure>('~/manage/measures', body);
      onSaved(saved);
    });
  };
  const remove = () => {
    if (!window.confirm(`Delete measure ${measure.name}?`)) return;
    void action.run(async () => {
      await api.del(`~/manage/measures/${measure.id}`);
      onDeleted();
    });
  };

  return (
    <div className="card">
      <form className="form" onSubmit={submit} aria-label="Measure editor">
        <h1>{measure.id ? `Measure: ${measure.name}` : 'New measure'}</h1>
        <div className="grid2">
          <Field label="Name">
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <Field label="Kind">
            <select value={kind} onChange={(e) => setKind(e.target.value as Measure['kind'])}>
              <option value="business">business (one value, or one per dimension value)</option>
              <option value="customer">customer (one value per customer)</option>
            </select>
          </Field>
          <Field label="Entity">
            <select
              value={entity}
              onChange={(e) => {
                setEntity(e.target.value);
                setAttribute('');
                setDimensions([]);
              }}
              required
            >
              {withCurrent(
                entities.map((e) => e.name),
                entity,
              ).map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </Field>
          <Field label="Aggregation">
            <select value={aggregation} onChange={(e) => setAggregation(e.target.value)}>
              {aggregations.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </Field>
          <Field label="Attribute" hint="Optional for count.">
            <select value={attribute} onChange={(e) => setAttribute(e.target.value)}>
              <option value="">(none: count rows)</option>
              {withCurrent(attributes, attribute)
                .filter(Boolean)
                .map((a) => (
                  <option key={a}>{a}</option>
                ))}
            </select>
          </Field>
        </div>
        {kind === 'business' ? (
          <fieldset className="checks">
            <legend>Dimensions (group by)</legend>
            {withCurrent(attributes, ...dimensions).map((a) => (
              <label key={a} className="check">
                <input
                  type="checkbox"
                  checked={dimensions.includes(a)}
                  onChange={(e) =>
                    setDimensions(e.target.checked ? [...dimensions, a] : dimensions.filter((d) => d !== a))
                  }
                />{' '}
                {a}
              </label>
            ))}
          </fieldset>
        ) : null}
        <Field label="Filter" hint="Optional OData $filter over the entity.">
          <textarea
            className="code"
            rows={2}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            spellCheck={false}
          />
        </Field>
        <CountPreview entity={entity} filter={filter} noun="rows" />
        <ErrorBox error={action.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={action.busy}>
            Save
          </button>
          {measure.id ? (
            <button type="button" className="danger" onClick={remove} disabled={action.busy}>
              Delete
            </button>
          ) : null}
        </div>
      </form>
      {measure.id ? (
        <>
          <h2>Value over time</h2>
          <HistoryChart history={measure.history ?? []} thresholds={thresholds.data ?? []} />
        </>
      ) : null}
    </div>
  );
}

/** The choices of a list, with the current values first when the list does not hold them (not published yet). */
const withCurrent = (choices: string[], ...current: string[]): string[] => [
  ...current.filter((c) => c && !choices.includes(c)),
  ...choices,
];

/** The values of a measure with dimensions, one line per dimension value (the largest first, at most five). */
function DimensionValues({ values }: { values: NonNullable<Measure['values']> }) {
  const top = [...values].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity)).slice(0, 5);
  return (
    <span className="dimension-values">
      {top.map((v) => (
        <span key={JSON.stringify(v.dimension)}>
          {Object.values(v.dimension).map(String).join(' · ')}: {num(v.value)}
        </span>
      ))}
      {values.length > top.length ? <span>… {values.length - top.length} more</span> : null}
    </span>
  );
}
