// The diff of two SegmentMembership versions on a real in-memory DuckDB: the one pass over the flags tables gives the
// same changes as the full join of the member rows, for customers on both sides, only in the new version (entered)
// and only in the old one (their profile is gone: exited), for several segments at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { membershipLayout, membershipViewSql } from './membership.ts';
import { membershipDiffSql } from './membership-changes.ts';

test('the flags diff and the member-rows diff agree', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const segments = [
    { id: 'seg_a', name: 'A' },
    { id: 'seg_b', name: "B's" },
  ];
  const version = async (v: number, rows: Array<[string, boolean, boolean]>) => {
    const layout = membershipLayout(`"m__v${v}"`, segments);
    const values = rows.map(([c, a, b]) => `('${c}', ${a}, ${b})`).join(', ');
    await conn.run(
      `CREATE TABLE ${layout.flags} AS SELECT * FROM (VALUES ${values}) t("CustomerId", "seg_a", "seg_b")`,
    );
    await conn.run(membershipViewSql(layout));
    return { view: layout.view, flags: layout.flags };
  };
  const before = await version(1, [
    ['k1', true, false],
    ['k2', true, true],
    ['k3', false, false],
    ['gone', true, true],
  ]);
  const after = await version(2, [
    ['k1', true, true],
    ['k2', false, true],
    ['k3', false, false],
    ['new', true, false],
  ]);
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
  assert.deepEqual(await changes(membershipDiffSql({ previous: after, next: after, ids })), [], 'no change, none');
  conn.closeSync();
  db.closeSync();
});
