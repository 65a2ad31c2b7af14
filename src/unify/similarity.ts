// Edit-distance similarity of two normalized values, in 0..1: 1 − levenshtein(a, b) / max(length(a), length(b)).
// It is symmetric (Customer Insights divides by the left value's length instead) and 1 only for equal values. An
// empty value never matches anything, not even another empty value. similaritySql is the same in DuckDB SQL, where
// levenshtein and strlen count UTF-8 bytes: apply `name` or `unicodeToAscii` to fuzzy conditions on accented text.
import type { MatchCondition } from './config.ts';
import { precisionValue } from './config.ts';

/** Slack for floating-point rounding, so that 1 − 1/5 reaches 0.8. */
const epsilon = 1e-9;

/** Levenshtein distance (insertions, deletions, substitutions) over UTF-16 code units, two rows of memory. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur.push(Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** Similarity in 0..1; 0 when either value is empty. */
export function similarity(a: string, b: string): number {
  if (a === '' || b === '') return 0;
  return 1 - levenshtein(a, b) / Math.max(a.length, b.length);
}

/** Whether two normalized values satisfy a precision (`exact`, `high` 0.8, `medium` 0.6, `low` 0.3 or a number). */
export function matchesPrecision(a: string, b: string, precision: MatchCondition['precision']): boolean {
  const p = precisionValue(precision);
  if (a === '' || b === '') return false;
  return p >= 1 ? a === b : similarity(a, b) >= p - epsilon;
}

/** SQL for the similarity of two non-empty VARCHAR expressions. */
export const similaritySql = (a: string, b: string): string =>
  `(1 - levenshtein(${a}, ${b}) / greatest(strlen(${a}), strlen(${b})))`;

/** SQL that holds when two nullable normalized values satisfy a precision; NULL stands for an empty value. */
export function conditionSql(a: string, b: string, precision: MatchCondition['precision']): string {
  const p = precisionValue(precision);
  return p >= 1 ? `${a} = ${b}` : `${similaritySql(a, b)} >= ${p - epsilon}`;
}
