// Candidate pairs by blocking, never all pairs. For one rule this builds the SQL that inserts its matching edges:
//
// - Exact conditions are the blocking key: records join only on equal normalized exact values (a hash join).
// - A rule of exact conditions only needs no pairs at all: every record of a key group is linked to the group's first
//   record (a star), which gives the same transitive closure with n − 1 edges instead of n² / 2.
// - Fuzzy conditions are scored on the pairs of a key group when the group holds at most `maxBlockSize` records.
//   Larger groups (and rules without exact conditions, whose single group is every record) are split further by
//   fuzzy blocking keys: the first and the last three characters of the (at most two) most precise fuzzy values, so
//   that a typo spoils at most some of a record's keys. A block still larger than `maxBlockSize` is skipped, like
//   Amazon Connect skips over-shared values: it is a placeholder or too common a value to tell people apart.
//
// Work therefore grows with records × (block size), about linearly for a bounded block size.
import { conditionSql } from './similarity.ts';
import type { MatchCondition } from './config.ts';
import { precisionValue } from './config.ts';

export interface RuleBlocking {
  /** Table of records: _rid INTEGER, _ent SMALLINT and the normalized feature columns (NULL = empty). */
  recs: string;
  /** Table of edges to insert into: (a INTEGER, b INTEGER, r SMALLINT). */
  edges: string;
  /** Index of the rule, stored in the edges. */
  rule: number;
  /** Feature columns (quoted) compared for equality. */
  exact: string[];
  /** Feature columns (quoted) compared by similarity, with their precision. */
  fuzzy: Array<{ column: string; precision: MatchCondition['precision'] }>;
  /** Only pairs of records from different entities (deduplicate: false). */
  crossEntityOnly: boolean;
  /** Largest block compared pair by pair. */
  maxBlockSize: number;
}

/** The SQL statement that inserts the rule's edges. */
export function ruleEdgesSql(b: RuleBlocking): string {
  const all = [...b.exact, ...b.fuzzy.map((f) => f.column)];
  const key = b.exact.length ? `concat_ws(chr(31), ${b.exact.join(', ')})` : `''`;
  const fuzzyCols = b.fuzzy.map((f, i) => `${f.column} AS v${i}`);
  const g = `g AS (SELECT _rid AS rid, _ent AS ent, ${[`${key} AS ek`, ...fuzzyCols].join(', ')} FROM ${b.recs}
    WHERE ${all.map((c) => `${c} IS NOT NULL`).join(' AND ')})`;
  if (b.fuzzy.length === 0) return starEdgesSql(b, g);

  const cross = b.crossEntityOnly ? 'AND l.ent <> r.ent' : '';
  const score = b.fuzzy.map((f, i) => conditionSql(`l.v${i}`, `r.v${i}`, f.precision)).join(' AND ');
  const [first, second] = b.fuzzy
    .map((f, i) => ({ i, p: precisionValue(f.precision) }))
    .sort((x, y) => y.p - x.p)
    .map(({ i }) => [`left(v${i}, 3)`, `right(v${i}, 3)`]);
  const parts = (first ?? []).flatMap((x) => (second ? second.map((y) => [x, y]) : [[x]]));
  const combos = parts.map((p, i) => `'${i}' || ${p.join(' || chr(31) || ')}`);
  return `INSERT INTO ${b.edges}
    WITH ${g},
    sz AS (SELECT ek, count(*) AS n FROM g GROUP BY ek),
    gs AS (SELECT g.* FROM g JOIN sz USING (ek) WHERE n <= ${b.maxBlockSize}),
    bk AS (SELECT g.*, unnest([${combos.join(', ')}]) AS bk FROM g JOIN sz USING (ek) WHERE n > ${b.maxBlockSize}),
    bsz AS (SELECT ek, bk, count(*) AS n FROM bk GROUP BY ek, bk),
    bks AS (SELECT bk.* FROM bk JOIN bsz USING (ek, bk) WHERE n <= ${b.maxBlockSize}),
    pairs AS (
      SELECT l.rid AS a, r.rid AS b FROM gs l JOIN gs r ON l.ek = r.ek AND l.rid < r.rid ${cross} WHERE ${score}
      UNION
      SELECT l.rid AS a, r.rid AS b FROM bks l JOIN bks r ON l.ek = r.ek AND l.bk = r.bk AND l.rid < r.rid ${cross}
      WHERE ${score})
    SELECT a, b, ${b.rule} FROM pairs`;
}

/** Exact-only rule: link each record of a key group to the group's first record (to the first record of another
 *  entity when only cross-entity pairs count, which keeps every edge across entities and the group connected). */
function starEdgesSql(b: RuleBlocking, g: string): string {
  if (!b.crossEntityOnly)
    return `INSERT INTO ${b.edges}
      WITH ${g}, m AS (SELECT ek, min(rid) AS m1 FROM g GROUP BY ek)
      SELECT m.m1, g.rid, ${b.rule} FROM g JOIN m USING (ek) WHERE g.rid <> m.m1`;
  return `INSERT INTO ${b.edges}
    WITH ${g},
    m AS (SELECT ek, min(rid) AS m1, arg_min(ent, rid) AS e1 FROM g GROUP BY ek),
    m2 AS (SELECT g.ek, min(g.rid) AS m2 FROM g JOIN m USING (ek) WHERE g.ent <> m.e1 GROUP BY g.ek)
    SELECT CASE WHEN g.ent <> m.e1 THEN m.m1 ELSE m2.m2 END, g.rid, ${b.rule}
    FROM g JOIN m USING (ek) JOIN m2 USING (ek)`;
}
