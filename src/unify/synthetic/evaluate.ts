// Loading the synthetic sources into DuckDB and scoring a unification result against their truth: pairwise
// precision, recall and F1 over all pairs of records that share a profile (predicted) or a person (true).
import type { DuckDBConnection } from '@duckdb/node-api';
import { describeTable } from '../../datastore/engine.ts';
import { quoteIdent, sqlString } from '../../datastore/schema.ts';
import type { SourceTable } from '../index.ts';
import { syntheticEntities } from './customers.ts';
import type { SyntheticData } from './customers.ts';

export interface PairwiseScores {
  precision: number;
  recall: number;
  f1: number;
}

/** Pairwise precision, recall and F1 of a ConflationMap against a truth table (entity, key, person). */
export async function pairwiseScores(
  conn: DuckDBConnection,
  conflationMap: string,
  truth: string,
): Promise<PairwiseScores> {
  const r = await conn.runAndReadAll(`
    WITH j AS (SELECT m.CustomerId AS c, t.person AS p FROM ${conflationMap} m
               JOIN ${truth} t ON t.entity = m.SourceEntity AND CAST(t.key AS VARCHAR) = m.SourceKey),
    both_ AS (SELECT sum(n * (n - 1) / 2) AS x FROM (SELECT count(*) AS n FROM j GROUP BY c, p)),
    pred AS (SELECT sum(n * (n - 1) / 2) AS x FROM (SELECT count(*) AS n FROM j GROUP BY c)),
    real AS (SELECT sum(n * (n - 1) / 2) AS x FROM (SELECT count(*) AS n FROM j GROUP BY p))
    SELECT both_.x AS tp, pred.x AS predicted, real.x AS actual FROM both_, pred, real`);
  const row = r.getRowObjectsJS()[0] as Record<string, unknown>;
  const tp = Number(row.tp ?? 0);
  const precision = tp / Math.max(1, Number(row.predicted ?? 0));
  const recall = tp / Math.max(1, Number(row.actual ?? 0));
  return { precision, recall, f1: (2 * precision * recall) / Math.max(1e-12, precision + recall) };
}

/** Loads the generated CSV files into tables `<Entity>_<suffix>` and `truth_<suffix>`; returns the sources. */
export async function loadSynthetic(
  conn: DuckDBConnection,
  data: SyntheticData,
  suffix: string,
): Promise<Record<string, SourceTable>> {
  const sources: Record<string, SourceTable> = {};
  for (const entity of syntheticEntities) {
    const table = quoteIdent(`${entity}_${suffix}`);
    await conn.run(`CREATE TABLE ${table} AS SELECT * FROM read_csv(${sqlString(data.files[entity])}, header = true)`);
    sources[entity] = {
      table,
      schema: { name: entity, kind: 'source', attributes: await describeTable(conn, table), key: [] },
    };
  }
  await conn.run(
    `CREATE TABLE ${quoteIdent(`truth_${suffix}`)} AS SELECT * FROM read_csv(${sqlString(data.truthFile)}, header = true)`,
  );
  return sources;
}
