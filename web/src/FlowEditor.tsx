// The built-in flow editor: a name, one of the server's triggers (by its summary) with its parameters, and ordered
// steps of the five step types with their fields. Text fields are Liquid templates over the event and earlier steps.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Flow, FlowStep } from './shapes.ts';
import { cleanParams, TriggerParams, type Params } from './TriggerParams.tsx';
import { useTriggers, type TriggerMessage } from './triggers.ts';
import { useAction } from './use-load.ts';
import { ErrorBox, Field } from './widgets.tsx';

interface StepField {
  name: string;
  label: string;
  multiline?: boolean;
  json?: boolean;
  number?: boolean;
}

/** Step types and their fields (SPEC §5.5). */
export const stepTypes: Record<string, { label: string; fields: StepField[] }> = {
  'teams.postMessage': {
    label: 'Microsoft Teams: post a message',
    fields: [
      { name: 'webhookUrl', label: 'Incoming webhook / Workflows URL' },
      { name: 'title', label: 'Title' },
      { name: 'text', label: 'Text', multiline: true },
    ],
  },
  'slack.postMessage': {
    label: 'Slack: post a message',
    fields: [
      { name: 'webhookUrl', label: 'Incoming webhook URL' },
      { name: 'text', label: 'Text', multiline: true },
    ],
  },
  'email.send': {
    label: 'E-mail: send',
    fields: [
      { name: 'to', label: 'To' },
      { name: 'cc', label: 'Cc' },
      { name: 'subject', label: 'Subject' },
      { name: 'body', label: 'Body', multiline: true },
    ],
  },
  'http.request': {
    label: 'HTTP: call an endpoint',
    fields: [
      { name: 'method', label: 'Method' },
      { name: 'url', label: 'URL' },
      { name: 'headers', label: 'Headers (JSON object)', json: true },
      { name: 'body', label: 'Body', multiline: true },
    ],
  },
  'data.getItems': {
    label: 'Data: get items from an entity',
    fields: [
      { name: 'entity', label: 'Entity' },
      { name: 'filter', label: 'Filter' },
      { name: 'select', label: 'Select' },
      { name: 'top', label: 'Top', number: true },
    ],
  },
};

/** Until the server's triggers are loaded: templates that render on any event. */
const genericMessage: TriggerMessage = { subject: '{{ event.type }}', text: '{{ event.data | json }}', to: null };

const sameMessage = (a: TriggerMessage, b: TriggerMessage): boolean =>
  a.subject === b.subject && a.text === b.text && a.to === b.to;

/** The fields of a message step filled from a trigger's message templates. */
function messageFields(type: string, m: TriggerMessage): Record<string, unknown> {
  switch (type) {
    case 'teams.postMessage':
      return { title: m.subject, text: m.text };
    case 'slack.postMessage':
      return { text: `${m.subject}\n${m.text}` };
    case 'email.send':
      return { to: m.to ?? '', subject: m.subject, body: m.text };
    default:
      return {};
  }
}

const fixedDefaults: Record<string, Record<string, unknown>> = {
  'http.request': { method: 'POST', body: '{{ event | json }}' },
  'data.getItems': { entity: 'Customer', top: 10 },
};

export function newStep(type: string, index: number, message: TriggerMessage = genericMessage): FlowStep {
  return {
    name: `${type.split('.')[0]}${index + 1}`,
    type,
    ...(fixedDefaults[type] ?? {}),
    ...messageFields(type, message),
  };
}

/** A step whose message fields are still one trigger's defaults gets another's; fields someone edited stay. */
function retarget(step: FlowStep, from: TriggerMessage, to: TriggerMessage): FlowStep {
  const next = messageFields(step.type, to);
  const out = { ...step };
  for (const [k, v] of Object.entries(messageFields(step.type, from))) if (step[k] === v) out[k] = next[k];
  return out;
}

/** A new flow: with one step of `stepType`, on the trigger that fits it. */
export function newFlow(stepType?: string): Flow {
  const type = stepType ?? 'teams.postMessage';
  return {
    id: '',
    name: '',
    enabled: true,
    trigger: { type: type === 'email.send' ? 'segment-threshold-crossed' : 'datasource-refresh-failed' },
    steps: [newStep(type, 0)],
  };
}

export function FlowEditor({ flow, onSaved }: { flow: Flow; onSaved: (f: Flow) => void }) {
  const [name, setName] = useState(flow.name);
  const [enabled, setEnabled] = useState(flow.enabled);
  const [triggerType, setTriggerType] = useState(flow.trigger.type);
  const [params, setParams] = useState<Params>(() => {
    const { type: _type, ...rest } = flow.trigger;
    return rest;
  });
  const [steps, setSteps] = useState<FlowStep[]>(flow.steps);
  const triggers = useTriggers();
  const trigger = triggers.find((t) => t.name === triggerType);
  const action = useAction();
  // Message steps of a new flow start from the trigger's templates and follow a change of trigger (a saved flow's
  // steps follow only a change made here), so that a default text never names a field the event does not have.
  const loaded = trigger?.message;
  const applied = useRef<TriggerMessage | null>(flow.id ? null : genericMessage);
  useEffect(() => {
    if (!loaded) return;
    const from = applied.current;
    applied.current = loaded;
    if (from && !sameMessage(from, loaded)) setSteps((list) => list.map((s) => retarget(s, from, loaded)));
  }, [loaded]);

  const setStep = (i: number, s: FlowStep) => setSteps(steps.map((x, j) => (j === i ? s : x)));
  const move = (i: number, by: number) => {
    const next = steps.slice();
    const [s] = next.splice(i, 1);
    next.splice(i + by, 0, s as FlowStep);
    setSteps(next);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const body = {
        name,
        enabled,
        trigger: { type: triggerType, ...cleanParams(trigger, params) },
        steps: steps.map(cleanStep),
      };
      const saved = flow.id ? await api.patch<Flow>(`~/flows/${flow.id}`, body) : await api.post<Flow>('~/flows', body);
      onSaved(saved);
    });
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="Flow editor">
      <h1>{flow.id ? `Flow: ${flow.name}` : 'New flow'}</h1>
      <div className="grid2">
        <Field label="Name">
          <input name="flowName" value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Trigger">
          <select aria-label="Trigger" value={triggerType} onChange={(e) => setTriggerType(e.target.value)}>
            {triggers.map((t) => (
              <option key={t.name} value={t.name}>
                {t.summary}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      <h2>Trigger parameters</h2>
      <TriggerParams trigger={trigger} params={params} onChange={setParams} />
      <h2>Steps</h2>
      <p className="muted">
        Text fields are Liquid templates: {'{{ event.data.dataSourceName }}'}, {'{{ steps.<name>.output }}'}.
      </p>
      {steps.map((s, i) => (
        <StepEditor
          key={i}
          step={s}
          first={i === 0}
          last={i === steps.length - 1}
          onChange={(x) => setStep(i, x)}
          onMove={(by) => move(i, by)}
          onRemove={() => setSteps(steps.filter((_, j) => j !== i))}
        />
      ))}
      <div className="row">
        {Object.keys(stepTypes).map((t) => (
          <button key={t} type="button" onClick={() => setSteps([...steps, newStep(t, steps.length, loaded)])}>
            + {stepTypes[t]?.label ?? t}
          </button>
        ))}
      </div>
      <ErrorBox error={action.error} />
      <button type="submit" className="primary" disabled={action.busy}>
        Save flow
      </button>
    </form>
  );
}

/** Drops empty optional fields and parses JSON fields left as text. */
function cleanStep(s: FlowStep): FlowStep {
  const out: FlowStep = { name: s.name, type: s.type };
  for (const f of stepTypes[s.type]?.fields ?? []) {
    const v = s[f.name];
    if (v === undefined || v === '') continue;
    out[f.name] = f.json && typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  }
  return out;
}

function StepEditor({
  step,
  first,
  last,
  onChange,
  onMove,
  onRemove,
}: {
  step: FlowStep;
  first: boolean;
  last: boolean;
  onChange: (s: FlowStep) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const def = stepTypes[step.type];
  const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <fieldset className="step" data-step={step.type}>
      <legend>
        {def?.label ?? step.type}
        <span className="step-tools">
          <button type="button" disabled={first} onClick={() => onMove(-1)} aria-label="Move up">
            ↑
          </button>
          <button type="button" disabled={last} onClick={() => onMove(1)} aria-label="Move down">
            ↓
          </button>
          <button type="button" className="danger" onClick={onRemove}>
            Remove
          </button>
        </span>
      </legend>
      <Field label="Step name">
        <input value={step.name} onChange={(e) => onChange({ ...step, name: e.target.value })} />
      </Field>
      {(def?.fields ?? []).map((f) => (
        <Field key={f.name} label={f.label}>
          {f.multiline ? (
            <textarea
              aria-label={f.label}
              rows={3}
              value={show(step[f.name])}
              onChange={(e) => onChange({ ...step, [f.name]: e.target.value })}
            />
          ) : (
            <input
              aria-label={f.label}
              value={show(step[f.name])}
              onChange={(e) =>
                onChange({
                  ...step,
                  [f.name]: f.number && /^\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value,
                })
              }
            />
          )}
        </Field>
      ))}
    </fieldset>
  );
}
