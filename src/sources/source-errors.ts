// What can go wrong reaching a database or web API, as task errors with stable codes. Messages never carry the
// password: it is scrubbed from anything a driver says.
import { AppError, TaskError } from '../core/errors.ts';

export type SourceFailure =
  'Unreachable' | 'TargetRefused' | 'BadCredentials' | 'MissingTable' | 'NotSelect' | 'Timeout' | 'QueryFailed';

export const sourceError = (code: SourceFailure, message: string): TaskError => new TaskError(code, message);

/** Removes secrets from a driver's message; keeps its first line only. */
export function scrub(message: string, secrets: Array<string | undefined>): string {
  let m = message.split('\n')[0] ?? '';
  for (const s of secrets) if (s) m = m.replaceAll(s, '***');
  return m.slice(0, 500);
}

/** Network failures common to every driver; null when the error is not one. */
export function networkFailure(err: unknown, where: string, timeoutMs: number): TaskError | null {
  if (err instanceof TaskError) return err;
  const cause = (err as { cause?: unknown }).cause;
  if (!(err instanceof AppError) && cause instanceof AppError) err = cause;
  if (err instanceof AppError) {
    return err.code === 'TargetRefused'
      ? sourceError('TargetRefused', err.message)
      : sourceError('Unreachable', err.message);
  }
  const e = err as Error & { code?: string };
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE'].includes(code))
    return sourceError('Unreachable', `${where} is unreachable (${code})`);
  if (code === 'ETIMEDOUT' || /timeout/i.test(e.message))
    return sourceError('Timeout', `${where} did not answer within ${timeoutMs} ms`);
  if (/self[- ]signed|certificate|SSL|TLS/i.test(e.message) || /^ERR_TLS|CERT/.test(code))
    return sourceError('Unreachable', `${where}: TLS failed: ${e.message.split('\n')[0]}`);
  return null;
}
