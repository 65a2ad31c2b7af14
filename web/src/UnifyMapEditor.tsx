// Unify › Map in forms: per mapped source entity its primary key and, for each of its columns (from the entity's
// published schema), the unified attribute it feeds — an existing one, a new one (named in a text field, suggested
// from the column), or none. Entities are added from the sources that have data and removed again.
import { useState } from 'react';
import { suggestedName, unifiedAttributes, type MapEntry, type UnificationConfig } from './unify-model.ts';
import { Empty } from './widgets.tsx';

export interface SourceEntity {
  name: string;
  kind: string;
  key: string[];
  attributes: Array<{ name: string; type: string }>;
}

interface Props {
  config: UnificationConfig;
  entities: SourceEntity[];
  onChange: (c: UnificationConfig) => void;
}

const newChoice = '+new';

export function UnifyMapEditor({ config, entities, onChange }: Props) {
  const unmapped = entities.filter((e) => !config.map.some((m) => m.entity === e.name));
  const [adding, setAdding] = useState('');
  const chosen = unmapped.find((e) => e.name === adding) ?? unmapped[0];
  const setEntry = (i: number, entry: MapEntry) =>
    onChange({ ...config, map: config.map.map((m, k) => (k === i ? entry : m)) });
  const add = (e: SourceEntity) =>
    onChange({
      ...config,
      map: [...config.map, { entity: e.name, primaryKey: e.key[0] ?? e.attributes[0]?.name ?? '', attributes: {} }],
      match: { ...config.match, order: [...config.match.order, e.name] },
    });
  const remove = (entity: string) =>
    onChange({
      ...config,
      map: config.map.filter((m) => m.entity !== entity),
      match: { ...config.match, order: config.match.order.filter((o) => o !== entity) },
    });
  return (
    <section className="card" aria-labelledby="unify-map">
      <h2 id="unify-map">Map</h2>
      <p className="muted">
        Choose which column of each source feeds which unified attribute of a customer profile. Columns left unmapped
        are not part of the profile.
      </p>
      {config.map.length === 0 ? <Empty>No source is mapped yet: add one below.</Empty> : null}
      {config.map.map((m, i) => (
        <EntityMap
          key={m.entity}
          entry={m}
          schema={entities.find((e) => e.name === m.entity)}
          attributes={unifiedAttributes(config)}
          onChange={(entry) => setEntry(i, entry)}
          onRemove={() => remove(m.entity)}
        />
      ))}
      {unmapped.length ? (
        <div className="inline-form">
          <div className="field">
            <label htmlFor="unify-add-entity">Source to map</label>
            <select id="unify-add-entity" value={chosen?.name} onChange={(e) => setAdding(e.target.value)}>
              {unmapped.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name}
                </option>
              ))}
            </select>
          </div>
          <button type="button" onClick={() => chosen && add(chosen)}>
            Add to the map
          </button>
        </div>
      ) : null}
    </section>
  );
}

function EntityMap({
  entry,
  schema,
  attributes,
  onChange,
  onRemove,
}: {
  entry: MapEntry;
  schema: SourceEntity | undefined;
  attributes: string[];
  onChange: (e: MapEntry) => void;
  onRemove: () => void;
}) {
  // Columns whose attribute is being named as a new one.
  const [naming, setNaming] = useState<Set<string>>(new Set());
  const columns = schema
    ? schema.attributes
    : [...new Set([entry.primaryKey, ...Object.keys(entry.attributes)])].map((name) => ({ name, type: '' }));
  const setColumn = (column: string, attribute: string) => {
    const next = { ...entry.attributes };
    if (attribute) next[column] = attribute;
    else delete next[column];
    onChange({ ...entry, attributes: next });
  };
  const choose = (column: string, value: string) => {
    const named = new Set(naming);
    if (value === newChoice) {
      named.add(column);
      setColumn(column, suggestedName(column));
    } else {
      named.delete(column);
      setColumn(column, value);
    }
    setNaming(named);
  };
  const label = (column: string) => `${entry.entity} column ${column}`;
  return (
    <div className="map-entity">
      <div className="page-header">
        <h3>{entry.entity}</h3>
        <button type="button" className="danger" onClick={onRemove}>
          Remove {entry.entity} from the map
        </button>
      </div>
      {schema ? null : (
        <p className="muted">This source has no data yet: its columns are known once it has been refreshed.</p>
      )}
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`pk-${entry.entity}`}>Primary key of {entry.entity}</label>
          <select
            id={`pk-${entry.entity}`}
            value={entry.primaryKey}
            onChange={(e) => onChange({ ...entry, primaryKey: e.target.value })}
          >
            {columns.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="table-box">
        <table className="table" aria-label={`Columns of ${entry.entity}`}>
          <thead>
            <tr>
              <th>Column</th>
              <th>Type</th>
              <th>Unified attribute</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => {
              const current = entry.attributes[c.name] ?? '';
              const isNew = naming.has(c.name);
              return (
                <tr key={c.name}>
                  <td className="mono">{c.name}</td>
                  <td>{c.type || '—'}</td>
                  <td>
                    <div className="builder-row">
                      <select
                        aria-label={`Unified attribute of ${label(c.name)}`}
                        value={isNew ? newChoice : current}
                        onChange={(e) => choose(c.name, e.target.value)}
                      >
                        <option value="">— not mapped —</option>
                        {attributes.map((a) => (
                          <option key={a} value={a}>
                            {a}
                          </option>
                        ))}
                        <option value={newChoice}>New attribute…</option>
                      </select>
                      {isNew ? (
                        <input
                          aria-label={`New attribute name for ${label(c.name)}`}
                          value={current}
                          onChange={(e) => setColumn(c.name, e.target.value)}
                          spellCheck={false}
                        />
                      ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
