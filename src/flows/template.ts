// Liquid templates in flow steps (liquidjs), rendered over { event, steps }. An undefined variable or filter fails
// with a message naming it; a list renders comma-separated, so "{{ event.data.owners }}" mails every owner. Parsed
// templates are cached; parse and render work is bounded so a template cannot stall the worker.
import { Liquid, type Template } from 'liquidjs';
import { boundedMemo } from '../core/memo.ts';

/** How a value prints: lists comma-separated, objects as JSON, nothing for null. */
function display(value: unknown): string {
  if (Array.isArray(value)) return value.map(display).join(', ');
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  // An optional field may still be tested ({% if event.data.error %}) or defaulted ({{ x | default: '-' }}).
  lenientIf: true,
  /** Dates print in UTC, like the event times. */
  timezoneOffset: 0,
  ownPropertyOnly: true,
  outputEscape: (value: unknown) => display(value),
  /** Characters parsed per template. */
  parseLimit: 200_000,
  /** Render time per template, ms. */
  renderLimit: 1_000,
  /** Characters held in strings and arrays created while rendering. */
  memoryLimit: 10_000_000,
});

const parse = boundedMemo(1000, (text): Template[] => liquid.parse(text));

/** A template that does not parse or does not render; permanent, so the flow worker does not retry it. */
export class TemplateError extends Error {
  readonly code = 'TemplateError';
}

/** liquidjs appends ", line:1, col:4" and a source excerpt; keep the first line, which names the problem. */
const firstLine = (err: unknown): string => (err as Error).message.split('\n')[0] as string;

/** Save-time check: throws TemplateError with liquidjs' message when the text does not parse. */
export function validateTemplate(text: string): void {
  try {
    parse(text);
  } catch (err) {
    throw new TemplateError(`invalid template: ${firstLine(err)}`);
  }
}

/** Renders over the scope ({ event, steps }); throws TemplateError naming an undefined variable or a bad filter. */
export function renderTemplate(text: string, scope: Record<string, unknown>): string {
  if (!text.includes('{')) return text;
  try {
    return liquid.renderSync(parse(text), scope) as string;
  } catch (err) {
    throw new TemplateError(`template "${text.slice(0, 80)}": ${firstLine(err)}`);
  }
}
