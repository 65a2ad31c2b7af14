// Normalizations applied to values before they are compared (never to stored data). Each is a pure function here;
// normalize-sql.ts builds the same transformations as DuckDB SQL for the bulk run, and the tests hold them equal.
import type { Normalization } from './config.ts';
import { nicknames } from './nicknames.ts';

export interface NormalizeOptions {
  /** Country calling code (digits, e.g. "49") assumed for phone numbers written without one. Default: none. */
  phoneCountry?: string | undefined;
  /** Extra nickname → canonical given name pairs for `alias`, on top of the built-in table. */
  aliases?: Readonly<Record<string, string>> | undefined;
}

/** Whitespace characters every normalization agrees on (the same class is used in SQL). */
const ws = /[\t\n\v\f\r \u00a0]+/g;

/** Removes every whitespace character. */
export const whitespace = (v: string): string => v.replace(ws, '');

export const lowercase = (v: string): string => v.toLowerCase();

/** Removes the ASCII punctuation characters !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~. */
export const symbols = (v: string): string => v.replace(/[!-/:-@[-`{-~]/g, '');

/** Unicode number symbols → ASCII digits: Roman numerals (Ⅷ → 8), circled and full-width digits, Arabic-Indic. */
export const numeralTable: ReadonlyArray<readonly [string, string]> = [
  ...['Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ', 'Ⅴ', 'Ⅵ', 'Ⅶ', 'Ⅷ', 'Ⅸ', 'Ⅹ', 'Ⅺ', 'Ⅻ'].map((c, i) => [c, String(i + 1)] as const),
  ...['ⅰ', 'ⅱ', 'ⅲ', 'ⅳ', 'ⅴ', 'ⅵ', 'ⅶ', 'ⅷ', 'ⅸ', 'ⅹ', 'ⅺ', 'ⅻ'].map((c, i) => [c, String(i + 1)] as const),
  ...Array.from({ length: 20 }, (_, i) => [String.fromCodePoint(0x2460 + i), String(i + 1)] as const),
  ...Array.from({ length: 10 }, (_, i) => [String.fromCodePoint(0xff10 + i), String(i)] as const),
  ...Array.from({ length: 10 }, (_, i) => [String.fromCodePoint(0x0660 + i), String(i)] as const),
  ...Array.from({ length: 10 }, (_, i) => [String.fromCodePoint(0x06f0 + i), String(i)] as const),
  ...Array.from({ length: 10 }, (_, i) => [String.fromCodePoint(0x0966 + i), String(i)] as const),
];
const numeralMap = new Map(numeralTable);

export const numerals = (v: string): string => Array.from(v, (c) => numeralMap.get(c) ?? c).join('');

/** Letters that lose no accent but still have an ASCII spelling. */
export const asciiTable: ReadonlyArray<readonly [string, string]> = [
  ['ß', 'ss'],
  ['æ', 'ae'],
  ['Æ', 'AE'],
  ['œ', 'oe'],
  ['Œ', 'OE'],
  ['ø', 'o'],
  ['Ø', 'O'],
  ['ł', 'l'],
  ['Ł', 'L'],
  ['đ', 'd'],
  ['Đ', 'D'],
  ['ð', 'd'],
  ['þ', 'th'],
  ['Þ', 'TH'],
  ['ı', 'i'],
  ['ﬁ', 'fi'],
  ['ﬂ', 'fl'],
];
const asciiMap = new Map(asciiTable);

/** Strips accents (é → e, Ł → L) and spells out special letters (ß → ss, æ → ae); other characters stay. */
export const unicodeToAscii = (v: string): string =>
  Array.from(v.normalize('NFD').replace(/\p{M}+/gu, ''), (c) => asciiMap.get(c) ?? c).join('');

/** Trimmed, lower case, without whitespace: e-mail addresses never hold spaces. */
export const email = (v: string): string => whitespace(v).toLowerCase();

/**
 * Person and company names: accents stripped, lower case, apostrophes and dots dropped (O'Brien → obrien), other
 * punctuation turned into a space (Smith-Jones → smith jones), spaces collapsed and trimmed.
 */
export const name = (v: string): string =>
  unicodeToAscii(v)
    .toLowerCase()
    .replace(/['’.]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/**
 * Phone numbers → digits in international form without "+" (E.164 digits), or '' for junk (fewer than 6 digits, or
 * one digit repeated). Rule: an extension (after "x", "ext" or "#") and a trunk "(0)" are dropped; a number written with "+" or "00"
 * is international already; otherwise, with a default country, one leading trunk "0" is replaced by the country
 * code, a number that already starts with the country code and has at least 9 more digits is kept, and any other
 * number gets the country code in front. Without a default country only "+"/"00" and a trunk "0" are removed, so
 * `+49 170 1234567` and `0170 1234567` compare equal only when the default country is 49.
 */
export function phone(v: string, country?: string): string {
  const s = v
    .trim()
    .toLowerCase()
    .replace(/(ext|x|#).*$/, '')
    .replaceAll('(0)', '');
  const digits = s.replace(/[^0-9]/g, '');
  const d = /^[\t\n\v\f\r \u00a0(]*\+/.test(s)
    ? digits
    : digits.startsWith('00')
      ? digits.slice(2)
      : country === undefined
        ? digits.replace(/^0/, '')
        : digits.startsWith('0')
          ? country + digits.slice(1)
          : digits.startsWith(country) && digits.length >= country.length + 9
            ? digits
            : country + digits;
  return d.length < 6 || d.replaceAll(d.charAt(0), '') === '' ? '' : d;
}

/** The nickname table: built-in pairs overridden and extended by `extra`, all lower case. */
export function aliasTable(extra?: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  const table = new Map(Object.entries(nicknames));
  for (const [k, v] of Object.entries(extra ?? {})) table.set(alias(k, new Map()), alias(v, new Map()));
  return table;
}

const builtInAliases = aliasTable();

/** Lower-cased, trimmed given name with a known nickname replaced by its canonical name (Bob → robert). */
export function alias(v: string, table: ReadonlyMap<string, string> = builtInAliases): string {
  const key = v.replace(ws, ' ').trim().toLowerCase();
  return table.get(key) ?? key;
}

/** Applies normalizations in the order given. */
export function normalizeValue(v: string, steps: readonly Normalization[], opts: NormalizeOptions = {}): string {
  const aliases = opts.aliases ? aliasTable(opts.aliases) : builtInAliases;
  let out = v;
  for (const step of steps) {
    if (step === 'whitespace') out = whitespace(out);
    else if (step === 'lowercase') out = lowercase(out);
    else if (step === 'symbols') out = symbols(out);
    else if (step === 'numerals') out = numerals(out);
    else if (step === 'unicodeToAscii') out = unicodeToAscii(out);
    else if (step === 'phone') out = phone(out, opts.phoneCountry);
    else if (step === 'email') out = email(out);
    else if (step === 'name') out = name(out);
    else out = alias(out, aliases);
  }
  return out;
}
