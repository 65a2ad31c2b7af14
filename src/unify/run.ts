// One unification run: map (check keys, gather and normalize records), match (blocking, rules in order, transitive
// closure) and merge (CustomerId, Customer, ConflationMap). The heavy work runs in DuckDB; only the matched pairs
// (ints) come to JS for the union-find, and only records that joined a profile go back.
import { randomBytes } from 'node:crypto';
import { DuckDBDataChunk, INTEGER, SMALLINT } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TaskError } from '../core/errors.ts';
import { quoteIdent } from '../datastore/schema.ts';
import { ruleEdgesSql } from './blocking.ts';
import { clusterRecords } from './cluster.ts';
import type { Clusters, Edges } from './cluster.ts';
import type { UnificationConfig } from './config.ts';
import { precisionValue, unifiedAttributes } from './config.ts';
import { assignCustomerIds, writeOutputs } from './merge.ts';
import { createAliasTable } from './normalize-sql.ts';
import { buildRecords, checkPrimaryKeys, featuresOf } from './records.ts';
import type { SourceTable } from './records.ts';

export interface UnificationInput {
  config: UnificationConfig;
  /** Each mapped entity's current table and schema, by entity name. */
  sources: Record<string, SourceTable>;
  /** Quoted physical table names to create; without them the run only matches and counts (a dry run: nothing but
   * temporary tables is written, so it may run on a reader connection). */
  output?: { customer: string; conflationMap: string } | undefined;
  /** Quoted table of the last published ConflationMap, so that profiles keep their CustomerId. */
  previousConflationMap?: string | undefined;
  /** Polled between steps; when it returns true the run stops with TaskError('Canceled'). */
  isCanceled?: () => boolean;
}

export interface UnificationStats {
  sourceRecords: number;
  unifiedProfiles: number;
  /** Records joined to a profile founded by another record (sourceRecords − unifiedProfiles). */
  matchedRecords: number;
  /** Per rule name: records that this rule joined to their profile (they sum to matchedRecords). */
  matchesPerRule: Record<string, number>;
  durationMs: number;
}

async function readEdges(conn: DuckDBConnection, table: string): Promise<Edges> {
  const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${table}`);
  const n = Number(count.getRowObjectsJS()[0]?.n ?? 0);
  const edges: Edges = { a: new Int32Array(n), b: new Int32Array(n), rule: new Int16Array(n) };
  const result = await conn.stream(`SELECT a, b, r FROM ${table} ORDER BY r`);
  let at = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const [a, b, r] = chunk.getColumns() as [number[], number[], number[]];
    edges.a.set(a, at);
    edges.b.set(b, at);
    edges.rule.set(r, at);
    at += a.length;
  }
  return edges;
}

/** Writes (record, founder, rule) for every record that joined another record's profile; returns their count. */
async function writeAssignments(conn: DuckDBConnection, table: string, clusters: Clusters): Promise<number> {
  await conn.run(`CREATE TEMP TABLE ${table} (_rid INTEGER, _founder INTEGER, _rix SMALLINT)`);
  const appender = await conn.createAppender(table.slice(1, -1), 'main', 'temp');
  const size = 2048;
  let rows: [number[], number[], number[]] = [[], [], []];
  const flush = () => {
    const chunk = DuckDBDataChunk.create([INTEGER, INTEGER, SMALLINT], rows[0].length);
    chunk.setColumns(rows);
    appender.appendDataChunk(chunk);
    rows = [[], [], []];
  };
  let matched = 0;
  for (let i = 0; i < clusters.founder.length; i++) {
    if (clusters.founder[i] === i) continue;
    rows[0].push(i);
    rows[1].push(clusters.founder[i] as number);
    rows[2].push(clusters.matchedBy[i] as number);
    matched++;
    if (rows[0].length === size) flush();
  }
  if (rows[0].length) flush();
  appender.closeSync();
  return matched;
}

/** Runs map, match and merge, creating `output.customer` and `output.conflationMap` (when given). */
export async function runUnification(conn: DuckDBConnection, input: UnificationInput): Promise<UnificationStats> {
  const started = performance.now();
  const { config } = input;
  const checkCanceled = () => {
    if (input.isCanceled?.()) throw new TaskError('Canceled', 'unification was canceled');
  };
  const missing = config.map.map((m) => m.entity).filter((e) => !input.sources[e]);
  if (missing.length) throw new TaskError('SourceMissing', `no data for mapped entities: ${missing.join(', ')}`);
  await checkPrimaryKeys(conn, config, input.sources);

  const attributes = unifiedAttributes(
    config,
    Object.values(input.sources).map((s) => s.schema),
  );
  const features = featuresOf(config);
  const suffix = randomBytes(6).toString('hex');
  const temp = {
    recs: quoteIdent(`unify_recs_${suffix}`),
    edges: quoteIdent(`unify_edges_${suffix}`),
    assign: quoteIdent(`unify_assign_${suffix}`),
    ids: quoteIdent(`unify_ids_${suffix}`),
    aliases: quoteIdent(`unify_aliases_${suffix}`),
  };
  let outputsStarted = false;
  try {
    checkCanceled();
    await createAliasTable(conn, temp.aliases, config.match.aliases);
    const n = await buildRecords(conn, {
      config,
      sources: input.sources,
      attributes,
      features,
      aliasTable: temp.aliases,
      into: temp.recs,
    });
    await conn.run(`CREATE TEMP TABLE ${temp.edges} (a INTEGER, b INTEGER, r SMALLINT)`);
    const featureOf = (attr: string, normalize: string[]) =>
      (features.find((f) => f.attribute === attr && f.normalize.join() === normalize.join()) as (typeof features)[0])
        .column;
    for (const [i, rule] of config.match.rules.entries()) {
      checkCanceled();
      const cols = rule.conditions.map((c) => ({ column: featureOf(c.attribute, c.normalize), c }));
      await conn.run(
        ruleEdgesSql({
          recs: temp.recs,
          edges: temp.edges,
          rule: i,
          exact: cols.filter((x) => precisionValue(x.c.precision) >= 1).map((x) => x.column),
          fuzzy: cols
            .filter((x) => precisionValue(x.c.precision) < 1)
            .map((x) => ({ column: x.column, precision: x.c.precision })),
          crossEntityOnly: !config.match.deduplicate,
          maxBlockSize: config.match.maxBlockSize,
        }),
      );
    }
    checkCanceled();
    const clusters = clusterRecords(n, await readEdges(conn, temp.edges));
    await conn.run(`DROP TABLE ${temp.edges}`);
    const matched = await writeAssignments(conn, temp.assign, clusters);
    checkCanceled();
    if (input.output) {
      const tables = { ...temp, previousConflationMap: input.previousConflationMap, ...input.output };
      outputsStarted = true;
      await assignCustomerIds(conn, tables, config.match.order);
      await writeOutputs(conn, tables, {
        config,
        attributes,
        entities: config.match.order,
        rules: config.match.rules.map((r) => r.name),
      });
    }
    const matchesPerRule = Object.fromEntries(config.match.rules.map((r) => [r.name, 0]));
    for (const r of clusters.matchedBy) {
      const rule = config.match.rules[r];
      if (rule) matchesPerRule[rule.name] = (matchesPerRule[rule.name] ?? 0) + 1;
    }
    return {
      sourceRecords: n,
      unifiedProfiles: n - matched,
      matchedRecords: matched,
      matchesPerRule,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    if (outputsStarted && input.output)
      for (const t of [input.output.customer, input.output.conflationMap])
        await conn.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    throw err;
  } finally {
    for (const t of Object.values(temp)) await conn.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}
