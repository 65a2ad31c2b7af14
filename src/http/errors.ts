// The one place where errors become HTTP responses, in the OData JSON error shape {"error": {"code", "message"}}.
// Unexpected errors become an opaque 500 carrying the request id; their details go to the log only.
import { z } from 'zod';
import { AppError, errorStatus } from '../core/errors.ts';
import { zodMessage } from '../core/zod-message.ts';

export { zodMessage };

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export function toErrorResponse(
  err: unknown,
  requestId: string,
): { status: number; body: ErrorBody; unexpected: boolean } {
  if (err instanceof AppError) {
    const body: ErrorBody = {
      error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
    };
    return { status: errorStatus[err.code], body, unexpected: false };
  }
  if (err instanceof z.ZodError) {
    return {
      status: 400,
      body: { error: { code: 'ValidationFailed', message: zodMessage(err, 'body') } },
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: { error: { code: 'Internal', message: `an unexpected error occurred (request ${requestId})`, requestId } },
    unexpected: true,
  };
}
