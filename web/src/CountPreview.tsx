// A live count of the rows a filter selects, from GET …/data/{entity}?$filter=…&$count=true&$top=0, refreshed a
// moment after the text stops changing.
import { useEffect, useState } from 'react';
import { api, messageOf } from './api.ts';
import { num } from './format.ts';
import type { ItemsPage } from './shapes.ts';

/** Milliseconds of quiet typing before the count is asked for. */
const settleMs = 400;

export function CountPreview({ entity, filter, noun }: { entity: string; filter: string; noun: string }) {
  const [state, setState] = useState<{ count?: number; error?: string; busy: boolean }>({ busy: false });
  useEffect(() => {
    if (!entity) return;
    let live = true;
    setState((s) => ({ ...s, busy: true }));
    const t = setTimeout(() => {
      const q = new URLSearchParams({ $count: 'true', $top: '0' });
      if (filter.trim()) q.set('$filter', filter.trim());
      api.get<ItemsPage>(`~/data/${encodeURIComponent(entity)}?${q.toString()}`).then(
        (p) => live && setState({ count: p['@odata.count'] ?? 0, busy: false }),
        (e: unknown) => live && setState({ error: messageOf(e), busy: false }),
      );
    }, settleMs);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [entity, filter]);
  return (
    <div className="preview" aria-live="polite" aria-label="Count preview">
      {state.busy ? (
        <span className="muted">Counting…</span>
      ) : state.error ? (
        <span className="error-inline">{state.error}</span>
      ) : state.count !== undefined ? (
        <span>
          <strong>{num(state.count)}</strong> {noun} match now
        </span>
      ) : null}
    </div>
  );
}
