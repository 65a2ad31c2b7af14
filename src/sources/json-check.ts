// One streaming pass over a JSON or NDJSON data source file before DuckDB reads it. DuckDB's JSON reader recurses
// per nesting level and crashes the whole process (segmentation fault) on files of ~100,000 nested arrays, so the
// nesting depth is checked here first, with a documented limit. The same pass finds what DuckDB would silently turn
// into something else: a file that ends inside a value (truncated), and numbers that do not fit their type (an
// exponent beyond a double such as 1e400 becomes null; an integer beyond 64 bits becomes an inexact double).
import { createReadStream } from 'node:fs';
import { TaskError } from '../core/errors.ts';

/** Default deepest nesting of arrays and objects, counted from the top of the file. */
export const defaultJsonMaxDepth = 64;

const int64Max = 2n ** 63n - 1n;
const int64Min = -(2n ** 63n);
/** A number token longer than this is refused without parsing it. */
const maxNumberLength = 400;

const Scan = { value: 0, string: 1, escape: 2, number: 3 } as const;

/** Why a number literal does not fit (beyond a double, or an integer beyond 64 bits), or null when it does. */
export function numberProblem(token: string): string | null {
  if (token.length > maxNumberLength) return 'a number too long to be read exactly';
  if (/[.eE]/.test(token)) {
    return Number.isFinite(Number(token)) ? null : `the number ${token} does not fit a double`;
  }
  if (token.replace(/^-/, '').length < 19) return null;
  try {
    const n = BigInt(token);
    return n > int64Max || n < int64Min ? `the integer ${token} does not fit 64 bits` : null;
  } catch {
    return null;
  }
}

/** Throws a TaskError naming line and column when the file nests deeper than `maxDepth`, ends inside a value, or
 * holds a number that does not fit its type. `label` names the file in messages. */
export async function checkJsonFile(file: string, opts: { maxDepth: number; label: string }): Promise<void> {
  let state: number = Scan.value;
  let depth = 0;
  let line = 1;
  let column = 0;
  let token = '';
  let tokenLine = 0;
  let tokenColumn = 0;
  const fail = (code: string, message: string, at: { line: number; column: number }): never => {
    throw new TaskError(code, `${opts.label}: line ${at.line}, column ${at.column}: ${message}`);
  };
  const endNumber = (): void => {
    state = Scan.value;
    const problem = numberProblem(token);
    if (problem)
      fail('ValueOutOfRange', `${problem}; quote it to keep it as text`, { line: tokenLine, column: tokenColumn });
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      column++;
      if (state === Scan.string) {
        if (b === 0x5c) state = Scan.escape;
        else if (b === 0x22) state = Scan.value;
        else if (b === 0x0a) {
          line++;
          column = 0;
        }
        continue;
      }
      if (state === Scan.escape) {
        state = Scan.string;
        continue;
      }
      if (state === Scan.number) {
        const isNumberByte = (b >= 0x30 && b <= 0x39) || b === 0x2e || b === 0x65 || b === 0x45 || b === 0x2b;
        if (isNumberByte || b === 0x2d) {
          if (token.length <= maxNumberLength) token += String.fromCharCode(b);
          continue;
        }
        endNumber();
      }
      if (b === 0x5b || b === 0x7b) {
        depth++;
        if (depth > opts.maxDepth)
          fail('NestingTooDeep', `values nest deeper than ${opts.maxDepth} arrays or objects`, { line, column });
      } else if (b === 0x5d || b === 0x7d) {
        depth--;
      } else if (b === 0x22) {
        state = Scan.string;
      } else if (b === 0x2d || (b >= 0x30 && b <= 0x39)) {
        state = Scan.number;
        token = String.fromCharCode(b);
        tokenLine = line;
        tokenColumn = column;
      } else if (b === 0x0a) {
        line++;
        column = 0;
      }
    }
  }
  if (state === Scan.number) endNumber();
  if (state !== Scan.value || depth > 0)
    fail('TruncatedFile', 'the file ends inside a value (is it truncated?)', { line, column });
}
