// The segment builder's model of an OData $filter: nested AND/OR groups of conditions on attributes (operators fit
// the attribute's type) and of segment memberships. toOData() writes the query; fromOData() reads a query back into
// the model when it uses only what the builder can show, and answers null otherwise (the text stays editable).

export type AttrType = 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'timestamp';

export interface AttrCondition {
  kind: 'attr';
  attribute: string;
  op: string;
  value: string;
}
export interface MemberCondition {
  kind: 'member';
  segment: string;
  member: boolean;
}
export interface Group {
  kind: 'group';
  join: 'and' | 'or';
  items: Item[];
}
export type Item = AttrCondition | MemberCondition | Group;

interface OpDef {
  op: string;
  label: string;
  /** Whether the operator takes a value. */
  value: boolean;
}

const emptyOps: OpDef[] = [
  { op: 'empty', label: 'is empty', value: false },
  { op: 'notEmpty', label: 'is not empty', value: false },
];
const compare = (labels: [string, string, string, string]): OpDef[] =>
  (['gt', 'ge', 'lt', 'le'] as const).map((op, i) => ({ op, label: labels[i] as string, value: true }));

/** The operators offered for each type of attribute. */
export const operatorsFor: Record<AttrType, OpDef[]> = {
  string: [
    { op: 'eq', label: 'is', value: true },
    { op: 'ne', label: 'is not', value: true },
    { op: 'contains', label: 'contains', value: true },
    { op: 'notContains', label: 'does not contain', value: true },
    { op: 'startswith', label: 'starts with', value: true },
    { op: 'endswith', label: 'ends with', value: true },
    ...emptyOps,
  ],
  integer: [
    { op: 'eq', label: '=', value: true },
    { op: 'ne', label: '≠', value: true },
    ...compare(['>', '≥', '<', '≤']),
    ...emptyOps,
  ],
  decimal: [],
  boolean: [
    { op: 'true', label: 'is true', value: false },
    { op: 'false', label: 'is false', value: false },
    ...emptyOps,
  ],
  date: [{ op: 'eq', label: 'is on', value: true }, ...compare(['after', 'on or after', 'before', 'on or before'])],
  timestamp: [],
};
operatorsFor.decimal = operatorsFor.integer;
operatorsFor.date = [...operatorsFor.date, ...emptyOps];
operatorsFor.timestamp = operatorsFor.date;

export const takesValue = (type: AttrType, op: string): boolean =>
  operatorsFor[type].find((o) => o.op === op)?.value ?? true;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

function literal(type: AttrType, value: string): string | null {
  const v = value.trim();
  if (type === 'string') return quote(value);
  if (!v) return null;
  if (type === 'integer' || type === 'decimal') return Number.isFinite(Number(v)) ? v : null;
  if (type === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
  if (type === 'timestamp') return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  return v;
}

/** The OData text of one item; null for an incomplete condition (left out of the query). */
function itemText(item: Item, typeOf: (a: string) => AttrType, nested: boolean): string | null {
  if (item.kind === 'group') {
    const parts = item.items.map((i) => itemText(i, typeOf, true)).filter((p): p is string => p !== null);
    if (parts.length === 0) return null;
    const text = parts.join(` ${item.join} `);
    return nested && parts.length > 1 ? `(${text})` : text;
  }
  if (item.kind === 'member') {
    if (!item.segment) return null;
    return `${item.member ? '' : 'not '}IsMemberOfSegment(${quote(item.segment)})`;
  }
  const { attribute: a, op } = item;
  if (!a) return null;
  if (op === 'empty') return `${a} eq null`;
  if (op === 'notEmpty') return `${a} ne null`;
  if (op === 'true' || op === 'false') return `${a} eq ${op}`;
  const lit = literal(typeOf(a), item.value);
  if (lit === null) return null;
  if (op === 'contains' || op === 'startswith' || op === 'endswith') return `${op}(${a},${lit})`;
  if (op === 'notContains') return `not contains(${a},${lit})`;
  return `${a} ${op} ${lit}`;
}

export function toOData(root: Group, typeOf: (a: string) => AttrType): string {
  return itemText(root, typeOf, false) ?? '';
}

// ---- reading a query back ----

type Tok = { t: 'id' | 'str' | 'lit' | 'p'; v: string };

function tokenize(s: string): Tok[] | null {
  const out: Tok[] = [];
  const re = /\s*(?:('(?:[^']|'')*')|([A-Za-z_][A-Za-z0-9_]*)|(-?\d[\d:.TZ+-]*)|([(),]))/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return null;
    if (m[1] !== undefined) out.push({ t: 'str', v: m[1].slice(1, -1).replace(/''/g, "'") });
    else if (m[2] !== undefined) out.push({ t: 'id', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'lit', v: m[3] });
    else out.push({ t: 'p', v: m[4] as string });
    i = re.lastIndex;
  }
  return out;
}

const comparisons = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const functions = new Set(['contains', 'startswith', 'endswith']);

/** The builder's model of `query`, or null when the query uses more than the builder shows. */
export function fromOData(query: string, known: (a: string) => boolean): Group | null {
  const toks = tokenize(query);
  if (!toks) return null;
  let pos = 0;
  const peek = () => toks[pos];
  const take = (t: Tok['t'], v?: string): Tok | null => {
    const k = toks[pos];
    if (!k || k.t !== t || (v !== undefined && k.v.toLowerCase() !== v)) return null;
    pos++;
    return k;
  };
  const fail = (): never => {
    throw new Error('not for the builder');
  };

  const chain = (join: 'and' | 'or', next: () => Item): Item => {
    const items = [next()];
    while (peek()?.t === 'id' && peek()?.v.toLowerCase() === join) {
      pos++;
      items.push(next());
    }
    if (items.length === 1) return items[0] as Item;
    // a nested chain of the same join is one group
    return {
      kind: 'group',
      join,
      items: items.flatMap((i) => (i.kind === 'group' && i.join === join ? i.items : [i])),
    };
  };
  const orExpr = (): Item => chain('or', andExpr);
  const andExpr = (): Item => chain('and', unary);
  const unary = (): Item => {
    if (take('id', 'not')) {
      const inner = primary();
      if (inner.kind === 'member') return { ...inner, member: !inner.member };
      if (inner.kind === 'attr' && inner.op === 'contains') return { ...inner, op: 'notContains' };
      return fail();
    }
    return primary();
  };
  const primary = (): Item => {
    if (take('p', '(')) {
      const inner = orExpr();
      if (!take('p', ')')) fail();
      return inner.kind === 'group' ? inner : { kind: 'group', join: 'and', items: [inner] };
    }
    const name = take('id') ?? fail();
    if (name.v === 'IsMemberOfSegment') {
      if (!take('p', '(')) fail();
      const seg = take('str') ?? fail();
      if (!take('p', ')')) fail();
      return { kind: 'member', segment: seg.v, member: true };
    }
    if (functions.has(name.v)) {
      if (!take('p', '(')) fail();
      const attr = take('id') ?? fail();
      if (!take('p', ',')) fail();
      const val = take('str') ?? fail();
      if (!take('p', ')')) fail();
      if (!known(attr.v)) fail();
      return { kind: 'attr', attribute: attr.v, op: name.v, value: val.v };
    }
    if (!known(name.v)) fail();
    const op = take('id') ?? fail();
    if (!comparisons.has(op.v)) fail();
    const rhs = toks[pos++] ?? fail();
    if (rhs.t === 'id' && rhs.v === 'null' && (op.v === 'eq' || op.v === 'ne'))
      return { kind: 'attr', attribute: name.v, op: op.v === 'eq' ? 'empty' : 'notEmpty', value: '' };
    if (rhs.t === 'id' && (rhs.v === 'true' || rhs.v === 'false') && op.v === 'eq')
      return { kind: 'attr', attribute: name.v, op: rhs.v, value: '' };
    if (rhs.t === 'str' || rhs.t === 'lit') {
      const value = rhs.t === 'lit' ? rhs.v.replace(/T00:00:00Z$/, '') : rhs.v;
      return { kind: 'attr', attribute: name.v, op: op.v, value };
    }
    return fail();
  };

  try {
    if (toks.length === 0) return { kind: 'group', join: 'and', items: [] };
    const item = orExpr();
    if (pos !== toks.length) return null;
    return item.kind === 'group' ? item : { kind: 'group', join: 'and', items: [item] };
  } catch {
    return null;
  }
}
