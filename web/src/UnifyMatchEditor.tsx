// Unify › Match in forms: the order of the sources (most important first), matching within a source, and the
// rules in the order they are tried — each a name and conditions (unified attribute, normalizations, precision) —
// with the records each rule joined in the last run and in the last test.
import { num } from './format.ts';
import {
  move,
  normalizations,
  precisions,
  removeAt,
  replaceAt,
  unifiedAttributes,
  type Condition,
  type Rule,
  type UnificationConfig,
  type UnifyStats,
} from './unify-model.ts';
import { Empty } from './widgets.tsx';

interface Props {
  config: UnificationConfig;
  lastRun: UnifyStats | undefined;
  tested: UnifyStats | undefined;
  onChange: (c: UnificationConfig) => void;
}

export function UnifyMatchEditor({ config, lastRun, tested, onChange }: Props) {
  const { match } = config;
  const attributes = unifiedAttributes(config);
  const setMatch = (m: Partial<UnificationConfig['match']>) => onChange({ ...config, match: { ...match, ...m } });
  const setRules = (rules: Rule[]) => setMatch({ rules });
  const newCondition = (): Condition => ({ attribute: attributes[0] ?? '', normalize: [], precision: 'exact' });
  return (
    <section className="card" aria-labelledby="unify-match">
      <h2 id="unify-match">Match</h2>
      <h3>Order of the sources</h3>
      <p className="muted">The first source is the most important: its values win when profiles are merged.</p>
      <ol className="order-list" aria-label="Order of the sources">
        {match.order.map((entity, i) => (
          <li key={entity}>
            <span className="mono">{entity}</span>
            <button type="button" onClick={() => setMatch({ order: move(match.order, i, -1) })} disabled={i === 0}>
              Move {entity} up
            </button>
            <button
              type="button"
              onClick={() => setMatch({ order: move(match.order, i, 1) })}
              disabled={i === match.order.length - 1}
            >
              Move {entity} down
            </button>
          </li>
        ))}
      </ol>
      <label className="check">
        <input
          type="checkbox"
          checked={match.deduplicate}
          onChange={(e) => setMatch({ deduplicate: e.target.checked })}
        />
        Also match records within the same source (deduplicate)
      </label>
      <h3>Rules</h3>
      <p className="muted">Rules are tried in order; records join one profile when every condition of a rule holds.</p>
      {match.rules.length === 0 ? <Empty>No rules: every record becomes a profile of its own.</Empty> : null}
      {match.rules.map((rule, i) => (
        <RuleEditor
          key={i}
          rule={rule}
          n={i + 1}
          last={i === match.rules.length - 1}
          attributes={attributes}
          lastRun={lastRun?.matchesPerRule?.[rule.name]}
          tested={tested?.matchesPerRule?.[rule.name]}
          onChange={(r) => setRules(replaceAt(match.rules, i, r))}
          onMove={(by) => setRules(move(match.rules, i, by))}
          onRemove={() => setRules(removeAt(match.rules, i))}
          newCondition={newCondition}
        />
      ))}
      <button
        type="button"
        onClick={() =>
          setRules([...match.rules, { name: `Rule ${match.rules.length + 1}`, conditions: [newCondition()] }])
        }
      >
        + Rule
      </button>
    </section>
  );
}

function RuleEditor(props: {
  rule: Rule;
  n: number;
  last: boolean;
  attributes: string[];
  lastRun: number | undefined;
  tested: number | undefined;
  onChange: (r: Rule) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
  newCondition: () => Condition;
}) {
  const { rule, n, attributes, onChange } = props;
  const setCondition = (i: number, c: Condition) => onChange({ ...rule, conditions: replaceAt(rule.conditions, i, c) });
  return (
    <fieldset className="builder-group rule">
      <legend>Rule {n}</legend>
      <div className="builder-row">
        <div className="field">
          <label htmlFor={`rule-${n}-name`}>Rule {n} name</label>
          <input
            id={`rule-${n}-name`}
            value={rule.name}
            onChange={(e) => onChange({ ...rule, name: e.target.value })}
          />
        </div>
        <p className="rule-counts">
          Last run: {props.lastRun === undefined ? '—' : `${num(props.lastRun)} joined`}
          {props.tested === undefined ? '' : ` · test: ${num(props.tested)} joined`}
        </p>
      </div>
      {rule.conditions.map((c, i) => {
        const label = `Rule ${n} condition ${i + 1}`;
        const options = attributes.includes(c.attribute) || !c.attribute ? attributes : [c.attribute, ...attributes];
        return (
          <div key={i} className="condition">
            <select
              aria-label={`${label} attribute`}
              value={c.attribute}
              onChange={(e) => setCondition(i, { ...c, attribute: e.target.value })}
            >
              {options.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
            <select
              aria-label={`${label} precision`}
              value={String(c.precision)}
              onChange={(e) => {
                const v = e.target.value;
                setCondition(i, { ...c, precision: Number.isNaN(Number(v)) ? v : Number(v) });
              }}
            >
              {typeof c.precision === 'number' ? (
                <option value={String(c.precision)}>{Math.round(c.precision * 100)} % similar</option>
              ) : null}
              {precisions.map(([v, text]) => (
                <option key={v} value={v}>
                  {text}
                </option>
              ))}
            </select>
            <fieldset className="checks normalize" aria-label={`${label} normalize`}>
              <legend className="muted">Normalize</legend>
              {normalizations.map(([v, text]) => (
                <label key={v} className="check">
                  <input
                    type="checkbox"
                    checked={c.normalize.includes(v)}
                    onChange={(e) =>
                      setCondition(i, {
                        ...c,
                        normalize: e.target.checked
                          ? normalizations.map(([x]) => x).filter((x) => x === v || c.normalize.includes(x))
                          : c.normalize.filter((x) => x !== v),
                      })
                    }
                  />
                  {text}
                </label>
              ))}
            </fieldset>
            <button
              type="button"
              onClick={() => onChange({ ...rule, conditions: removeAt(rule.conditions, i) })}
              disabled={rule.conditions.length === 1}
            >
              Remove {label.toLowerCase()}
            </button>
          </div>
        );
      })}
      <div className="step-tools">
        <button
          type="button"
          onClick={() => onChange({ ...rule, conditions: [...rule.conditions, props.newCondition()] })}
        >
          + Condition in rule {n}
        </button>
        <button type="button" onClick={() => props.onMove(-1)} disabled={n === 1}>
          Move rule {n} up
        </button>
        <button type="button" onClick={() => props.onMove(1)} disabled={props.last}>
          Move rule {n} down
        </button>
        <button type="button" className="danger" onClick={props.onRemove}>
          Remove rule {n}
        </button>
      </div>
    </fieldset>
  );
}
