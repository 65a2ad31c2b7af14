import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { levenshtein, matchesPrecision, similarity, similaritySql } from './similarity.ts';

describe('similarity', () => {
  test('levenshtein counts insertions, deletions and substitutions', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('abc', 'abc'), 0);
  });

  test('similarity is 1 − distance / longer length, symmetric', () => {
    assert.equal(similarity('franklin', 'frank'), 1 - 3 / 8);
    assert.equal(similarity('frank', 'franklin'), 1 - 3 / 8);
    assert.equal(similarity('smith', 'smith'), 1);
    assert.equal(similarity('abc', 'xyz'), 0);
  });

  test('an empty value never matches, at any precision', () => {
    assert.equal(similarity('', ''), 0);
    for (const p of ['exact', 'high', 'medium', 'low', 0.01] as const) {
      assert.equal(matchesPrecision('', '', p), false);
      assert.equal(matchesPrecision('a', '', p), false);
    }
  });

  test('exact needs equal values', () => {
    assert.equal(matchesPrecision('smith', 'smith', 'exact'), true);
    assert.equal(matchesPrecision('smith', 'smyth', 'exact'), false);
    assert.equal(matchesPrecision('smith', 'smyth', 1), false);
  });

  test('high = 0.8, medium = 0.6, low = 0.3, or a number', () => {
    // jones/jonas: 1 − 1/5 = 0.8 exactly; meier/mayer: 0.6; meyer/wagner: 1 − 4/6 ≈ 0.33.
    assert.equal(matchesPrecision('jones', 'jonas', 'high'), true);
    assert.equal(matchesPrecision('meier', 'mayer', 'high'), false);
    assert.equal(matchesPrecision('meier', 'mayer', 'medium'), true);
    assert.equal(matchesPrecision('meyer', 'wagner', 'medium'), false);
    assert.equal(matchesPrecision('meyer', 'wagner', 'low'), true);
    assert.equal(matchesPrecision('abc', 'xyz', 'low'), false);
    assert.equal(matchesPrecision('jones', 'jonas', 0.81), false);
    assert.equal(matchesPrecision('jones', 'jonas', 0.79), true);
  });
});

describe('similarity in SQL', () => {
  let inst: DuckDBInstance;
  let conn: DuckDBConnection;
  before(async () => {
    inst = await DuckDBInstance.create(':memory:');
    conn = await inst.connect();
  });
  after(() => {
    conn.closeSync();
    inst.closeSync();
  });

  test('equals the TypeScript similarity on ASCII values', async () => {
    const pairs = [
      ['franklin', 'frank'],
      ['jones', 'jonas'],
      ['meier', 'mayer'],
      ['jacqueline', 'jaclyne'],
      ['abc', 'xyz'],
      ['same', 'same'],
    ] as const;
    for (const [a, b] of pairs) {
      const r = await conn.runAndReadAll(`SELECT ${similaritySql(`'${a}'`, `'${b}'`)} AS s`);
      assert.ok(Math.abs(Number(r.getRowObjectsJS()[0]?.s) - similarity(a, b)) < 1e-12, `${a}/${b}`);
    }
  });
});
