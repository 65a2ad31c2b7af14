import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { TaskError } from '../core/errors.ts';
import { checkJsonFile } from './json-check.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'json-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** null when the file passes, else the TaskError's code and message. */
const check = async (content: string | Buffer, maxDepth = 64) => {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, content);
  try {
    await checkJsonFile(file, { maxDepth, label: 'f.json' });
    return null;
  } catch (err) {
    assert.ok(err instanceof TaskError);
    return { code: err.code, message: err.message };
  }
};

test('well-formed files pass, whatever their strings hold', async () => {
  assert.equal(await check('[{"a":1,"b":[1,2,{"c":null}],"d":"x]]]}}}\\"[[["}]'), null);
  assert.equal(await check('{"a":-1.5e3,"b":9223372036854775807,"c":-9223372036854775808}\n{"a":0.1}\n'), null);
  assert.equal(await check('{"a":"line\\nbreak","b":"\\u0000"}\n'), null);
  assert.equal(await check(`${'['.repeat(64)}${']'.repeat(64)}`), null, 'exactly the limit');
});

test('100,000 nested arrays fail at the limit, naming line and column (DuckDB would crash)', async () => {
  const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`;
  assert.deepEqual(await check(deep), {
    code: 'NestingTooDeep',
    message: 'f.json: line 1, column 69: values nest deeper than 64 arrays or objects',
  });
  assert.equal((await check(`${'['.repeat(9)}${']'.repeat(9)}`, 8))?.code, 'NestingTooDeep');
});

test('a file ending inside a value is truncated', async () => {
  for (const t of ['[{"a":1},{"a":2}', '[{"a":1},{"a":"tw', '{"a":1}\n{"a":', '[{"a":1},{"a":2']) {
    assert.equal((await check(t))?.code, 'TruncatedFile', t);
  }
});

test('numbers that do not fit their type name line and column', async () => {
  assert.deepEqual(await check('{"a":1}\n{"a":1e400}\n'), {
    code: 'ValueOutOfRange',
    message: 'f.json: line 2, column 6: the number 1e400 does not fit a double; quote it to keep it as text',
  });
  assert.equal((await check('{"a":9223372036854775808}'))?.code, 'ValueOutOfRange');
  assert.equal((await check('{"a":-9223372036854775809}'))?.code, 'ValueOutOfRange');
  assert.equal((await check('{"a":123456789012345678901234567890}'))?.code, 'ValueOutOfRange');
  assert.equal((await check(`{"a":${'9'.repeat(5000)}}`))?.code, 'ValueOutOfRange');
  assert.equal(await check('{"a":"123456789012345678901234567890"}'), null, 'quoted, it stays text');
});
