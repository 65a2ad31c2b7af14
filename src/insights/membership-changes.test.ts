// The diff of two SegmentMembership versions on a real in-memory DuckDB: the one pass over the flags tables gives the
// same changes as the full join of the member rows, for customers on both sides, only in the new version (entered)
// and only in the old one (their profile is gone: exited), for several segments at once — also from a version
// written before ADR 0137, with one BOOLEAN column per segment, to a packed one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteIdent } from '../datastore/schema.ts';
import type { MembershipSide } from './membership-changes.ts';
import { membershipDiffSql } from './membership-changes.ts';
import { flagPlaces, membershipLayout, membershipViewSql, packedFlagsSql } from './membership.ts';

const segments = [
  { id: 'seg_a', name: 'A' },
  { id: 'seg_b', name: "B's" },
];

async function version(
  conn: DuckDBConnection,
  v: number,
  rows: Array<[string, boolean, boolean]>,
  opts: { storage: 'packed' | 'booleans' },
): Promise<Required<MembershipSide>> {
  const layout = membershipLayout(`"m__v${v}"`, segments);
  const values = `(VALUES ${rows.map(([c, a, b]) => `('${c}', ${a}, ${b})`).join(', ')}) t("CustomerId", "seg_a", "seg_b")`;
  if (opts.storage === 'packed') {
    const flags = packedFlagsSql(layout, (ix) => `t.${quoteIdent(layout.segments[ix]?.id ?? '')}`);
    await conn.run(`CREATE TABLE ${layout.flags} AS SELECT t."CustomerId", ${flags.join(', ')} FROM ${values}`);
    await conn.run(membershipViewSql(layout));
  } else {
    await conn.run(`CREATE TABLE ${layout.flags} AS SELECT * FROM ${values}`);
    const branches = segments.map(
      (s) =>
        `SELECT '${s.id}' AS "SegmentId", 'x' AS "SegmentName", f."CustomerId" FROM ${layout.flags} AS f WHERE f."${s.id}"`,
    );
    await conn.run(`CREATE VIEW ${layout.view} AS ${branches.join(' UNION ALL ')}`);
  }
  const columns = (
    await conn.runAndReadAll('SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?', [
      `m__v${v}__flags`,
    ])
  ).getRowObjectsJS();
  const places = flagPlaces(columns.map((c) => ({ name: c.column_name as string, type: c.data_type as string })));
  assert.deepEqual([...places.keys()].sort(), ['seg_a', 'seg_b']);
  return { view: layout.view, flags: { table: layout.flags, places } };
}

test('the flags diff and the member-rows diff agree, packed or not', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const beforeRows: Array<[string, boolean, boolean]> = [
    ['k1', true, false],
    ['k2', true, true],
    ['k3', false, false],
    ['gone', true, true],
  ];
  const before = await version(conn, 1, beforeRows, { storage: 'packed' });
  const booleans = await version(conn, 2, beforeRows, { storage: 'booleans' });
  const after = await version(
    conn,
    3,
    [
      ['k1', true, true],
      ['k2', false, true],
      ['k3', false, false],
      ['new', true, false],
    ],
    { storage: 'packed' },
  );
  const changes = async (sql: string) =>
    (await conn.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY 1, 2`)).getRowObjectsJS();
  const ids = ['seg_a', 'seg_b'];
  const fromFlags = await changes(membershipDiffSql({ previous: before, next: after, ids }));
  const fromRows = await changes(
    membershipDiffSql({ previous: { view: before.view }, next: { view: after.view }, ids }),
  );
  assert.deepEqual(fromFlags, [
    { SegmentId: 'seg_a', CustomerId: 'gone', Change: 'exited' },
    { SegmentId: 'seg_a', CustomerId: 'k2', Change: 'exited' },
    { SegmentId: 'seg_a', CustomerId: 'new', Change: 'entered' },
    { SegmentId: 'seg_b', CustomerId: 'gone', Change: 'exited' },
    { SegmentId: 'seg_b', CustomerId: 'k1', Change: 'entered' },
  ]);
  assert.deepEqual(fromRows, fromFlags);
  assert.deepEqual(await changes(membershipDiffSql({ previous: booleans, next: after, ids })), fromFlags);
  assert.deepEqual(await changes(membershipDiffSql({ previous: after, next: after, ids })), [], 'no change, none');
  conn.closeSync();
  db.closeSync();
});
