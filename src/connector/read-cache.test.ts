// The read cache: an answer is computed once per snapshot version and key, a new version starts empty, and the rows
// kept stay within the limit (least recently read out first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceData } from '../datastore/index.ts';
import { readThrough } from './read-cache.ts';

const instance = (): InstanceData => ({
  read: () => Promise.reject(new Error('not used')),
  write: () => Promise.reject(new Error('not used')),
  interruptWriter: () => undefined,
});

test('an answer is computed once per snapshot version and key', async () => {
  const data = instance();
  let computed = 0;
  const read = (version: number, key: string) =>
    readThrough(
      { data, version },
      key,
      async () => ({ key, version, n: ++computed }),
      () => 1,
    );
  assert.deepEqual(await read(1, 'a'), { key: 'a', version: 1, n: 1 });
  assert.deepEqual(await read(1, 'a'), { key: 'a', version: 1, n: 1 });
  assert.deepEqual(await read(1, 'b'), { key: 'b', version: 1, n: 2 });
  assert.deepEqual(await read(2, 'a'), { key: 'a', version: 2, n: 3 }, 'a new version reads again');
  assert.deepEqual(await read(2, 'a'), { key: 'a', version: 2, n: 3 });
  assert.deepEqual(await read(1, 'a'), { key: 'a', version: 1, n: 4 }, 'older versions are not kept either');
  const other = instance();
  assert.equal(
    await readThrough<string>(
      { data: other, version: 1 },
      'a',
      async () => 'other',
      () => 1,
    ),
    'other',
  );
});

test('kept rows stay within the limit; the least recently read answer goes first; too big is never kept', async () => {
  const data = instance();
  const computed: string[] = [];
  const read = (key: string, rows: number) =>
    readThrough(
      { data, version: 1 },
      key,
      async () => {
        computed.push(key);
        return rows;
      },
      (n) => n,
      10,
    );
  await read('a', 4);
  await read('b', 4);
  await read('a', 4);
  await read('c', 4);
  await read('a', 4);
  await read('b', 4);
  await read('big', 11);
  await read('big', 11);
  assert.deepEqual(computed, ['a', 'b', 'c', 'b', 'big', 'big']);
});
