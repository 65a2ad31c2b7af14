// The thresholds watching a segment or a measure: from its threshold subscriptions (webhooks, Power Automate) and
// from flows triggered by its threshold crossing. Missing routes count as none.
import { listOrEmpty } from './api.ts';
import type { Flow, Subscription } from './shapes.ts';

export async function thresholdsOf(kind: 'segment' | 'measure', id: string): Promise<number[]> {
  const idKey = kind === 'segment' ? 'segmentId' : 'measureId';
  const eventType = `${kind}.threshold.crossed`;
  const [subs, flows] = await Promise.all([listOrEmpty<Subscription>('~/subscriptions'), listOrEmpty<Flow>('~/flows')]);
  const found = [
    ...subs.value.filter((s) => s.eventTypes.includes(eventType) && s[idKey] === id).map((s) => s.threshold),
    ...flows.value
      .filter((f) => f.trigger.type === `${kind}-threshold-crossed` && f.trigger[idKey] === id)
      .map((f) => f.trigger.threshold),
  ];
  return [...new Set(found.filter((t): t is number => typeof t === 'number'))];
}
