// What a failed task shows its clients. A TaskError or AppError carries a message written for people; anything else
// (a DuckDB or driver error, a bug) may carry SQL text, file paths or a stack, so it is logged in full and the task
// shows only a code and a reference to that log line. Control characters coming from data (a NUL in a key value) are
// replaced, so that the error can be stored on every control store (PostgreSQL refuses NUL in text).
import { AppError, TaskError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { TaskError as TaskErrorInfo } from './model.ts';

// eslint-disable-next-line no-control-regex
const unsafeCharacters = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function publicTaskError(err: unknown, log: Logger): TaskErrorInfo {
  if (err instanceof TaskError || err instanceof AppError)
    return { code: err.code, message: err.message.replace(unsafeCharacters, '\uFFFD') };
  const reference = newId('req');
  log.error('task failed unexpectedly', {
    reference,
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return { code: 'Internal', message: `an internal error stopped the task (reference ${reference} in the server log)` };
}
