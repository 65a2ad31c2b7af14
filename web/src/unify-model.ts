// The unification configuration as the Unify page edits it (SPEC §6): its shape with every default filled in, the
// choices the forms offer (normalizations, precisions, merge policies) with human names, and small pure edits.

export interface Condition {
  attribute: string;
  normalize: string[];
  precision: string | number;
}
export interface Rule {
  name: string;
  conditions: Condition[];
}
export interface MapEntry {
  entity: string;
  primaryKey: string;
  attributes: Record<string, string>;
}
export interface Policy {
  policy: string;
  by?: string;
}
export interface UnificationConfig {
  map: MapEntry[];
  /** Fields the forms do not edit (aliases, phoneCountry, maxBlockSize) are kept as they are. */
  match: { order: string[]; deduplicate: boolean; rules: Rule[]; [more: string]: unknown };
  merge: { default: Policy; attributes: Record<string, Policy> };
}

/** What a run (or a test) counts. */
export interface UnifyStats {
  sourceRecords?: number;
  unifiedProfiles?: number;
  matchedRecords?: number;
  matchesPerRule?: Record<string, number>;
}

export const normalizations: Array<[string, string]> = [
  ['whitespace', 'spaces'],
  ['lowercase', 'lower case'],
  ['symbols', 'symbols'],
  ['numerals', 'numerals'],
  ['unicodeToAscii', 'accents'],
  ['phone', 'phone'],
  ['email', 'e-mail'],
  ['name', 'name'],
  ['alias', 'nicknames'],
];

export const precisions: Array<[string, string]> = [
  ['exact', 'exact'],
  ['high', 'high (80 % similar)'],
  ['medium', 'medium (60 % similar)'],
  ['low', 'low (30 % similar)'],
];

export const policies: Array<[string, string]> = [
  ['importance', 'from the most important source'],
  ['mostRecent', 'most recent'],
  ['leastRecent', 'least recent'],
  ['mostFilled', 'longest value'],
];

/** Whether a policy orders by a date attribute. */
export const needsBy = (policy: string): boolean => policy === 'mostRecent' || policy === 'leastRecent';

/** A configuration read from the API or the JSON view, with the defaults the server fills in. */
export function withDefaults(raw: unknown): UnificationConfig {
  const c = (raw ?? {}) as Partial<UnificationConfig> & { match?: Partial<UnificationConfig['match']> };
  const map = (c.map ?? []).map((m) => ({ ...m, attributes: { ...(m.attributes ?? {}) } }));
  return {
    ...c,
    map,
    match: {
      ...c.match,
      order: c.match?.order ?? map.map((m) => m.entity),
      deduplicate: c.match?.deduplicate ?? true,
      rules: (c.match?.rules ?? []).map((r) => ({
        name: r.name,
        conditions: r.conditions.map((x) => ({
          attribute: x.attribute,
          normalize: x.normalize ?? [],
          precision: x.precision ?? 'exact',
        })),
      })),
    },
    merge: { default: c.merge?.default ?? { policy: 'importance' }, attributes: { ...c.merge?.attributes } },
  };
}

/** The unified attributes the map yields, in the order they first appear. */
export const unifiedAttributes = (c: UnificationConfig): string[] => [
  ...new Set(c.map.flatMap((m) => Object.values(m.attributes))),
];

/** A unified attribute name suggested for a source column: first_name → FirstName. */
export const suggestedName = (column: string): string =>
  column
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')
    .replace(/^[^A-Za-z]+/, '');

/** The list with the item at `i` moved by `by` places (kept inside the list). */
export function move<T>(list: T[], i: number, by: number): T[] {
  const j = Math.min(list.length - 1, Math.max(0, i + by));
  const out = [...list];
  const [item] = out.splice(i, 1);
  out.splice(j, 0, item as T);
  return out;
}

/** The list with item `i` replaced. */
export const replaceAt = <T>(list: T[], i: number, item: T): T[] => list.map((x, k) => (k === i ? item : x));

/** The list without item `i`. */
export const removeAt = <T>(list: T[], i: number): T[] => list.filter((_, k) => k !== i);
