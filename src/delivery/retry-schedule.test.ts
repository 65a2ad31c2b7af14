import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultRetrySchedule,
  nextAttemptDelay,
  type NextAttemptInput,
  parseRetryAfter,
  parseRetrySchedule,
} from './retry-schedule.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const first = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(first.getTime() + ms);

test('parseRetrySchedule reads durations in ms, s, m, h and d', () => {
  const cases: Array<[string, number[]]> = [
    ['1s,5s,30s,2m,10m,30m,1h,2h,4h,8h', [s, 5 * s, 30 * s, 2 * m, 10 * m, 30 * m, h, 2 * h, 4 * h, 8 * h]],
    ['500ms, 1.5s ,2m', [500, 1500, 2 * m]],
    ['1d', [24 * h]],
    ['0s,10 s', [0, 10 * s]],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseRetrySchedule(text), want, text);
  assert.deepEqual(defaultRetrySchedule, cases[0]?.[1]);
});

test('parseRetrySchedule names the bad item', () => {
  const cases: Array<[string, RegExp]> = [
    ['1s,soon', /item 2 "soon" is not a duration/],
    ['1s,,5s', /item 2 "" is not a duration/],
    ['5', /item 1 "5" is not a duration/],
    ['-1s', /"-1s" is not a duration/],
    ['1w', /"1w" is not a duration/],
    ['', /empty/],
    [' , ', /empty/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseRetrySchedule(text), want, text);
});

test('nextAttemptDelay: the steps, then the last step until the 72 h horizon, with jitter and Retry-After', () => {
  const base: NextAttemptInput = {
    attempt: 1,
    firstAttemptAt: first,
    now: first,
    schedule: defaultRetrySchedule,
    random: () => 0.5,
  };
  const cases: Array<[string, Partial<NextAttemptInput>, number | null]> = [
    ['first failure → 1 s', {}, s],
    ['fourth failure → 2 m', { attempt: 4 }, 2 * m],
    ['tenth failure → 8 h', { attempt: 10, now: at(16 * h) }, 8 * h],
    ['past the schedule → the last step again', { attempt: 14, now: at(60 * h) }, 8 * h],
    ['landing exactly on the horizon is allowed', { attempt: 13, now: at(64 * h) }, 8 * h],
    ['beyond the horizon → give up', { attempt: 15, now: at(68 * h) }, null],
    ['jitter −10 %', { random: () => 0 }, 900],
    ['jitter +10 %', { random: () => 0.999999 }, 1100],
    ['jitter switched off', { random: () => 0, jitter: 0 }, s],
    ['jitter 50 %', { attempt: 2, random: () => 0, jitter: 0.5 }, 2500],
    ['Retry-After longer than the step wins', { retryAfterMs: 30 * s }, 30 * s],
    ['a step longer than Retry-After wins', { attempt: 7, retryAfterMs: 30 * s }, h],
    ['Retry-After is capped at 2 h', { retryAfterMs: 10 * h }, 2 * h],
    ['the cap is configurable', { retryAfterMs: 10 * h, retryAfterCapMs: 3 * h }, 3 * h],
    ['Retry-After past the horizon → give up', { now: at(71 * h), retryAfterMs: 2 * h }, null],
    ['a shorter horizon', { attempt: 3, horizonMs: 20 * s }, null],
    ['a custom schedule', { attempt: 3, schedule: [100, 200] }, 200],
  ];
  for (const [name, patch, want] of cases) assert.equal(nextAttemptDelay({ ...base, ...patch }), want, name);
  assert.throws(() => nextAttemptDelay({ ...base, attempt: 0 }), /attempt must be 1 or more/);
  assert.throws(() => nextAttemptDelay({ ...base, schedule: [] }), /empty/);
});

test('the default schedule runs about 72 h before giving up', () => {
  let now = first;
  let attempts = 0;
  for (let attempt = 1; attempt < 100; attempt++) {
    const delay = nextAttemptDelay({
      attempt,
      firstAttemptAt: first,
      now,
      schedule: defaultRetrySchedule,
      random: () => 0.5,
    });
    if (delay === null) break;
    now = new Date(now.getTime() + delay);
    attempts = attempt + 1;
  }
  assert.equal(attempts, 18, 'the first attempt, 10 steps (15 h 42 m in all), then 7 × 8 h');
  assert.ok(now.getTime() - first.getTime() <= 72 * h);
  assert.ok(now.getTime() - first.getTime() > 71 * h);
});

test('parseRetryAfter reads delta-seconds and HTTP dates', () => {
  const cases: Array<[string | undefined, number | undefined]> = [
    ['120', 120 * s],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:01:00 GMT', m],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [value, want] of cases) assert.equal(parseRetryAfter(value, first), want, String(value));
});
