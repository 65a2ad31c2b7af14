// A straightforward evaluator of OData $filter expressions over plain rows, written from the rules of SPEC §5.2 and
// the OData specification rather than from our SQL: eq/ne are null-safe, relational operators with a null are
// false, a null where a condition is expected counts as false (logical operators, string functions). Tests compare
// the engine's answers with it. Rows hold strings, numbers, booleans, ISO dates as 'YYYY-MM-DD' strings, or null.
import { parseFilter } from '../../src/datastore/odata/index.ts';

type Node = ReturnType<typeof parseFilter>;
export type Row = Record<string, unknown>;
type Value = string | number | boolean | null;

export interface OracleContext {
  /** Rows of related entities by navigation name, with the CustomerId they belong to in `CustomerId`. */
  related: Record<string, Row[]>;
  /** Members (CustomerIds) of segments already evaluated, by name. */
  segments: Map<string, Set<string>>;
}

const nullish = (v: unknown): v is null | undefined => v === null || v === undefined;

function value(n: Node, row: Row, vars: Map<string, Row>, ctx: OracleContext): Value {
  switch (n.k) {
    case 'lit':
      return n.value;
    case 'attr': {
      const v = (n.lambda ? vars.get(n.lambda) : row)?.[n.name];
      return nullish(v) ? null : (v as Value);
    }
    case 'fn': {
      if (n.name === 'tolower' || n.name === 'toupper' || n.name === 'length') {
        const a = value(n.args[0] as Node, row, vars, ctx);
        if (a === null) return null;
        const s = String(a);
        return n.name === 'tolower' ? s.toLowerCase() : n.name === 'toupper' ? s.toUpperCase() : s.length;
      }
      return truth(n, row, vars, ctx);
    }
    default:
      return truth(n, row, vars, ctx);
  }
}

const equal = (a: Value, b: Value) => (a === null || b === null ? a === null && b === null : a === b);

/** true or false: a null condition counts as false. */
export function truth(n: Node, row: Row, vars: Map<string, Row>, ctx: OracleContext): boolean {
  switch (n.k) {
    case 'and':
      return truth(n.left, row, vars, ctx) && truth(n.right, row, vars, ctx);
    case 'or':
      return truth(n.left, row, vars, ctx) || truth(n.right, row, vars, ctx);
    case 'not':
      return !truth(n.arg, row, vars, ctx);
    case 'cmp': {
      const a = value(n.left, row, vars, ctx);
      const b = value(n.right, row, vars, ctx);
      if (n.op === 'eq') return equal(a, b);
      if (n.op === 'ne') return !equal(a, b);
      if (a === null || b === null) return false;
      return { gt: a > b, ge: a >= b, lt: a < b, le: a <= b }[n.op];
    }
    case 'in': {
      const a = value(n.left, row, vars, ctx);
      return a !== null && n.list.some((x) => equal(a, value(x, row, vars, ctx)));
    }
    case 'fn': {
      if (n.name === 'IsMemberOfSegment')
        return (
          ctx.segments.get(String((n.args[0] as Node & { value: unknown }).value))?.has(String(row.CustomerId)) ?? false
        );
      const [a, b] = n.args.map((x) => value(x, row, vars, ctx));
      if (a === null || b === null || a === undefined || b === undefined) return false;
      const [s, t] = [String(a), String(b)];
      if (n.name === 'contains') return s.includes(t);
      if (n.name === 'startswith') return s.startsWith(t);
      if (n.name === 'endswith') return s.endsWith(t);
      throw new Error(`oracle: no function ${n.name}`);
    }
    case 'lambda': {
      const rows = (ctx.related[n.nav] ?? []).filter((r) => !nullish(r.CustomerId) && r.CustomerId === row.CustomerId);
      if (!n.body || !n.variable) return rows.length > 0;
      const holds = (r: Row) => truth(n.body as Node, row, new Map([...vars, [n.variable as string, r]]), ctx);
      return n.kind === 'any' ? rows.some(holds) : rows.every(holds);
    }
    case 'attr':
    case 'lit':
      return value(n, row, vars, ctx) === true;
  }
}

/** The rows meeting a filter. */
export const where = (filter: string, rows: Row[], ctx: OracleContext): Row[] => {
  const ast = parseFilter(filter);
  return rows.filter((r) => truth(ast, r, new Map(), ctx));
};

/** An aggregation over rows as SPEC §7 defines it: over non-null values; count and sum of nothing are 0. */
export function aggregate(kind: string, attribute: string | null, rows: Row[]): number | null {
  if (attribute === null) return rows.length;
  const values = rows.map((r) => r[attribute]).filter((v) => !nullish(v));
  if (kind === 'count') return values.length;
  if (kind === 'countDistinct') return new Set(values).size;
  const nums = values.map(Number);
  if (kind === 'sum') return nums.reduce((a, b) => a + b, 0);
  if (nums.length === 0) return null;
  if (kind === 'avg') return nums.reduce((a, b) => a + b, 0) / nums.length;
  return kind === 'min' ? Math.min(...nums) : Math.max(...nums);
}
