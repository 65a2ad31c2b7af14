// Identifiers carry a type prefix (evt_, sub_, seg_, job_ …) followed by a time-ordered random part, so ids sort
// roughly by creation time and say what they name.
import { randomBytes } from 'node:crypto';

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

export const newId: IdGenerator = (prefix) => {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  const time = ms.toString(36).padStart(9, '0') + counter.toString(36).padStart(3, '0');
  return `${prefix}_${time}${randomBytes(6).toString('hex')}`;
};
