// The parameters of a trigger, edited as form fields, as the server lists them (GET …/triggers): a data source,
// segment or measure picked by name, a direction from its choices, numbers, on/off switches, a dimension as JSON —
// and any other parameter by its type. Used by flows and webhook subscriptions.
import { listOrEmpty } from './api.ts';
import type { DataSource, Measure, Segment } from './shapes.ts';
import type { TriggerInfo, TriggerParam } from './triggers.ts';
import { useLoad } from './use-load.ts';
import { Field } from './widgets.tsx';

export type Params = Record<string, unknown>;

/** Keeps only the parameters of the trigger, dropping empty ones. */
export function cleanParams(trigger: TriggerInfo | undefined, params: Params): Params {
  const keep = new Set((trigger?.parameters ?? []).map((p) => p.name));
  return Object.fromEntries(Object.entries(params).filter(([k, v]) => keep.has(k) && v !== undefined && v !== ''));
}

function useChoices() {
  return useLoad(async () => {
    const [ds, seg, mea] = await Promise.all([
      listOrEmpty<DataSource>('~/manage/datasources'),
      listOrEmpty<Segment>('~/manage/segments'),
      listOrEmpty<Measure>('~/manage/measures'),
    ]);
    return { dataSourceId: ds.value, segmentId: seg.value, measureId: mea.value };
  }, []);
}

const pickLabels: Record<string, string> = { dataSourceId: 'Data source', segmentId: 'Segment', measureId: 'Measure' };
const numberOrText = (s: string): number | string => (s.trim() === '' || Number.isNaN(Number(s)) ? s : Number(s));

export function TriggerParams({
  trigger,
  params,
  onChange,
}: {
  trigger: TriggerInfo | undefined;
  params: Params;
  onChange: (p: Params) => void;
}) {
  const choices = useChoices();
  const set = (k: string, v: unknown) => onChange({ ...params, [k]: v });
  const text = (k: string) => (params[k] === undefined ? '' : String(params[k]));
  const list = trigger?.parameters ?? [];
  if (list.length === 0) return <p className="muted">This trigger has no parameters.</p>;
  const field = (p: TriggerParam) => {
    const label = pickLabels[p.name] ?? p.label;
    const pickFrom = choices.data?.[p.name as keyof NonNullable<typeof choices.data>];
    if (p.name in pickLabels)
      return (
        <Field key={p.name} label={label}>
          <select value={text(p.name)} onChange={(e) => set(p.name, e.target.value || undefined)}>
            <option value="">{p.required ? '(choose)' : '(any)'}</option>
            {(pickFrom ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
      );
    if (p.enum)
      return (
        <Field key={p.name} label={label}>
          <select value={text(p.name) || String(p.default ?? p.enum[0])} onChange={(e) => set(p.name, e.target.value)}>
            {p.enum.map((v) => (
              <option key={String(v)}>{String(v)}</option>
            ))}
          </select>
        </Field>
      );
    if (p.type === 'boolean')
      return (
        <label key={p.name} className="check">
          <input
            type="checkbox"
            checked={params[p.name] === undefined ? p.default === true : params[p.name] === true}
            onChange={(e) => set(p.name, e.target.checked)}
          />{' '}
          {label}
          {p.description ? <span className="muted"> — {p.description}</span> : null}
        </label>
      );
    if (p.type === 'object')
      return (
        <Field key={p.name} label={`${label} (JSON)`} hint={p.description ?? undefined}>
          <input
            value={
              typeof params[p.name] === 'string'
                ? String(params[p.name])
                : params[p.name]
                  ? JSON.stringify(params[p.name])
                  : ''
            }
            onChange={(e) => {
              try {
                set(p.name, e.target.value ? (JSON.parse(e.target.value) as unknown) : undefined);
              } catch {
                set(p.name, e.target.value);
              }
            }}
          />
        </Field>
      );
    const numeric = p.type === 'number' || p.type === 'integer';
    return (
      <Field key={p.name} label={label} hint={p.description ?? undefined}>
        <input
          inputMode={numeric ? 'decimal' : undefined}
          value={text(p.name)}
          onChange={(e) => set(p.name, numeric ? numberOrText(e.target.value) : e.target.value)}
        />
      </Field>
    );
  };
  return <div className="grid2">{list.map(field)}</div>;
}
