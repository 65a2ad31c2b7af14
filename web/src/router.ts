// A small History-API router. The URL holds the whole view — the page, the item (/segments/seg_1) and the instance
// (?instance=…) — so that reload, back and a shared link land on the same view. Every in-app link and navigation goes
// through href()/navigate(), which carry the current instance along.
import { useEffect, useState } from 'react';

const listeners = new Set<() => void>();
/** Counts arrivals at a new path: a page is keyed by it, so that it starts afresh on each visit. */
let visit = 0;
let visitedPath = window.location.pathname;
const notify = () => {
  if (window.location.pathname !== visitedPath) {
    visitedPath = window.location.pathname;
    visit += 1;
  }
  for (const l of listeners) l();
};
window.addEventListener('popstate', notify);

/** The instance named in the URL, or null. */
export function urlInstance(): string | null {
  return new URLSearchParams(window.location.search).get('instance');
}

/** `to` (a path with an optional query) with the current instance added to its query, unless it names one. */
export function href(to: string, instance = urlInstance()): string {
  const u = new URL(to, window.location.origin);
  if (instance && !u.searchParams.has('instance')) u.searchParams.set('instance', instance);
  return u.pathname + u.search + u.hash;
}

/** Goes to `to` without a reload; `replace` rewrites the current history entry instead of adding one. */
export function navigate(to: string, opts: { replace?: boolean; instance?: string } = {}): void {
  const target = href(to, opts.instance ?? urlInstance());
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (opts.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  notify();
}

/** Changes query parameters of the current URL (null removes one), as a new history entry unless `replace`. */
export function setQuery(values: Record<string, string | null>, opts: { replace?: boolean } = {}): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === '') q.delete(k);
    else q.set(k, v);
  }
  const search = q.toString();
  navigate(`${window.location.pathname}${search ? `?${search}` : ''}`, opts);
}

/** The current location and the visit number of its path; re-renders on navigation and on back/forward. */
export function useLocation(): { path: string; query: URLSearchParams; visit: number } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search), visit };
}

/** The current path (without the query string). */
export const usePath = (): string => useLocation().path;

/** One query parameter of the current URL. */
export const useQueryParam = (name: string): string | null => useLocation().query.get(name);
