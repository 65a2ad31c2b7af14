import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateCustomers, syntheticUnificationConfig } from './synthetic/customers.ts';
import { loadSynthetic, pairwiseScores } from './synthetic/evaluate.ts';
import { validateUnificationConfig } from './config.ts';
import { runUnification } from './run.ts';

describe('unification of generated customers', () => {
  let dir: string;
  let inst: DuckDBInstance;
  let conn: DuckDBConnection;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'unify-e2e-'));
    inst = await DuckDBInstance.create(':memory:');
    conn = await inst.connect();
  });
  after(() => {
    conn.closeSync();
    inst.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the generator is deterministic for a seed', () => {
    const a = generateCustomers({ dir: path.join(dir, 'a'), records: 500, seed: 3 });
    const b = generateCustomers({ dir: path.join(dir, 'b'), records: 500, seed: 3 });
    const c = generateCustomers({ dir: path.join(dir, 'c'), records: 500, seed: 4 });
    for (const e of ['CrmContacts', 'ShopCustomers', 'LoyaltyMembers'] as const)
      assert.equal(readFileSync(a.files[e], 'utf8'), readFileSync(b.files[e], 'utf8'));
    assert.notEqual(readFileSync(a.files.CrmContacts, 'utf8'), readFileSync(c.files.CrmContacts, 'utf8'));
    assert.ok(a.records >= 500 && a.records < 510);
    assert.equal(a.truth.CrmContacts.length + a.truth.ShopCustomers.length + a.truth.LoyaltyMembers.length, a.records);
  });

  test('3,000 records unify with pairwise F1 above 0.95', async () => {
    const data = generateCustomers({ dir: path.join(dir, 'e2e'), records: 3000, seed: 11 });
    const sources = await loadSynthetic(conn, data, 'e2e');
    const config = validateUnificationConfig(
      syntheticUnificationConfig,
      Object.values(sources).map((s) => s.schema),
    );
    const output = { customer: '"Customer_e2e"', conflationMap: '"ConflationMap_e2e"' };
    const stats = await runUnification(conn, { config, sources, output });
    assert.equal(stats.sourceRecords, data.records);
    assert.equal(stats.unifiedProfiles + stats.matchedRecords, data.records);
    assert.equal(
      Object.values(stats.matchesPerRule).reduce((a, b) => a + b, 0),
      stats.matchedRecords,
    );
    const scores = await pairwiseScores(conn, output.conflationMap, '"truth_e2e"');
    assert.ok(scores.f1 > 0.95, `F1 ${scores.f1} (precision ${scores.precision}, recall ${scores.recall})`);
  });
});
