import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedMemo } from './memo.ts';

test('boundedMemo computes a key once, forgets the oldest past max, and does not remember a throw', () => {
  const computed: string[] = [];
  const memo = boundedMemo(2, (key) => {
    computed.push(key);
    if (key === 'bad') throw new Error('bad key');
    return key.toUpperCase();
  });
  assert.equal(memo('a'), 'A');
  assert.equal(memo('a'), 'A');
  assert.equal(memo('b'), 'B');
  assert.deepEqual(computed, ['a', 'b']);
  assert.equal(memo('c'), 'C');
  assert.equal(memo('b'), 'B');
  assert.equal(memo('a'), 'A');
  assert.deepEqual(computed, ['a', 'b', 'c', 'a']);
  assert.throws(() => memo('bad'), /bad key/);
  assert.throws(() => memo('bad'), /bad key/);
  assert.deepEqual(computed, ['a', 'b', 'c', 'a', 'bad', 'bad']);
});
