// The parameters of a trigger (SPEC §4), edited as form fields: data source, segment or measure, threshold,
// direction, hysteresis, dimension, includeManual, change, perProfile, maxProfiles. Used by flows and webhook subscriptions.
import { listOrEmpty } from './api.ts';
import type { DataSource, Measure, Segment } from './shapes.ts';
import { useLoad } from './use-load.ts';
import { Field } from './widgets.tsx';

export type Params = Record<string, unknown>;

/** Which parameters apply to which trigger. */
export const paramsFor: Record<string, string[]> = {
  'datasource-refresh-failed': ['dataSourceId'],
  'datasource-refresh-succeeded': ['dataSourceId'],
  'segment-threshold-crossed': ['segmentId', 'threshold', 'direction', 'hysteresis'],
  'measure-threshold-crossed': ['measureId', 'threshold', 'direction', 'hysteresis', 'dimension'],
  'full-refresh-completed': ['includeManual'],
  'unification-completed': [],
  'segment-membership-changed': ['segmentId', 'change', 'perProfile', 'maxProfiles'],
};

const numberLabels: Record<string, string> = {
  threshold: 'Threshold',
  hysteresis: 'Hysteresis',
  maxProfiles: 'Most customers per evaluation',
};

/** Keeps only the parameters of the trigger, dropping empty ones. */
export function cleanParams(trigger: string, params: Params): Params {
  const keep = paramsFor[trigger] ?? [];
  return Object.fromEntries(Object.entries(params).filter(([k, v]) => keep.includes(k) && v !== undefined && v !== ''));
}

function useChoices() {
  return useLoad(async () => {
    const [ds, seg, mea] = await Promise.all([
      listOrEmpty<DataSource>('~/manage/datasources'),
      listOrEmpty<Segment>('~/manage/segments'),
      listOrEmpty<Measure>('~/manage/measures'),
    ]);
    return { dataSources: ds.value, segments: seg.value, measures: mea.value };
  }, []);
}

const numberOrEmpty = (s: string): number | string => (s.trim() === '' || Number.isNaN(Number(s)) ? s : Number(s));

export function TriggerParams({
  trigger,
  params,
  onChange,
}: {
  trigger: string;
  params: Params;
  onChange: (p: Params) => void;
}) {
  const choices = useChoices();
  const keys = paramsFor[trigger] ?? [];
  const set = (k: string, v: unknown) => onChange({ ...params, [k]: v });
  const text = (k: string) => (params[k] === undefined ? '' : String(params[k]));
  const pick = (k: string, label: string, options: Array<{ id: string; name: string }>, optional: boolean) => (
    <Field key={k} label={label}>
      <select aria-label={label} value={text(k)} onChange={(e) => set(k, e.target.value || undefined)}>
        <option value="">{optional ? '(any)' : '(choose)'}</option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </Field>
  );
  if (keys.length === 0) return <p className="muted">This trigger has no parameters.</p>;
  return (
    <div className="grid2">
      {keys.map((k) => {
        switch (k) {
          case 'dataSourceId':
            return pick(k, 'Data source', choices.data?.dataSources ?? [], true);
          case 'segmentId':
            return pick(k, 'Segment', choices.data?.segments ?? [], false);
          case 'measureId':
            return pick(k, 'Measure', choices.data?.measures ?? [], false);
          case 'direction':
            return (
              <Field key={k} label="Direction">
                <select aria-label="Direction" value={text(k) || 'above'} onChange={(e) => set(k, e.target.value)}>
                  <option>above</option>
                  <option>below</option>
                  <option>both</option>
                </select>
              </Field>
            );
          case 'change':
            return (
              <Field key={k} label="Change">
                <select aria-label="Change" value={text(k) || 'both'} onChange={(e) => set(k, e.target.value)}>
                  <option value="entered">entered</option>
                  <option value="exited">exited</option>
                  <option value="both">both</option>
                </select>
              </Field>
            );
          case 'perProfile':
            return (
              <label key={k} className="check">
                <input
                  type="checkbox"
                  aria-label="Once per customer"
                  checked={params[k] === true}
                  onChange={(e) => set(k, e.target.checked)}
                />{' '}
                Once per customer, with the profile (at most the number below per evaluation, default 1,000)
              </label>
            );
          case 'includeManual':
            return (
              <label key={k} className="check">
                <input type="checkbox" checked={params[k] === true} onChange={(e) => set(k, e.target.checked)} /> Also
                on-demand refreshes (not only scheduled ones)
              </label>
            );
          case 'dimension':
            return (
              <Field key={k} label="Dimension (JSON)" hint='For a measure with dimensions, e.g. {"Country": "DE"}.'>
                <input
                  aria-label="Dimension"
                  value={typeof params[k] === 'string' ? params[k] : params[k] ? JSON.stringify(params[k]) : ''}
                  onChange={(e) => {
                    try {
                      set(k, e.target.value ? (JSON.parse(e.target.value) as unknown) : undefined);
                    } catch {
                      set(k, e.target.value);
                    }
                  }}
                />
              </Field>
            );
          default:
            return (
              <Field key={k} label={numberLabels[k] ?? k}>
                <input
                  aria-label={numberLabels[k] ?? k}
                  inputMode="decimal"
                  value={text(k)}
                  onChange={(e) => set(k, numberOrEmpty(e.target.value))}
                />
              </Field>
            );
        }
      })}
    </div>
  );
}
