// Data sources may read files only inside the import directory. A location is a relative path; absolute paths,
// ".." segments and symbolic links that lead outside are refused.
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError, TaskError } from '../core/errors.ts';

/** Lexical check at save time; returns the normalized relative location. */
export function checkLocation(location: string): string {
  if (location.length === 0 || location.length > 1024)
    throw new AppError('ValidationFailed', 'location: must be 1 to 1024 characters');
  if (location.includes('\0')) throw new AppError('ValidationFailed', 'location: must not contain NUL characters');
  if (path.isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\')) {
    throw new AppError(
      'ValidationFailed',
      'location: must be a path relative to the import directory, not an absolute path',
    );
  }
  const parts = location.split(/[\\/]+/);
  if (parts.includes('..'))
    throw new AppError('ValidationFailed', 'location: must stay inside the import directory (".." is not allowed)');
  const rel = parts.filter((p) => p !== '' && p !== '.').join('/');
  if (rel === '') throw new AppError('ValidationFailed', 'location: must name a file, not the import directory');
  return rel;
}

/** At save time, for a location that exists already: it must be a file, and links must not lead outside. A location
 * that does not exist yet is accepted (the file may come later) and checked again when it is read. */
export function checkExistingLocation(importDir: string, location: string): void {
  const rel = checkLocation(location);
  let root: string;
  let real: string;
  try {
    root = realpathSync(importDir);
    real = realpathSync(path.join(root, rel));
  } catch {
    return;
  }
  if (real !== root && !real.startsWith(root + path.sep))
    throw new AppError('ValidationFailed', `location: ${rel} leads outside the import directory`);
  if (!statSync(real).isFile()) throw new AppError('ValidationFailed', `location: ${rel} is not a file`);
}

/** Resolves a location to a real file path inside the import directory, following links; at refresh time. */
export function resolveImportFile(importDir: string, location: string): string {
  const rel = checkLocation(location);
  let root: string;
  try {
    root = realpathSync(importDir);
  } catch {
    throw new TaskError('FileNotFound', `the import directory ${importDir} does not exist`);
  }
  let real: string;
  try {
    real = realpathSync(path.join(root, rel));
  } catch {
    throw new TaskError('FileNotFound', `${rel}: no such file in the import directory`);
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new TaskError('PathOutsideImportDir', `${rel}: resolves outside the import directory`);
  }
  if (!statSync(real).isFile()) throw new TaskError('NotAFile', `${rel}: is not a file`);
  return real;
}
