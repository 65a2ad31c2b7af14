// Audit entries: who (a connection, a signed-in user, the command line), when, what (action and target) and a
// summary of the change. Summaries are built from names and field names only, never from values that may be secret.

export interface Actor {
  type: 'connection' | 'user' | 'cli';
  id: string;
  email?: string;
  name?: string;
}

export interface AuditEntry {
  id: string;
  instanceId: string;
  at: string;
  actor: Actor;
  action: string;
  target: { type: string; id: string };
  summary: string;
  requestId: string | null;
}

export interface AuditFilter {
  /** Actor id or e-mail. */
  actor?: string;
  action?: string;
  /** Target id. */
  target?: string;
  since?: string;
  until?: string;
  /** Keyset position: entries strictly older than (at, id). */
  before?: { at: string; id: string };
  top: number;
}

/** The body fields whose values a summary may show: names and choices, never free-form configuration. */
const shownFields = new Set(['name', 'role', 'email', 'operationType', 'state', 'enabled', 'kind', 'timezone']);

const clean = (v: string): string => {
  const flat = [...v].map((ch) => (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127 ? ' ' : ch)).join('');
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
};

/** "Create a segment: name "High value", state Active; fields name, query, state". */
export function summarize(what: string, body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return what;
  const entries = Object.entries(body as Record<string, unknown>);
  const shown = entries
    .filter(([k, v]) => shownFields.has(k) && ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => (typeof v === 'string' ? `${k} "${clean(v)}"` : `${k} ${String(v)}`));
  const fields = entries.map(([k]) => clean(k));
  const parts = [shown.join(', '), fields.length > 0 ? `fields ${fields.join(', ')}` : ''].filter((p) => p !== '');
  return parts.length > 0 ? `${what}: ${parts.join('; ')}` : what;
}
