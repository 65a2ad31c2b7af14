// Whether a published table is stored in the order of its entity key, with dense rowids 0..n-1. Such a table lets
// "Get items" walk pages by rowid, which DuckDB prunes by range, instead of a top-N over the whole table: a page then
// costs the same at any depth (see odata/items.ts). Published tables never change, so the answer is computed once
// per physical table and kept.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PublishedEntity } from './schema.ts';
import { quoteIdent } from './schema.ts';

const known = new Map<string, boolean>();
const maxKnown = 4096;

const isPhysicalTable = (table: string): boolean => /^"[^"]+"$/.test(table);

/** True when the entity's table holds its rows in ascending order of its single key attribute. */
export async function isStoredInKeyOrder(
  conn: DuckDBConnection,
  scope: string,
  entity: PublishedEntity,
): Promise<boolean> {
  const keyName = entity.key[0];
  if (entity.key.length !== 1 || keyName === undefined || !isPhysicalTable(entity.table)) return false;
  const id = `${scope}\u0000${entity.table}`;
  const cached = known.get(id);
  if (cached !== undefined) return cached;
  const k = quoteIdent(keyName);
  const reader = await conn.runAndReadAll(
    `SELECT count(*) AS n, coalesce(max(r), -1) AS last, count(*) FILTER (WHERE p >= k) AS unordered
     FROM (SELECT ${k} AS k, lag(${k}) OVER (ORDER BY rowid) AS p, rowid AS r FROM ${entity.table})`,
  );
  const row = reader.getRowObjectsJS()[0] as { n: bigint; last: bigint; unordered: bigint } | undefined;
  const ordered = row !== undefined && row.unordered === 0n && row.last === row.n - 1n;
  if (known.size >= maxKnown) known.delete(known.keys().next().value as string);
  known.set(id, ordered);
  return ordered;
}
