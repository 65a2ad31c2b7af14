// The triggers the server offers (GET …/triggers), with their summaries and parameters, so that the flow editor and
// the webhook form list every trigger — one the server adds later too. A server without the list falls back to the
// six connector triggers.
import { ApiError, api, type List } from './api.ts';
import { eventTypeOf, triggerNames } from './shapes.ts';
import { useLoad } from './use-load.ts';
import { triggerLabel } from './names.ts';

export interface TriggerParam {
  name: string;
  required: boolean;
  type: string;
  label: string;
  description: string | null;
  enum?: unknown[];
  default?: unknown;
}

/** Liquid templates a new message step starts with; `to`: the owners, for events that name them. */
export interface TriggerMessage {
  subject: string;
  text: string;
  to: string | null;
}

export interface TriggerInfo {
  name: string;
  eventType: string;
  summary: string;
  description?: string;
  parameters: TriggerParam[];
  message?: TriggerMessage;
}

const fallbackParams: Record<string, string[]> = {
  'datasource-refresh-failed': ['dataSourceId'],
  'datasource-refresh-succeeded': ['dataSourceId'],
  'segment-threshold-crossed': ['segmentId', 'threshold', 'direction', 'hysteresis'],
  'measure-threshold-crossed': ['measureId', 'threshold', 'direction', 'hysteresis', 'dimension'],
  'full-refresh-completed': ['includeManual'],
  'unification-completed': [],
};

const fallback = (): TriggerInfo[] =>
  triggerNames.map((name) => ({
    name,
    eventType: eventTypeOf[name] ?? name,
    summary: triggerLabel(name),
    parameters: (fallbackParams[name] ?? []).map((p) => ({
      name: p,
      required: p === 'segmentId' || p === 'measureId' || p === 'threshold',
      type: p === 'includeManual' ? 'boolean' : p === 'threshold' || p === 'hysteresis' ? 'number' : 'string',
      label: p,
      description: null,
    })),
  }));

export async function loadTriggers(): Promise<TriggerInfo[]> {
  try {
    return (await api.get<List<TriggerInfo>>('~/triggers')).value;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return fallback();
    throw e;
  }
}

/** The triggers of the server (the fallback list until they are loaded). */
export function useTriggers(): TriggerInfo[] {
  return useLoad(loadTriggers, []).data ?? fallback();
}
