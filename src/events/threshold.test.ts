// The crossing rule of SPEC §4 as a table: every direction, the boundaries (p <= t < c above, p >= t > c below),
// the first evaluation, hysteresis re-arming, and a retried job.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Direction } from './threshold.ts';
import { evaluateCrossing, initialThresholdState } from './threshold.ts';

type Case = [name: string, direction: Direction, hysteresis: number, series: Array<number | null>, fired: string];

/** Threshold 10. `series` starts with the value before the first evaluation (null: none); `fired` lists, per step,
 * what fired ("a" above, "b" below, "-" nothing). */
const cases: Case[] = [
  ['first evaluation fires nothing', 'above', 0, [null, 50], '-'],
  ['above: p <= t < c fires', 'above', 0, [5, 11], 'a'],
  ['above: from exactly t fires', 'above', 0, [10, 11], 'a'],
  ['above: reaching exactly t does not fire', 'above', 0, [5, 10], '-'],
  ['above: staying above does not fire again', 'above', 0, [5, 11, 12], 'a-'],
  ['above: falling does not fire', 'above', 0, [11, 5], '-'],
  ['above: each new crossing fires without hysteresis', 'above', 0, [5, 11, 9, 11], 'a-a'],
  ['below: p >= t > c fires', 'below', 0, [11, 9], 'b'],
  ['below: from exactly t fires', 'below', 0, [10, 9], 'b'],
  ['below: reaching exactly t does not fire', 'below', 0, [11, 10], '-'],
  ['below: rising does not fire', 'below', 0, [9, 11], '-'],
  ['both: fires either way', 'both', 0, [5, 11, 9, 11], 'aba'],
  ['both: no change fires nothing', 'both', 0, [10, 10], '-'],
  ['hysteresis: no re-arm until <= t - h', 'above', 2, [5, 11, 9, 11], 'a--'],
  ['hysteresis: re-armed at exactly t - h', 'above', 2, [5, 11, 8, 11], 'a-a'],
  ['hysteresis: re-armed below t - h', 'above', 2, [5, 11, 3, 12], 'a-a'],
  ['hysteresis below: no re-arm until >= t + h', 'below', 2, [15, 9, 11, 9], 'b--'],
  ['hysteresis below: re-armed at exactly t + h', 'below', 2, [15, 9, 12, 9], 'b-b'],
  ['hysteresis both: each side re-arms on its own', 'both', 2, [5, 11, 9, 11, 7, 13], 'ab--a'],
  ['hysteresis: first crossing fires as without', 'above', 5, [0, 20], 'a'],
];

for (const [name, direction, hysteresis, series, fired] of cases) {
  test(`crossing: ${name}`, () => {
    const params = { threshold: 10, direction, hysteresis };
    let state = initialThresholdState();
    let got = '';
    for (let i = 1; i < series.length; i++) {
      const out = evaluateCrossing(params, state, series[i - 1] ?? null, series[i] as number, `job_${i}`);
      state = out.state;
      got += out.fired === 'above' ? 'a' : out.fired === 'below' ? 'b' : '-';
    }
    assert.equal(got, fired);
  });
}

test('crossing: a retry of the same job never fires twice', () => {
  const params = { threshold: 10, direction: 'above' as const, hysteresis: 0 };
  const once = evaluateCrossing(params, initialThresholdState(), 5, 11, 'job_1');
  assert.equal(once.fired, 'above');
  const again = evaluateCrossing(params, once.state, 5, 11, 'job_1');
  assert.equal(again.fired, null);
  assert.deepEqual(again.state, once.state);
});
