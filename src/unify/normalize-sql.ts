// The normalizations of normalize.ts as DuckDB SQL expressions, so that a million records are normalized inside the
// database. normalize-sql.test.ts runs both on the same inputs and requires equal results.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../datastore/schema.ts';
import type { Normalization } from './config.ts';
import { aliasTable, asciiTable, numeralTable } from './normalize.ts';
import type { NormalizeOptions } from './normalize.ts';

const ws = '[\\t\\n\\v\\f\\r \\x{00A0}]+';

/** Replaces characters by strings: one-character results through translate(), longer ones through replace(). */
function replaceChars(expr: string, table: ReadonlyArray<readonly [string, string]>): string {
  const single = table.filter(([, to]) => to.length === 1);
  const multi = table.filter(([, to]) => to.length !== 1);
  let out = multi.reduce((e, [from, to]) => `replace(${e}, ${sqlString(from)}, ${sqlString(to)})`, expr);
  if (single.length)
    out = `translate(${out}, ${sqlString(single.map(([f]) => f).join(''))}, ${sqlString(single.map(([, t]) => t).join(''))})`;
  return out;
}

/** Binds `e` once as `name` inside `body`, so that a long expression is not evaluated again for each use. */
const bind = (e: string, name: string, body: string) => `list_transform([${e}], ${name} -> ${body})[1]`;

const whitespace = (e: string) => `regexp_replace(${e}, '${ws}', '', 'g')`;
/** ASCII text (as many bytes as characters) skips the work. */
const unicodeToAscii = (e: string) =>
  bind(e, 'a', `CASE WHEN strlen(a) = length(a) THEN a ELSE ${replaceChars('strip_accents(a)', asciiTable)} END`);

const numerals = (e: string) =>
  bind(e, 'n', `CASE WHEN strlen(n) = length(n) THEN n ELSE ${replaceChars('n', numeralTable)} END`);

function phone(e: string, country: string | undefined): string {
  const s = `replace(regexp_replace(lower(trim(${e})), '(ext|x|#).*$', ''), '(0)', '')`;
  const d = `regexp_replace(s, '[^0-9]', '', 'g')`;
  const cc = country === undefined ? undefined : sqlString(country);
  const national =
    cc === undefined
      ? `regexp_replace(d, '^0', '')`
      : `CASE WHEN starts_with(d, '0') THEN ${cc} || d[2:]
              WHEN starts_with(d, ${cc}) AND length(d) >= ${(country as string).length + 9} THEN d
              ELSE ${cc} || d END`;
  const full = `CASE WHEN regexp_matches(s, '^[\\t\\n\\v\\f\\r \\x{00A0}(]*\\+') THEN d
                     WHEN starts_with(d, '00') THEN d[3:] ELSE ${national} END`;
  const junk = `CASE WHEN length(p) < 6 OR replace(p, p[1], '') = '' THEN '' ELSE p END`;
  return bind(s, 's', bind(d, 'd', bind(full, 'p', junk)));
}

/** Creates the lookup table the `alias` normalization needs, (nick VARCHAR, canonical VARCHAR), all lower case. */
export async function createAliasTable(
  conn: DuckDBConnection,
  table: string,
  aliases?: Readonly<Record<string, string>>,
): Promise<void> {
  const rows = [...aliasTable(aliases)].map(([k, v]) => `(${sqlString(k)}, ${sqlString(v)})`);
  await conn.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM (VALUES ${rows.join(', ')}) AS a(nick, canonical)`);
}

function alias(e: string, table: string | undefined): string {
  if (table === undefined) throw new Error('the alias normalization needs an alias table');
  const key = `lower(trim(regexp_replace(${e}, '${ws}', ' ', 'g')))`;
  return `coalesce((SELECT canonical FROM ${table} WHERE nick = ${key}), ${key})`;
}

/**
 * The SQL expression that applies `steps` in order to the VARCHAR expression `expr`. `alias` looks names up in
 * `aliasTable` (made by createAliasTable), through a correlated subquery that DuckDB turns into a hash join.
 */
export function normalizeSql(
  expr: string,
  steps: readonly Normalization[],
  opts: Pick<NormalizeOptions, 'phoneCountry'> & { aliasTable?: string } = {},
): string {
  let out = expr;
  for (const step of steps) {
    if (step === 'whitespace') out = whitespace(out);
    else if (step === 'lowercase') out = `lower(${out})`;
    else if (step === 'symbols') out = `regexp_replace(${out}, '[!-/:-@\\[-\`{-~]', '', 'g')`;
    else if (step === 'numerals') out = numerals(out);
    else if (step === 'unicodeToAscii') out = unicodeToAscii(out);
    else if (step === 'phone') out = phone(out, opts.phoneCountry);
    else if (step === 'email') out = `lower(${whitespace(out)})`;
    else if (step === 'name')
      out = `trim(regexp_replace(regexp_replace(lower(${unicodeToAscii(out)}), '[''’.]', '', 'g'), '[^a-z0-9]+', ' ', 'g'))`;
    else out = alias(out, opts.aliasTable);
  }
  return out;
}
