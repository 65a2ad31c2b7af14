// Type-checks a $filter AST against an entity's attributes and translates it to parameterized DuckDB SQL. Values are
// always bound as parameters; identifiers are always quoted from the schema, never copied from the input.
import type { Attribute, AttributeType, EntitySchema } from '../schema.ts';
import { quoteIdent } from '../schema.ts';
import { queryError } from './lexer.ts';
import type { CompareOp, LiteralType, Node } from './parser.ts';
import { parseFilter } from './parser.ts';

type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp' | 'null';

export interface RelatedEntity {
  /** A table expression or quoted table, e.g. the published physical table of the related entity. */
  table: string;
  attributes: Attribute[];
  /** The column of the related rows holding the CustomerId they belong to. */
  customerIdColumn: string;
}

export interface FilterOptions {
  /** Alias of the filtered table in the surrounding SQL; default "t". */
  alias?: string;
  /** The published SegmentMembership table (SegmentName, CustomerId), for IsMemberOfSegment; undefined = none yet. */
  membershipTable?: string | undefined;
  /**
   * Membership of segments evaluated in the same query (the one-scan segment engine): the SQL of a boolean column of
   * the filtered row, or undefined for a segment not known there (IsMemberOfSegment is then false). When set,
   * membershipTable is not used.
   */
  segmentColumn?: ((segmentName: string) => string | undefined) | undefined;
  /**
   * Values are appended to this array and referenced as `$n`, so that the SQL of many filters can be combined and
   * moved around (the engine's one scan); default: each filter has its own `?` parameters.
   */
  params?: unknown[] | undefined;
  /**
   * Lifts an any/all whose condition reads only the related row (no outer attribute, no nested any/all, no
   * IsMemberOfSegment) out of the row's filter: `body` is its condition over the related row aliased `r` (null for
   * `any()`); the answer is the SQL of a boolean column of the filtered row, or undefined to keep EXISTS. Only with
   * `params` (the lifted condition moves to another place in the SQL).
   */
  hoist?: ((lambda: HoistedLambda) => string | undefined) | undefined;
  /** Related entities reachable with any/all, by navigation name. */
  related?: (nav: string) => RelatedEntity | undefined;
}

export interface HoistedLambda {
  nav: string;
  kind: 'any' | 'all';
  related: RelatedEntity;
  body: string | null;
}

export interface CompiledFilter {
  sql: string;
  params: unknown[];
}

const valueTypeOf = (t: AttributeType): ValueType => (t === 'integer' || t === 'decimal' ? 'number' : t);

interface Ctx {
  params: unknown[];
  outer: { alias: string; attributes: Attribute[]; name: string };
  lambdas: Map<string, { alias: string; attributes: Attribute[]; name: string }>;
  opts: FilterOptions;
  lambdaCount: number;
}

interface Out {
  sql: string;
  type: ValueType;
  /** A literal, for comparisons with dates and null. */
  literal?: { type: LiteralType; value: unknown };
}

const bind = (ctx: Ctx, value: unknown, cast?: string): string => {
  ctx.params.push(value);
  const ref = ctx.opts.params ? `$${ctx.params.length}` : '?';
  return cast ? `CAST(${ref} AS ${cast})` : ref;
};

const literalOut = (ctx: Ctx, n: Extract<Node, { k: 'lit' }>): Out => {
  switch (n.type) {
    case 'null':
      return { sql: 'NULL', type: 'null', literal: { type: 'null', value: null } };
    case 'date':
      return { sql: bind(ctx, n.value, 'DATE'), type: 'date', literal: n };
    case 'timestamp':
      return {
        sql: bind(ctx, new Date(n.value as string).toISOString().replace('Z', ''), 'TIMESTAMP'),
        type: 'timestamp',
        literal: n,
      };
    case 'number':
      return { sql: bind(ctx, n.value, Number.isInteger(n.value) ? 'BIGINT' : 'DOUBLE'), type: 'number', literal: n };
    case 'boolean':
      return { sql: n.value ? 'TRUE' : 'FALSE', type: 'boolean', literal: n };
    case 'string':
      return { sql: bind(ctx, n.value, 'VARCHAR'), type: 'string', literal: n };
  }
};

const temporal = (t: ValueType) => t === 'date' || t === 'timestamp';

function compatible(a: ValueType, b: ValueType): boolean {
  if (a === 'null' || b === 'null' || a === b) return true;
  return temporal(a) && temporal(b);
}

/**
 * The SQL operator of a comparison, null following OData (SPEC §5.2): `eq` is true when both sides are null and `ne`
 * when exactly one is; relational operators are false with a null, which SQL NULL stands for (see 'not'). A literal
 * side is never null here, so `eq` keeps the plain `=` that DuckDB pushes into the scan.
 */
function sqlOperator(op: CompareOp, l: Out, r: Out): string {
  if (op === 'ne') return 'IS DISTINCT FROM';
  if (op === 'eq') return l.literal || r.literal ? '=' : 'IS NOT DISTINCT FROM';
  return { gt: '>', ge: '>=', lt: '<', le: '<=' }[op];
}

function expr(n: Node, ctx: Ctx): Out {
  switch (n.k) {
    case 'lit':
      return literalOut(ctx, n);
    case 'attr': {
      const scope = n.lambda ? ctx.lambdas.get(n.lambda) : ctx.outer;
      if (!scope) throw queryError(n.pos, `unknown variable "${n.lambda}"`);
      const a = scope.attributes.find((x) => x.name === n.name);
      if (!a) {
        const near = scope.attributes.find((x) => x.name.toLowerCase() === n.name.toLowerCase());
        throw queryError(
          n.pos,
          `unknown attribute '${n.name}' of ${scope.name}${near ? ` (did you mean '${near.name}'?)` : ''}`,
        );
      }
      return { sql: `${scope.alias}.${quoteIdent(a.name)}`, type: valueTypeOf(a.type) };
    }
    case 'cmp': {
      const l = expr(n.left, ctx);
      const r = expr(n.right, ctx);
      if (l.type === 'null' || r.type === 'null') {
        if (n.op !== 'eq' && n.op !== 'ne') throw queryError(n.pos, `null can only be compared with eq or ne`);
        const other = l.type === 'null' ? r : l;
        return { sql: `(${other.sql} IS ${n.op === 'eq' ? '' : 'NOT '}NULL)`, type: 'boolean' };
      }
      if (!compatible(l.type, r.type))
        throw queryError(n.pos, `cannot compare a ${l.type} with a ${r.type} using ${n.op}`);
      return { sql: `(${l.sql} ${sqlOperator(n.op, l, r)} ${r.sql})`, type: 'boolean' };
    }
    case 'in': {
      const l = expr(n.left, ctx);
      const items = n.list.map((item) => {
        if (item.k !== 'lit') throw queryError(item.pos, 'the "in" list holds literals only');
        const o = literalOut(ctx, item);
        if (!compatible(l.type, o.type) || o.type === 'null')
          throw queryError(item.pos, `cannot compare a ${l.type} with a ${o.type} in "in"`);
        return o.sql;
      });
      return { sql: `(${l.sql} IN (${items.join(', ')}))`, type: 'boolean' };
    }
    case 'and':
    case 'or': {
      const l = boolExpr(n.left, ctx);
      const r = boolExpr(n.right, ctx);
      return { sql: `(${l} ${n.k.toUpperCase()} ${r})`, type: 'boolean' };
    }
    case 'not':
      // SQL NULL stands for OData false (or a null that logical operators treat as false): only NOT tells them apart.
      return { sql: `(NOT coalesce(${boolExpr(n.arg, ctx)}, FALSE))`, type: 'boolean' };
    case 'fn':
      return call(n, ctx);
    case 'lambda':
      return lambda(n, ctx);
  }
}

function boolExpr(n: Node, ctx: Ctx): string {
  const o = expr(n, ctx);
  if (o.type !== 'boolean') throw queryError(n.pos, `expected a condition, found a ${o.type} value`);
  return o.sql;
}

function stringArg(n: Node, ctx: Ctx, fn: string): string {
  const o = expr(n, ctx);
  if (o.type !== 'string') throw queryError(n.pos, `${fn}() expects text, found a ${o.type} value`);
  return o.sql;
}

function call(n: Extract<Node, { k: 'fn' }>, ctx: Ctx): Out {
  const arity = (count: number) => {
    if (n.args.length !== count)
      throw queryError(n.pos, `${n.name}() takes ${count} argument${count === 1 ? '' : 's'}, got ${n.args.length}`);
  };
  switch (n.name) {
    case 'contains':
    case 'startswith':
    case 'endswith': {
      arity(2);
      const fn = { contains: 'contains', startswith: 'starts_with', endswith: 'ends_with' }[n.name];
      return {
        sql: `${fn}(${stringArg(n.args[0] as Node, ctx, n.name)}, ${stringArg(n.args[1] as Node, ctx, n.name)})`,
        type: 'boolean',
      };
    }
    case 'tolower':
    case 'toupper':
      arity(1);
      return {
        sql: `${n.name === 'tolower' ? 'lower' : 'upper'}(${stringArg(n.args[0] as Node, ctx, n.name)})`,
        type: 'string',
      };
    case 'length':
      arity(1);
      return { sql: `length(${stringArg(n.args[0] as Node, ctx, n.name)})`, type: 'number' };
    case 'IsMemberOfSegment': {
      arity(1);
      const arg = n.args[0] as Node;
      if (arg.k !== 'lit' || arg.type !== 'string')
        throw queryError(
          arg.pos,
          "IsMemberOfSegment() takes a segment name in quotes, as in IsMemberOfSegment('Gold members')",
        );
      if (!ctx.outer.attributes.some((a) => a.name === 'CustomerId'))
        throw queryError(n.pos, 'IsMemberOfSegment() works on Customer only');
      if (ctx.opts.segmentColumn)
        return { sql: ctx.opts.segmentColumn(arg.value as string) ?? 'FALSE', type: 'boolean' };
      if (!ctx.opts.membershipTable) return { sql: 'FALSE', type: 'boolean' };
      return {
        sql: `(${ctx.outer.alias}."CustomerId" IN (SELECT "CustomerId" FROM ${ctx.opts.membershipTable} WHERE "SegmentName" = ${bind(ctx, arg.value, 'VARCHAR')}))`,
        type: 'boolean',
      };
    }
    default:
      throw queryError(
        n.pos,
        `unknown function ${n.name}(); known: contains, startswith, endswith, tolower, toupper, length, IsMemberOfSegment`,
      );
  }
}

function lambda(n: Extract<Node, { k: 'lambda' }>, ctx: Ctx): Out {
  const rel = ctx.opts.related?.(n.nav);
  if (!rel) throw queryError(n.pos, `unknown related entity '${n.nav}' of ${ctx.outer.name}`);
  if (!ctx.outer.attributes.some((a) => a.name === 'CustomerId'))
    throw queryError(n.pos, `${n.kind}() works on Customer only`);
  if (ctx.opts.hoist && ctx.opts.params && (!n.body || readsOnly(n.body, n.variable))) {
    let body: string | null = null;
    if (n.body && n.variable) {
      ctx.lambdas.set(n.variable, { alias: 'r', attributes: rel.attributes, name: n.nav });
      body = boolExpr(n.body, ctx);
      ctx.lambdas.delete(n.variable);
    }
    const column = ctx.opts.hoist({ nav: n.nav, kind: n.kind, related: rel, body });
    if (column) return { sql: column, type: 'boolean' };
  }
  const alias = `l${++ctx.lambdaCount}`;
  const link = `${alias}.${quoteIdent(rel.customerIdColumn)} = ${ctx.outer.alias}."CustomerId"`;
  if (!n.body || !n.variable)
    return { sql: `EXISTS (SELECT 1 FROM ${rel.table} AS ${alias} WHERE ${link})`, type: 'boolean' };
  ctx.lambdas.set(n.variable, { alias, attributes: rel.attributes, name: n.nav });
  const body = boolExpr(n.body, ctx);
  ctx.lambdas.delete(n.variable);
  return n.kind === 'any'
    ? { sql: `EXISTS (SELECT 1 FROM ${rel.table} AS ${alias} WHERE ${link} AND ${body})`, type: 'boolean' }
    : {
        sql: `NOT EXISTS (SELECT 1 FROM ${rel.table} AS ${alias} WHERE ${link} AND NOT coalesce(${body}, FALSE))`,
        type: 'boolean',
      };
}

/** Whether a lambda's condition reads only its own variable's attributes (literals aside). */
function readsOnly(n: Node, variable: string | null): boolean {
  switch (n.k) {
    case 'lit':
      return true;
    case 'attr':
      return n.lambda !== null && n.lambda === variable;
    case 'cmp':
    case 'and':
    case 'or':
      return readsOnly(n.left, variable) && readsOnly(n.right, variable);
    case 'in':
      return readsOnly(n.left, variable) && n.list.every((x) => readsOnly(x, variable));
    case 'not':
      return readsOnly(n.arg, variable);
    case 'fn':
      return n.name !== 'IsMemberOfSegment' && n.args.every((x) => readsOnly(x, variable));
    case 'lambda':
      return false;
  }
}

/** Compiles a $filter expression over an entity to a WHERE condition with its parameters. */
export function compileFilter(text: string, entity: EntitySchema, opts: FilterOptions = {}): CompiledFilter {
  const ast = parseFilter(text);
  const ctx: Ctx = {
    params: opts.params ?? [],
    outer: { alias: opts.alias ?? 't', attributes: entity.attributes, name: entity.name },
    lambdas: new Map(),
    opts,
    lambdaCount: 0,
  };
  return { sql: boolExpr(ast, ctx), params: ctx.params };
}
