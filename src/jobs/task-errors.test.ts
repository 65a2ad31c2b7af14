import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { publicTaskError } from './task-errors.ts';

const recorder = () => {
  const lines: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
  const log = {
    error: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }),
  } as unknown as Logger;
  return { lines, log };
};

test('an unexpected error shows a code and a reference; its SQL and stack go to the log only', () => {
  const { lines, log } = recorder();
  const err = new Error('Binder Error: Referenced column "x" not found\nLINE 1: SELECT "x" FROM "t_Crm__v3"');
  const shown = publicTaskError(err, log);
  assert.equal(shown.code, 'Internal');
  assert.doesNotMatch(shown.message, /SELECT|Binder|t_Crm|at /);
  const reference = /reference (req_\w+)/.exec(shown.message)?.[1];
  assert.ok(reference);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.fields?.reference, reference);
  assert.match(String(lines[0]!.fields?.stack), /Binder Error/);
});

test('a task error keeps its message, with control characters from data replaced', () => {
  const { lines, log } = recorder();
  const shown = publicTaskError(new TaskError('PrimaryKeyViolation', 'duplicate keys a\u0000b (×2)'), log);
  assert.deepEqual(shown, { code: 'PrimaryKeyViolation', message: 'duplicate keys a\uFFFDb (×2)' });
  assert.equal(lines.length, 0);
});
