// Tokens of the OData $filter language. Positions are 1-based character offsets, for messages that point at the
// problem. Input longer than 16 KiB is refused before scanning.
import { AppError } from '../../core/errors.ts';

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'timestamp' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** For strings: the unescaped value; for numbers: the number. */
  value?: string | number;
  pos: number;
}

export const maxQueryLength = 16_384;

const int64Max = 2n ** 63n - 1n;

export const queryError = (pos: number, message: string): AppError =>
  new AppError('InvalidQuery', `at position ${pos}: ${message}`);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => /[A-Za-z_$@]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_.]/.test(c);

export function tokenize(input: string): Token[] {
  if (input.length > maxQueryLength)
    throw new AppError('InvalidQuery', `the expression is longer than ${maxQueryLength} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const pos = i + 1;
    if (c === "'") {
      let j = i + 1;
      const parts: string[] = [];
      let start = j;
      for (;;) {
        const k = input.indexOf("'", j);
        if (k === -1) throw queryError(pos, 'unterminated string literal');
        if (input[k + 1] === "'") {
          parts.push(input.slice(start, k + 1));
          j = k + 2;
          start = j;
          continue;
        }
        parts.push(input.slice(start, k));
        j = k + 1;
        break;
      }
      tokens.push({ kind: 'string', text: input.slice(i, j), value: parts.join(''), pos });
      i = j;
      continue;
    }
    const date = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?/.exec(
      input.slice(i, i + 40),
    );
    if (date && !isIdent(input[i + date[0].length] ?? ' ')) {
      const kind = date[1] ? 'timestamp' : 'date';
      const t = Date.parse(kind === 'date' ? `${date[0]}T00:00:00Z` : date[0]);
      if (
        Number.isNaN(t) ||
        new Date(Date.parse(`${date[0].slice(0, 10)}T00:00:00Z`)).toISOString().slice(0, 10) !== date[0].slice(0, 10)
      ) {
        throw queryError(pos, `"${date[0]}" is not a valid ${kind}`);
      }
      tokens.push({ kind, text: date[0], value: date[0], pos });
      i += date[0].length;
      continue;
    }
    if (isDigit(c) || (c === '-' && isDigit(input[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(input.slice(i, i + 400)) as RegExpExecArray;
      if (isIdentStart(input[i + m[0].length] ?? ' '))
        throw queryError(pos, `unexpected "${input.slice(i, i + m[0].length + 1)}"`);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) throw queryError(pos, `the number ${m[0].slice(0, 40)} is out of range`);
      if (!/[.eE]/.test(m[0]) && (BigInt(m[0]) > int64Max || BigInt(m[0]) < -int64Max - 1n))
        throw queryError(pos, `the integer ${m[0].slice(0, 40)} does not fit 64 bits`);
      tokens.push({ kind: 'number', text: m[0], value, pos });
      i += m[0].length;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < input.length && isIdent(input[j] as string)) j++;
      tokens.push({ kind: 'ident', text: input.slice(i, j), pos });
      i = j;
      continue;
    }
    if ('(),/:'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos });
      i++;
      continue;
    }
    throw queryError(pos, `unexpected character "${c}"`);
  }
  tokens.push({ kind: 'end', text: '', pos: input.length + 1 });
  return tokens;
}

/** `s` as an OData string literal, quotes doubled: the text the lexer reads back as `s`. */
export const odataString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
