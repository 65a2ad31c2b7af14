// The closed set of typed errors. Every module throws AppError with one of these codes; the HTTP edge maps a code
// to a status in one place (src/http/errors.ts). Anything else is an unexpected failure → opaque 500.

export const errorStatus = {
  BadRequest: 400,
  InvalidQuery: 400,
  InvalidSkipToken: 400,
  ValidationFailed: 400,
  TargetRefused: 400,
  // A data source test (sources/preview.ts) that could not read the source.
  Unreachable: 400,
  BadCredentials: 400,
  MissingTable: 400,
  NotSelect: 400,
  SourceFailed: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  UriTooLong: 414,
  TooManyRequests: 429,
  Internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>): AppError =>
  new AppError('BadRequest', message, details);
export const notFound = (what: string): AppError => new AppError('NotFound', `${what} not found`);
export const invalidQuery = (message: string): AppError => new AppError('InvalidQuery', message);

/** A task failure with a stable code and a message a person understands; stored on tasks and in events. */
export class TaskError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'TaskError';
    this.code = code;
  }
}

export function errorInfo(err: unknown): { code: string; message: string } {
  if (err instanceof TaskError || err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'Internal', message: err.message };
  return { code: 'Internal', message: String(err) };
}

const listed = (parts: string[]) => (parts.length > 5 ? [...parts.slice(0, 5), `${parts.length - 5} more`] : parts);

/** Refuses (409) to delete or rename what others refer to, naming them. */
export function refuseIfDependents(what: string, dependents: string[], action: string): void {
  if (dependents.length === 0) return;
  throw new AppError(
    'Conflict',
    `${what} is used by ${listed(dependents).join(', ')}; change or delete ${dependents.length > 1 ? 'them' : 'it'} ` +
      `before you ${action} it`,
    { dependents },
  );
}
