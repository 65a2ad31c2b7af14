import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { findCsvProblem, findCsvValueProblem } from './csv-check.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'csv-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const check = (content: string, delimiter = ',') => {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, content);
  return findCsvProblem(file, { delimiter });
};

test('well-formed RFC 4180 files have no problem', async () => {
  assert.equal(await check('a,b,c\n1,2,3\n'), null);
  assert.equal(await check('a,b\r\n"x, y","line1\nline2"\r\n"say ""hi""",2\r\n'), null);
  assert.equal(await check('a,b\n1,2'), null, 'no final newline');
  assert.equal(await check('a;b\n1;2\n', ';'), null);
  assert.equal(await check('a,b\n\n1,2\n'), null, 'blank lines are not records');
  assert.equal(await check('name,city\nZoë,Köln\n'), null);
});

test('an unterminated quote names the line where the quote opened', async () => {
  assert.deepEqual(await check('id,name,amount\n1,"Ann",3.5\n2,"Bob,4\n3,Cy,5\n'), {
    line: 3,
    message: 'unterminated quoted field',
  });
});

test('a row with the wrong number of fields names its line', async () => {
  assert.deepEqual(await check('id,name,amount\n1,Ann,3.5\n2,Bob\n'), {
    line: 3,
    message: 'expected 3 fields, found 2',
  });
  assert.deepEqual(await check('a,b\n"multi\nline",1\n1,2,3\n'), { line: 4, message: 'expected 2 fields, found 3' });
});

test('stray quotes inside fields are reported', async () => {
  assert.equal((await check('a,b\nx"y,1\n'))?.line, 2);
  assert.equal((await check('a,b\n"x"y,1\n'))?.message, 'unexpected character after a closing quote');
});

test('a value problem names the line where its field starts and the field position', async () => {
  const find = async (content: string, columns: number[], header = true) => {
    const file = path.join(dir, `v${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, content);
    return findCsvValueProblem(file, {
      delimiter: ',',
      header,
      columns,
      problem: (t) => (t.startsWith('bad') ? `saw ${t}` : null),
    });
  };
  assert.equal(await find('a,b\nbad,1\n', [1]), null, 'other columns are not checked');
  assert.equal(await find('bad,b\n1,2\n', [0]), null, 'the header is not checked');
  assert.deepEqual(await find('bad,b\n1,2\n', [0], false), { line: 1, column: 1, message: 'saw bad' });
  assert.deepEqual(await find('a,b\r\n"x\r\ny",1\r\n\r\n2,"bad ""q"""\r\n', [1]), {
    line: 5,
    column: 2,
    message: 'saw bad "q"',
  });
  assert.deepEqual(await find('a,b\n1,"multi\nline bad"\n', [1]), null);
  assert.deepEqual(await find('a,b\n1,"bad\nline"', [1]), { line: 2, column: 2, message: 'saw bad\nline' });
});
