// The segment builder: conditions picked from the unified attributes (operators by type, values suggested from the
// data), segment memberships, and AND/OR groups, written as the segment's OData query on every change. A query typed
// by hand is read back into the builder when it fits (see filter-model.ts); otherwise the builder says so.
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import {
  fromOData,
  operatorsFor,
  takesValue,
  toOData,
  type AttrCondition,
  type AttrType,
  type Group,
  type Item,
} from './filter-model.ts';
import type { ItemsPage } from './shapes.ts';

export interface Attribute {
  name: string;
  type: AttrType;
}

interface Props {
  attributes: Attribute[];
  /** Names of the segments a condition may require membership of. */
  segments: string[];
  query: string;
  onChange: (query: string) => void;
}

export function SegmentBuilder({ attributes, segments, query, onChange }: Props) {
  const typeOf = (a: string): AttrType => attributes.find((x) => x.name === a)?.type ?? 'string';
  const known = (a: string) => attributes.some((x) => x.name === a);
  const [model, setModel] = useState<Group | null>(() => fromOData(query, known));
  // A query changed from outside the builder (typed by hand) is read back into it.
  useEffect(() => {
    if (model && toOData(model, typeOf) === query.trim()) return;
    setModel(fromOData(query, known));
    // Only the text decides; the model is compared with it above.
  }, [query]);

  if (!model)
    return (
      <div className="builder" role="group" aria-label="Conditions">
        <p className="muted">
          This query uses more than the builder shows (for example any/all over related entities): edit it as OData
          below, or start over with conditions.
        </p>
        <button type="button" onClick={() => onChange('')}>
          Start over with conditions
        </button>
      </div>
    );
  const change = (next: Group) => {
    setModel(next);
    onChange(toOData(next, typeOf));
  };
  const first = attributes[0];
  const ctx: Ctx = { attributes, segments, typeOf, defaultAttr: first ? newAttr(first) : null };
  return (
    <div className="builder" role="group" aria-label="Conditions">
      <GroupEditor group={model} path="1" ctx={ctx} onChange={change} />
    </div>
  );
}

interface Ctx {
  attributes: Attribute[];
  segments: string[];
  typeOf: (a: string) => AttrType;
  defaultAttr: AttrCondition | null;
}

const newAttr = (a: Attribute): AttrCondition => ({
  kind: 'attr',
  attribute: a.name,
  op: operatorsFor[a.type][0]?.op ?? 'eq',
  value: '',
});

function GroupEditor({
  group,
  path,
  ctx,
  onChange,
  onRemove,
}: {
  group: Group;
  path: string;
  ctx: Ctx;
  onChange: (g: Group) => void;
  onRemove?: () => void;
}) {
  const set = (i: number, item: Item) => onChange({ ...group, items: group.items.map((x, j) => (j === i ? item : x)) });
  const remove = (i: number) => onChange({ ...group, items: group.items.filter((_, j) => j !== i) });
  const add = (item: Item) => onChange({ ...group, items: [...group.items, item] });
  const label = path === '1' ? 'Customers match' : `Group ${path} matches`;
  return (
    <fieldset className="builder-group">
      <legend>
        <label>
          {label}{' '}
          <select
            value={group.join}
            onChange={(e) => onChange({ ...group, join: e.target.value as Group['join'] })}
            aria-label={`${label}: all or any`}
          >
            <option value="and">all of (AND)</option>
            <option value="or">any of (OR)</option>
          </select>
        </label>
        {onRemove ? (
          <button type="button" className="danger" onClick={onRemove} aria-label={`Remove group ${path}`}>
            Remove group
          </button>
        ) : null}
      </legend>
      {group.items.length === 0 ? <p className="muted">No conditions: every customer.</p> : null}
      {group.items.map((item, i) => {
        const p = `${path}.${i + 1}`;
        if (item.kind === 'group')
          return (
            <GroupEditor
              key={i}
              group={item}
              path={p}
              ctx={ctx}
              onChange={(g) => set(i, g)}
              onRemove={() => remove(i)}
            />
          );
        return (
          <div className="builder-row" key={i}>
            {item.kind === 'attr' ? (
              <AttrEditor cond={item} path={p} ctx={ctx} onChange={(c) => set(i, c)} />
            ) : (
              <MemberEditor cond={item} path={p} ctx={ctx} onChange={(c) => set(i, c)} />
            )}
            <button type="button" onClick={() => remove(i)} aria-label={`Remove condition ${p}`}>
              Remove
            </button>
          </div>
        );
      })}
      <div className="row">
        {ctx.defaultAttr ? (
          <button type="button" onClick={() => add({ ...(ctx.defaultAttr as AttrCondition) })}>
            + Condition
          </button>
        ) : null}
        {ctx.segments.length ? (
          <button type="button" onClick={() => add({ kind: 'member', segment: ctx.segments[0] ?? '', member: true })}>
            + Segment membership
          </button>
        ) : null}
        {ctx.defaultAttr ? (
          <button
            type="button"
            onClick={() =>
              add({ kind: 'group', join: group.join === 'and' ? 'or' : 'and', items: [{ ...ctx.defaultAttr! }] })
            }
          >
            + Group
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}

function AttrEditor({
  cond,
  path,
  ctx,
  onChange,
}: {
  cond: AttrCondition;
  path: string;
  ctx: Ctx;
  onChange: (c: AttrCondition) => void;
}) {
  const type = ctx.typeOf(cond.attribute);
  const ops = operatorsFor[type];
  return (
    <>
      <select
        aria-label={`Condition ${path} attribute`}
        value={cond.attribute}
        onChange={(e) => {
          const a = ctx.attributes.find((x) => x.name === e.target.value);
          if (a) onChange(newAttr(a));
        }}
      >
        {ctx.attributes.map((a) => (
          <option key={a.name} value={a.name}>
            {a.name}
          </option>
        ))}
      </select>
      <select
        aria-label={`Condition ${path} operator`}
        value={cond.op}
        onChange={(e) => onChange({ ...cond, op: e.target.value })}
      >
        {ops.map((o) => (
          <option key={o.op} value={o.op}>
            {o.label}
          </option>
        ))}
      </select>
      {takesValue(type, cond.op) ? (
        <ValueInput
          attribute={cond.attribute}
          type={type}
          label={`Condition ${path} value`}
          value={cond.value}
          onChange={(value) => onChange({ ...cond, value })}
        />
      ) : null}
    </>
  );
}

function MemberEditor({
  cond,
  path,
  ctx,
  onChange,
}: {
  cond: Extract<Item, { kind: 'member' }>;
  path: string;
  ctx: Ctx;
  onChange: (c: Extract<Item, { kind: 'member' }>) => void;
}) {
  const names = ctx.segments.includes(cond.segment) ? ctx.segments : [cond.segment, ...ctx.segments];
  return (
    <>
      <select
        aria-label={`Condition ${path} membership`}
        value={cond.member ? 'in' : 'out'}
        onChange={(e) => onChange({ ...cond, member: e.target.value === 'in' })}
      >
        <option value="in">is a member of segment</option>
        <option value="out">is not a member of segment</option>
      </select>
      <select
        aria-label={`Condition ${path} segment`}
        value={cond.segment}
        onChange={(e) => onChange({ ...cond, segment: e.target.value })}
      >
        {names.map((n) => (
          <option key={n}>{n}</option>
        ))}
      </select>
    </>
  );
}

/** Suggested values of an attribute: its most frequent values among the first profiles. */
const suggestions = new Map<string, Promise<string[]>>();
function suggestionsOf(attribute: string): Promise<string[]> {
  let found = suggestions.get(attribute);
  if (!found) {
    const q = new URLSearchParams({ $select: attribute, $top: '1000', $filter: `${attribute} ne null` });
    found = api.get<ItemsPage>(`~/data/Customer?${q.toString()}`).then(
      (page) => {
        const counts = new Map<string, number>();
        for (const r of page.value) {
          const v = String(r[attribute]);
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        return [...counts.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 25)
          .map(([v]) => v);
      },
      () => [],
    );
    suggestions.set(attribute, found);
  }
  return found;
}

function ValueInput(props: {
  attribute: string;
  type: AttrType;
  label: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const { attribute, type, label, value, onChange } = props;
  const [values, setValues] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    if (type === 'string') void suggestionsOf(attribute).then((v) => live && setValues(v));
    return () => {
      live = false;
    };
  }, [attribute, type]);
  const listId = `values-${label.replace(/\W+/g, '-')}`;
  if (type === 'date' || type === 'timestamp')
    return <input type="date" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} />;
  return (
    <>
      <input
        aria-label={label}
        value={value}
        inputMode={type === 'string' ? undefined : 'decimal'}
        list={values.length ? listId : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {values.length ? (
        <datalist id={listId}>
          {values.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
      ) : null}
    </>
  );
}
