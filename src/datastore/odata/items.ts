// "Get items from an entity": $filter, $select, $orderby, $top, $skip, $count and $skiptoken compiled to DuckDB SQL
// with keyset paging. The skiptoken holds the sort-key values of the last row returned (the $orderby keys, then the
// entity key — or DuckDB's rowid when the entity has none — so the order is total); the next page starts after them,
// so a page costs the same at any depth. Tokens are opaque (base64url JSON) and bound to the query they came from.
// Without $orderby, on a table stored in key order (key-order.ts), pages walk rowids instead: DuckDB prunes a rowid
// range without reading the table, where "key > last" is a top-N over every later row. The token then also carries
// the rowid and the table it belongs to; after a refresh replaced the table, the key values take over.
import { createHash } from 'node:crypto';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { AppError } from '../../core/errors.ts';
import { runPrepared } from '../engine.ts';
import type { Attribute, AttributeType, PublishedEntity } from '../schema.ts';
import { quoteIdent } from '../schema.ts';
import type { FilterOptions } from './translate.ts';
import { compileFilter } from './translate.ts';

/** Rows per page when $top is absent, and the most a page returns ($top above it is clamped). */
export const defaultTop = 100;
export const maxTop = 1000;

export interface ItemsQueryInput {
  filter?: string | undefined;
  select?: string | undefined;
  orderby?: string | undefined;
  top?: string | undefined;
  skip?: string | undefined;
  count?: string | undefined;
  skiptoken?: string | undefined;
}

interface SortKey {
  sql: string;
  /** Attribute type, or 'integer' for rowid. */
  type: AttributeType;
  desc: boolean;
  /** Key columns are never null (checked at refresh), so "after" needs no NULL branch and DuckDB can prune by range. */
  notNull?: boolean;
}

export interface ItemsQueryOptions extends FilterOptions {
  /** The entity's table is stored in key order with dense rowids (isStoredInKeyOrder). */
  storedInKeyOrder?: boolean;
}

export interface CompiledItemsQuery {
  sql: string;
  params: unknown[];
  countSql: string | null;
  countParams: unknown[];
  top: number;
  select: Attribute[];
  keys: SortKey[];
  fingerprint: string;
  /** Set when pages walk rowids: names the table the rowids belong to. */
  rowidTable: string | null;
}

interface Skiptoken {
  values: unknown[];
  /** The rowid of the last row and the table it is in, when the page walked rowids. */
  rowid: number | null;
  table: string | null;
}

const invalid = (message: string) => new AppError('InvalidQuery', message);

function parseTop(raw: string | undefined): number {
  if (raw === undefined || raw === '') return defaultTop;
  if (!/^\d+$/.test(raw)) throw invalid(`$top must be a whole number of 0 or more, got "${raw.slice(0, 40)}"`);
  return Math.min(Number(raw), maxTop);
}

function parseSkip(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) > Number.MAX_SAFE_INTEGER)
    throw invalid(`$skip must be a whole number of 0 or more, got "${raw.slice(0, 40)}"`);
  return Number(raw);
}

function parseCount(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw invalid(`$count must be true or false, got "${raw.slice(0, 40)}"`);
}

const attribute = (entity: PublishedEntity, name: string, param: string): Attribute => {
  const a = entity.attributes.find((x) => x.name === name);
  if (!a) throw invalid(`${param}: unknown attribute '${name.slice(0, 64)}' of ${entity.name}`);
  return a;
};

function parseSelect(raw: string | undefined, entity: PublishedEntity): Attribute[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return entity.attributes;
  const names = raw.split(',').map((s) => s.trim());
  const seen = new Set<string>();
  return names.map((n) => {
    if (seen.has(n)) throw invalid(`$select names '${n}' twice`);
    seen.add(n);
    return attribute(entity, n, '$select');
  });
}

function parseOrderby(raw: string | undefined, entity: PublishedEntity): SortKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m) throw invalid(`$orderby: "${part.trim().slice(0, 64)}" is not "<attribute> [asc|desc]"`);
    const a = attribute(entity, m[1] as string, '$orderby');
    return { sql: `t.${quoteIdent(a.name)}`, type: a.type, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' };
  });
}

const castOf = (t: AttributeType) =>
  ({
    integer: 'BIGINT',
    decimal: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    string: 'VARCHAR',
  })[t];

/** Rows strictly after `values` in the order of `keys` (ASC/DESC, NULLS LAST), as SQL with parameters. */
function after(keys: SortKey[], values: unknown[], params: unknown[]): string {
  const eq = (k: SortKey, v: unknown) => {
    if (v === null) return `${k.sql} IS NULL`;
    params.push(v);
    return `${k.sql} = CAST(? AS ${castOf(k.type)})`;
  };
  const gt = (k: SortKey, v: unknown) => {
    if (v === null) return 'FALSE';
    params.push(v);
    const cmp = `${k.sql} ${k.desc ? '<' : '>'} CAST(? AS ${castOf(k.type)})`;
    return k.notNull ? cmp : `(${cmp} OR ${k.sql} IS NULL)`;
  };
  const ors: string[] = [];
  keys.forEach((k, i) => {
    const parts = keys.slice(0, i).map((p, j) => eq(p, values[j]));
    parts.push(gt(k, values[i]));
    ors.push(`(${parts.join(' AND ')})`);
  });
  return `(${ors.join(' OR ')})`;
}

export function encodeSkiptoken(values: unknown[], fingerprint: string, at?: { rowid: number; table: string }): string {
  const body = at ? { v: values, f: fingerprint, r: at.rowid, t: at.table } : { v: values, f: fingerprint };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

const tableTag = (table: string): string => createHash('sha256').update(table).digest('base64url').slice(0, 12);

function decodeSkiptoken(token: string, fingerprint: string, keys: number): Skiptoken {
  let parsed: unknown;
  try {
    if (token.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('shape');
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('$skiptoken is not a token this server issued');
  }
  const p = parsed as { v?: unknown; f?: unknown; r?: unknown; t?: unknown };
  if (!Array.isArray(p.v) || p.v.length !== keys || p.f !== fingerprint) {
    throw invalid(
      '$skiptoken does not belong to this query (its $filter or $orderby differ); follow @odata.nextLink as given',
    );
  }
  if (!p.v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x)))
    throw invalid('$skiptoken is not a token this server issued');
  const walked = Number.isSafeInteger(p.r) && (p.r as number) >= 0 && typeof p.t === 'string';
  return { values: p.v, rowid: walked ? (p.r as number) : null, table: walked ? (p.t as string) : null };
}

export function compileItemsQuery(
  input: ItemsQueryInput,
  entity: PublishedEntity,
  opts: ItemsQueryOptions = {},
): CompiledItemsQuery {
  const top = parseTop(input.top);
  const skip = parseSkip(input.skip);
  const count = parseCount(input.count);
  const select = parseSelect(input.select, entity);
  const keys = parseOrderby(input.orderby, entity);
  const used = new Set(keys.map((k) => k.sql));
  const tiebreak: SortKey[] = entity.key.length
    ? entity.key.map((name) => {
        const a = attribute(entity, name, 'key');
        return { sql: `t.${quoteIdent(a.name)}`, type: a.type, desc: false, notNull: true };
      })
    : [{ sql: 't.rowid', type: 'integer', desc: false, notNull: true }];
  for (const k of tiebreak) {
    const existing = keys.find((x) => x.sql === k.sql);
    if (existing) existing.notNull = true;
    else if (!used.has(k.sql)) keys.push(k);
  }
  const filter =
    input.filter !== undefined && input.filter.trim() !== ''
      ? compileFilter(input.filter, entity, { ...opts, alias: 't' })
      : null;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([entity.name, input.filter ?? '', input.orderby ?? '', input.select ?? '']))
    .digest('base64url')
    .slice(0, 16);
  const params: unknown[] = [...(filter?.params ?? [])];
  const where: string[] = filter ? [filter.sql] : [];
  const walk = opts.storedInKeyOrder === true && keys.length === 1 && keys[0]?.notNull === true && !input.orderby;
  const rowidTable = walk ? tableTag(entity.table) : null;
  let offset = skip;
  /** Walking rowids: the rowid the page starts at. */
  let start: number | null = null;
  if (input.skiptoken) {
    const token = decodeSkiptoken(input.skiptoken, fingerprint, keys.length);
    if (walk && token.rowid !== null && token.table === rowidTable) start = token.rowid + 1;
    else where.push(after(keys, token.values, params));
  } else if (walk) start = 0;
  if (start !== null) {
    if (!filter) {
      start += offset;
      offset = 0;
    }
    params.push(start);
    where.push('t.rowid >= ?');
    // Without a filter the rowids are dense, so the page is exactly the next top + 1 of them: a range DuckDB
    // prunes to one or two row groups, where an open range is scanned in parallel from every row group after it.
    if (!filter) {
      params.push(start + top + 1);
      where.push('t.rowid < ?');
    }
  }
  const cols = [...select.map((a) => `t.${quoteIdent(a.name)}`), ...keys.map((k, i) => `${k.sql} AS "__k${i}"`)];
  if (walk) cols.push('t.rowid AS "__r"');
  // Walking rowids needs no ORDER BY: DuckDB returns a scan in insertion order (preserve_insertion_order, on by
  // default) and stops at the LIMIT, where ORDER BY rowid would sort every row of the range first.
  const order = walk ? '' : ` ORDER BY ${keys.map((k) => `${k.sql} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ')}`;
  const whereSql = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const sql = `SELECT ${cols.join(', ')} FROM ${entity.table} AS t${whereSql}${order} LIMIT ${top + 1}${offset ? ` OFFSET ${offset}` : ''}`;
  return {
    sql,
    params,
    countSql: count ? `SELECT count(*) AS n FROM ${entity.table} AS t${filter ? ` WHERE ${filter.sql}` : ''}` : null,
    countParams: filter?.params ?? [],
    top,
    select,
    keys,
    fingerprint,
    rowidTable,
  };
}

/** A DuckDB value as JSON: BIGINT → number, DATE → "YYYY-MM-DD", TIMESTAMP → ISO string, booleans stay booleans. */
export function toJsonValue(v: unknown, type: AttributeType): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return type === 'date' ? v.toISOString().slice(0, 10) : v.toISOString();
  return v;
}

export function toJsonRow(row: Record<string, unknown>, attributes: Attribute[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of attributes) out[a.name] = toJsonValue(row[a.name], a.type);
  return out;
}

export interface ItemsPage {
  value: Array<Record<string, unknown>>;
  count: number | null;
  /** The $skiptoken of the next page, when more rows exist. */
  nextSkiptoken: string | null;
}

/** Runs a compiled query: one page (and the count when asked), with the next page's token. */
export async function executeItemsQuery(conn: DuckDBConnection, q: CompiledItemsQuery): Promise<ItemsPage> {
  const rows = (await runPrepared(conn, q.sql, q.params as DuckDBValue[])).getRowObjectsJS();
  const more = rows.length > q.top;
  const page = more ? rows.slice(0, q.top) : rows;
  let count: number | null = null;
  if (q.countSql)
    count = Number((await runPrepared(conn, q.countSql, q.countParams as DuckDBValue[])).getRowObjectsJS()[0]?.n ?? 0);
  const last = page[page.length - 1];
  const nextSkiptoken =
    more && last
      ? encodeSkiptoken(
          q.keys.map((k, i) => toJsonValue(last[`__k${i}`], k.type)),
          q.fingerprint,
          q.rowidTable !== null ? { rowid: Number(last.__r), table: q.rowidTable } : undefined,
        )
      : null;
  return { value: page.map((r) => toJsonRow(r, q.select)), count, nextSkiptoken };
}
