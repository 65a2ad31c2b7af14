import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AppError, TaskError } from '../core/errors.ts';
import { checkLocation, resolveImportFile } from './import-path.ts';

test('relative locations are normalized', () => {
  assert.equal(checkLocation('a/b.csv'), 'a/b.csv');
  assert.equal(checkLocation('./a//b.csv'), 'a/b.csv');
});

test('absolute paths, .. segments and NUL are refused', () => {
  for (const bad of ['/etc/passwd', '../x.csv', 'a/../../x.csv', 'a\\..\\x.csv', 'C:\\x.csv', 'a\0b', '']) {
    assert.throws(
      () => checkLocation(bad),
      (e: unknown) => e instanceof AppError && e.code === 'ValidationFailed',
      bad,
    );
  }
});

test('links that lead outside the import directory are refused at refresh time', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'imports-'));
  const outside = mkdtempSync(path.join(os.tmpdir(), 'outside-'));
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  writeFileSync(path.join(outside, 'secret.csv'), 'a\n1\n');
  mkdirSync(path.join(root, 'sub'));
  writeFileSync(path.join(root, 'sub', 'ok.csv'), 'a\n1\n');
  symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'escape.csv'));
  symlinkSync(outside, path.join(root, 'dirlink'));
  symlinkSync(path.join(root, 'sub', 'ok.csv'), path.join(root, 'inside.csv'));
  assert.equal(resolveImportFile(root, 'sub/ok.csv'), path.join(root, 'sub', 'ok.csv'));
  assert.equal(resolveImportFile(root, 'inside.csv'), path.join(root, 'sub', 'ok.csv'));
  for (const bad of ['escape.csv', 'dirlink/secret.csv']) {
    assert.throws(
      () => resolveImportFile(root, bad),
      (e: unknown) => e instanceof TaskError && e.code === 'PathOutsideImportDir',
      bad,
    );
  }
  assert.throws(
    () => resolveImportFile(root, 'missing.csv'),
    (e: unknown) => e instanceof TaskError && e.code === 'FileNotFound',
  );
});
