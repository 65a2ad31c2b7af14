// Unify › Merge in forms: the policy that picks each unified attribute's value among a profile's records — one
// default and any number of attributes with a policy of their own (most recent and least recent order by a date
// attribute).
import { useState } from 'react';
import { needsBy, policies, unifiedAttributes, type Policy, type UnificationConfig } from './unify-model.ts';

interface Props {
  config: UnificationConfig;
  onChange: (c: UnificationConfig) => void;
}

export function UnifyMergeEditor({ config, onChange }: Props) {
  const attributes = unifiedAttributes(config);
  const { merge } = config;
  const free = attributes.filter((a) => !merge.attributes[a]);
  const [adding, setAdding] = useState('');
  const chosen = free.includes(adding) ? adding : free[0];
  const setAttributes = (next: Record<string, Policy>) =>
    onChange({ ...config, merge: { ...merge, attributes: next } });
  return (
    <section className="card" aria-labelledby="unify-merge">
      <h2 id="unify-merge">Merge</h2>
      <p className="muted">Which value a profile keeps when its records disagree.</p>
      <div className="row">
        <span>Every attribute, unless it has a policy below:</span>
        <PolicyPicker
          label="Default merge policy"
          value={merge.default}
          attributes={attributes}
          onChange={(p) => onChange({ ...config, merge: { ...merge, default: p } })}
        />
      </div>
      <div className="table-box">
        <table className="table" aria-label="Merge policies of attributes">
          <thead>
            <tr>
              <th>Attribute</th>
              <th>Policy</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(merge.attributes).map(([attr, p]) => (
              <tr key={attr}>
                <td className="mono">{attr}</td>
                <td>
                  <PolicyPicker
                    label={`Merge policy of ${attr}`}
                    value={p}
                    attributes={attributes}
                    onChange={(next) => setAttributes({ ...merge.attributes, [attr]: next })}
                  />
                </td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() =>
                      setAttributes(Object.fromEntries(Object.entries(merge.attributes).filter(([a]) => a !== attr)))
                    }
                  >
                    Remove the policy of {attr}
                  </button>
                </td>
              </tr>
            ))}
            {Object.keys(merge.attributes).length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  Every attribute follows the default.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {chosen ? (
        <div className="inline-form">
          <div className="field">
            <label htmlFor="merge-add">Attribute with a policy of its own</label>
            <select id="merge-add" value={chosen} onChange={(e) => setAdding(e.target.value)}>
              {free.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          <button type="button" onClick={() => setAttributes({ ...merge.attributes, [chosen]: { ...merge.default } })}>
            Add a policy
          </button>
        </div>
      ) : null}
    </section>
  );
}

function PolicyPicker({
  label,
  value,
  attributes,
  onChange,
}: {
  label: string;
  value: Policy;
  attributes: string[];
  onChange: (p: Policy) => void;
}) {
  return (
    <div className="builder-row">
      <select
        aria-label={label}
        value={value.policy}
        onChange={(e) => {
          const policy = e.target.value;
          onChange(needsBy(policy) ? { policy, by: value.by ?? attributes[0] ?? '' } : { policy });
        }}
      >
        {policies.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      {needsBy(value.policy) ? (
        <select
          aria-label={`${label}: by`}
          value={value.by ?? ''}
          onChange={(e) => onChange({ ...value, by: e.target.value })}
        >
          {attributes.map((a) => (
            <option key={a} value={a}>
              by {a}
            </option>
          ))}
        </select>
      ) : null}
    </div>
  );
}
