// Checks every request's path parameters, query string and JSON body before any handler sees them: no NUL anywhere
// (PostgreSQL refuses it in text, DuckDB's SQL strings end at it), no control characters in ids, and JSON bodies no
// deeper than a fixed limit. A breach is a 400 naming where it was found.
import { AppError } from '../core/errors.ts';

/** Deepest nesting of arrays and objects a JSON request body may hold. */
export const maxBodyDepth = 64;

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;

/** Path parameters (ids, entity names, tokens): no control characters. */
export function checkPathParams(params: Record<string, string>): void {
  for (const [k, v] of Object.entries(params))
    if (controlChars.test(v))
      throw new AppError('BadRequest', `path parameter ${k} must not contain control characters`);
}

/** Query string values: no NUL. */
export function checkQueryValues(values: Record<string, string[]>): void {
  for (const [k, vs] of Object.entries(values))
    if (k.includes('\0') || vs.some((v) => v.includes('\0')))
      throw new AppError('BadRequest', `query parameter ${k.replaceAll('\0', '\\0')} must not contain NUL characters`);
}

/** A parsed JSON body: no NUL in any key or string, nesting at most maxBodyDepth. */
export function checkJsonBody(value: unknown, where = 'body', depth = 0): void {
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new AppError('ValidationFailed', `${where}: must not contain NUL characters`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= maxBodyDepth)
    throw new AppError('ValidationFailed', `${where}: the body nests deeper than ${maxBodyDepth} levels`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJsonBody(v, `${where}.${i}`, depth + 1));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0')) throw new AppError('ValidationFailed', `${where}: a key contains a NUL character`);
    checkJsonBody(v, `${where}.${k}`, depth + 1);
  }
}
