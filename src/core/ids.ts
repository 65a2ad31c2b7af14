// Identifiers carry a type prefix (evt_, sub_, seg_, job_ …) followed by a time-ordered random part, so ids sort
// roughly by creation time and say what they name.
import { randomFillSync } from 'node:crypto';

export type IdPrefix =
  | 'inst'
  | 'conn'
  | 'ds'
  | 'job'
  | 'task'
  | 'evt'
  | 'sub'
  | 'dlv'
  | 'seg'
  | 'msr'
  | 'flow'
  | 'run'
  | 'req'
  | 'rt'
  | 'aud'
  | 'mbr'
  | 'ses';

export type IdGenerator = (prefix: IdPrefix) => string;

let lastMs = 0;
let counter = 0;

// Random bytes drawn 4 KiB at a time: one call into the system's generator per 682 ids instead of one per id.
let pool: Buffer | undefined;
let pooled = 0;

const randomHex6 = (): string => {
  if (!pool || pooled + 6 > pool.length) {
    pool = randomFillSync(pool ?? Buffer.alloc(4092));
    pooled = 0;
  }
  pooled += 6;
  return pool.toString('hex', pooled - 6, pooled);
};

export const newId: IdGenerator = (prefix) => {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  const time = ms.toString(36).padStart(9, '0') + counter.toString(36).padStart(3, '0');
  return `${prefix}_${time}${randomHex6()}`;
};
