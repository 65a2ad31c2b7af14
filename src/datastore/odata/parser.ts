// A recursive-descent parser for OData $filter expressions, producing an AST. Nesting is bounded (100 levels) by a
// counter, so thousands of parentheses fail fast with a clear message instead of exhausting the stack.
import type { Token } from './lexer.ts';
import { queryError, tokenize } from './lexer.ts';

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type LiteralType = 'string' | 'number' | 'boolean' | 'null' | 'date' | 'timestamp';

export type Node =
  | { k: 'lit'; type: LiteralType; value: string | number | boolean | null; pos: number }
  | { k: 'attr'; name: string; lambda: string | null; pos: number }
  | { k: 'cmp'; op: CompareOp; left: Node; right: Node; pos: number }
  | { k: 'in'; left: Node; list: Node[]; pos: number }
  | { k: 'and' | 'or'; left: Node; right: Node; pos: number }
  | { k: 'not'; arg: Node; pos: number }
  | { k: 'fn'; name: string; args: Node[]; pos: number }
  | { k: 'lambda'; nav: string; kind: 'any' | 'all'; variable: string | null; body: Node | null; pos: number };

export const maxDepth = 100;
const compareOps = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const keywords = new Set(['and', 'or', 'not', 'in', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'true', 'false', 'null']);

export function parseFilter(input: string): Node {
  const tokens = tokenize(input);
  let i = 0;
  let depth = 0;
  const lambdas: string[] = [];
  const peek = (): Token => tokens[i] as Token;
  const next = (): Token => tokens[i++] as Token;
  const isWord = (t: Token, w: string) => t.kind === 'ident' && t.text === w;
  const isPunct = (t: Token, p: string) => t.kind === 'punct' && t.text === p;
  const expect = (p: string, what: string): Token => {
    const t = next();
    if (!isPunct(t, p)) throw queryError(t.pos, `expected "${p}" ${what}, found ${describe(t)}`);
    return t;
  };
  const enter = (pos: number) => {
    if (++depth > maxDepth) throw queryError(pos, `filter nested deeper than ${maxDepth} levels`);
  };

  const orExpr = (): Node => {
    let left = andExpr();
    while (isWord(peek(), 'or')) {
      const pos = next().pos;
      left = { k: 'or', left, right: andExpr(), pos };
    }
    return left;
  };
  const andExpr = (): Node => {
    let left = unary();
    while (isWord(peek(), 'and')) {
      const pos = next().pos;
      left = { k: 'and', left, right: unary(), pos };
    }
    return left;
  };
  const unary = (): Node => {
    if (isWord(peek(), 'not')) {
      const pos = next().pos;
      enter(pos);
      const arg = unary();
      depth--;
      return { k: 'not', arg, pos };
    }
    return comparison();
  };
  const comparison = (): Node => {
    const left = primary();
    const t = peek();
    if (t.kind === 'ident' && compareOps.has(t.text)) {
      next();
      return { k: 'cmp', op: t.text as CompareOp, left, right: primary(), pos: t.pos };
    }
    if (isWord(t, 'in')) {
      next();
      expect('(', 'after "in"');
      const list: Node[] = [primary()];
      while (isPunct(peek(), ',')) {
        next();
        list.push(primary());
      }
      expect(')', 'to close the "in" list');
      return { k: 'in', left, list, pos: t.pos };
    }
    return left;
  };
  const primary = (): Node => {
    const t = next();
    if (isPunct(t, '(')) {
      enter(t.pos);
      const inner = orExpr();
      expect(')', `to close the "(" at position ${t.pos}`);
      depth--;
      return inner;
    }
    if (t.kind === 'string') return { k: 'lit', type: 'string', value: t.value as string, pos: t.pos };
    if (t.kind === 'number') return { k: 'lit', type: 'number', value: t.value as number, pos: t.pos };
    if (t.kind === 'date' || t.kind === 'timestamp')
      return { k: 'lit', type: t.kind, value: t.value as string, pos: t.pos };
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false')
        return { k: 'lit', type: 'boolean', value: t.text === 'true', pos: t.pos };
      if (t.text === 'null') return { k: 'lit', type: 'null', value: null, pos: t.pos };
      if (keywords.has(t.text)) throw queryError(t.pos, `unexpected "${t.text}"`);
      if (isPunct(peek(), '(')) return call(t);
      return path(t);
    }
    throw queryError(t.pos, t.kind === 'end' ? 'the expression ends too early' : `unexpected ${describe(t)}`);
  };
  const call = (name: Token): Node => {
    next();
    enter(name.pos);
    const args: Node[] = [];
    if (!isPunct(peek(), ')')) {
      args.push(orExpr());
      while (isPunct(peek(), ',')) {
        next();
        args.push(orExpr());
      }
    }
    expect(')', `to close ${name.text}(`);
    depth--;
    return { k: 'fn', name: name.text, args, pos: name.pos };
  };
  const path = (first: Token): Node => {
    if (lambdas.includes(first.text) && isPunct(peek(), '/')) {
      next();
      const attr = next();
      if (attr.kind !== 'ident') throw queryError(attr.pos, `expected an attribute after "${first.text}/"`);
      return { k: 'attr', name: attr.text, lambda: first.text, pos: attr.pos };
    }
    if (!isPunct(peek(), '/')) return { k: 'attr', name: first.text, lambda: null, pos: first.pos };
    next();
    const op = next();
    if (op.kind !== 'ident' || (op.text !== 'any' && op.text !== 'all'))
      throw queryError(op.pos, `expected any( or all( after "${first.text}/"`);
    expect('(', `after ${op.text}`);
    enter(op.pos);
    if (isPunct(peek(), ')')) {
      next();
      depth--;
      if (op.text === 'all') throw queryError(op.pos, 'all() needs a condition');
      return { k: 'lambda', nav: first.text, kind: 'any', variable: null, body: null, pos: first.pos };
    }
    const v = next();
    if (v.kind !== 'ident' || keywords.has(v.text))
      throw queryError(v.pos, 'expected a variable name, as in any(o: o/Amount gt 10)');
    expect(':', `after the variable "${v.text}"`);
    lambdas.push(v.text);
    const body = orExpr();
    lambdas.pop();
    expect(')', `to close ${op.text}(`);
    depth--;
    return { k: 'lambda', nav: first.text, kind: op.text, variable: v.text, body, pos: first.pos };
  };

  const root = orExpr();
  const end = peek();
  if (end.kind !== 'end') throw queryError(end.pos, `unexpected ${describe(end)} after a complete expression`);
  return root;
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end of the expression';
  const text = t.text.length > 30 ? `${t.text.slice(0, 30)}…` : t.text;
  return `"${text}"`;
}
