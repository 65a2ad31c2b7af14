// Generators of hostile input for the fuzz suite (test/hostile-fuzz.test.ts): a seeded random source, so that a
// failure is reproduced by its seed, and makers of odd strings, JSON bodies, path ids, OData queries and data source
// files of every kind. Everything is bounded in size (the largest body is just over the 1 MiB limit).

import { seededRandom } from '../../src/core/random.ts';

export interface Rand {
  next: () => number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function rand(seed: number): Rand {
  const next = seededRandom(seed);
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)] as never,
    chance: (p) => next() < p,
  };
}

/** Percent-encodes a string; lone surrogates become U+FFFD (encodeURIComponent would throw). */
const enc = (s: string): string => encodeURIComponent(s.toWellFormed());

const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).concat(['\u007f', '\u0085']);

/** Odd strings: control characters and NUL, lone surrogates, direction overrides, injection-looking text, giants. */
export function hostileString(r: Rand): string {
  switch (r.int(14)) {
    case 0:
      return `a${r.pick(controls)}b`;
    case 1:
      return '\u0000';
    case 2:
      return r.pick(['\ud800', '\udfff', 'x\ud83dy']);
    case 3:
      return '\u202eevil\u200b\ufeff';
    case 4:
      return r.pick(["'; DROP TABLE segments; --", '" OR 1=1 --', "') or ('1'='1", 'x\'"\\`$(id)']);
    case 5:
      return r.pick(['../../etc/passwd', '..\\..\\windows', '/etc/hostname', 'file:///etc/passwd', '%00', '%2e%2e/']);
    case 6:
      return r.pick(['{{ 7*7 }}', '${jndi:ldap://x}', '<script>alert(1)</script>', '{{#each}}']);
    case 7:
      return 'x'.repeat(r.pick([101, 256, 5_000, 70_000]));
    case 8:
      return r.pick(['Customer', 'customer', 'CONFLATIONMAP', 'SegmentMembership', 'new', 'system', 'default']);
    case 9:
      return r.pick(['', ' ', '\t', '\r\n', '\u00a0']);
    case 10:
      return '🙂'.repeat(r.int(300) + 1);
    case 11:
      return r.pick(['ifk_forged', 'seg_', 'job_x', 'sub_%00', 'whsec_AAAA']);
    case 12:
      return r.pick(['http://169.254.169.254/latest', 'gopher://x/', 'http://[::ffff:127.0.0.1]/', 'smtp.invalid.']);
    default:
      return Array.from({ length: r.int(20) + 1 }, () => String.fromCharCode(r.int(0x2fff))).join('');
  }
}

/** A JSON value of odd shape: wrong types, huge numbers, many keys, prototype keys, nesting below the body limit. */
export function hostileValue(r: Rand, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 10)) {
    case 0:
      return hostileString(r);
    case 1:
      return r.pick([0, -0, -1, 2 ** 53 + 1, Number.MAX_VALUE, Number.MIN_VALUE, 1e21, 1.5]);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return hostileString(r);
    case 6:
      return Array.from({ length: r.int(4) }, () => hostileValue(r, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: r.int(5) }, () => [hostileString(r), hostileValue(r, depth + 1)]));
    case 8:
      return JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}');
    default:
      return Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
  }
}

/** Field names a body of this API might hold, so that hostile values reach the checks behind the first field. */
const fields = [
  'name',
  'kind',
  'location',
  'entity',
  'primaryKey',
  'options',
  'query',
  'description',
  'aggregation',
  'attribute',
  'filter',
  'dimensions',
  'url',
  'eventTypes',
  'segmentId',
  'measureId',
  'dataSourceId',
  'threshold',
  'trigger',
  'steps',
  'role',
  'email',
  'operationType',
  'identifiers',
  'map',
  'match',
  'merge',
  'host',
  'port',
  'from',
  'password',
  'reportType',
  'state',
  'owners',
  'rateLimit',
  'callbackUrl',
];

export interface RawBody {
  bytes: Buffer;
  contentType: string;
  /** An answer may come while the body is still being sent (the server closes the connection). */
  mayReset?: boolean;
}

/** A request body: a plausible object with hostile values, or raw bytes (bad encodings, truncation, nesting, size). */
export function hostileBody(r: Rand): RawBody {
  const json = (text: string | Buffer, contentType = 'application/json'): RawBody => ({
    bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'),
    contentType,
  });
  switch (r.int(12)) {
    case 0:
      return json(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    case 1:
      return json(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]));
    case 2:
      return json(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"name":"utf16"}', 'utf16le')]));
    case 3:
      return json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"bom"}')]));
    case 4:
      return json(r.pick(['{"name": "trunc', '{"name":', '[', '', 'null', '"x"', '{"a":1}{"b":2}', 'NaN']));
    case 5:
      return json(r.pick(['{"threshold": 1e400}', '{"port": 123456789012345678901234567890}', '{"n": -1e-400}']));
    case 6:
      return { ...json(`{"name":"${'x'.repeat(1_100_000)}"}`), mayReset: true };
    case 7:
      return json('{"name":"a"}', r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']));
    default: {
      const body: Record<string, unknown> = {};
      for (let i = 0, n = r.int(6) + 1; i < n; i++) body[r.pick(fields)] = hostileValue(r);
      return json(JSON.stringify(body));
    }
  }
}

/** A path segment standing for an id: percent-encoded NUL, traversal, bad escapes, giants, unicode, reserved words. */
export function hostileId(r: Rand): string {
  return r.pick([
    '%00',
    'seg%00x',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e',
    '%ff%fe',
    '%',
    '%zz',
    '%0d%0aX-Injected:%201',
    'x'.repeat(r.pick([200, 5_000])),
    enc('💥'),
    enc('\u202e'),
    'new',
    'null',
    '-1',
    '1e400',
    '99999999999999999999999',
    enc("'; DROP TABLE jobs; --"),
    '~',
    '%5C..%5C',
    '%ED%A0%80',
    '%C0%AF',
  ]);
}

/** An OData query string (without '?'): malformed filters, huge literals, odd $top/$skip/$select/$orderby/$skiptoken. */
export function hostileODataQuery(r: Rand): string {
  const filter = r.pick([
    'Name eq 99999999999999999999999',
    'Name eq 1e400',
    "Name eq 'a",
    `${'('.repeat(300)}Name eq 'a'${')'.repeat(300)}`,
    'Orders/any(o: o/amount gt',
    "IsMemberOfSegment('x') eq IsMemberOfSegment('y')",
    "contains(Name, 'a', 'b')",
    'Name eq Name eq Name',
    "Name eq '\u0000'",
    'Name in ()',
    'not not not',
    'Email/any(x: x eq 1)',
    "Name eq '" + 'x'.repeat(17_000) + "'",
    "Name eq 'a' or ".repeat(400) + "Name eq 'b'",
    'length(length(length(Name)))',
    '$it eq 1',
  ]);
  const parts = [
    `$filter=${enc(filter)}`,
    `$top=${r.pick(['-1', '1e999', '5abc', '0x10', '99999999999999999999', '', ' 5', '%00'])}`,
    `$skip=${r.pick(['-1', 'abc', '1e3', '18446744073709551616'])}`,
    `$select=${enc(r.pick(['Nope', 'Name,,', '*,Name', 'x'.repeat(3000), '']))}`,
    `$orderby=${enc(r.pick(['Name desc desc', 'Nope', 'Name asc,', '1', '']))}`,
    `$skiptoken=${enc(r.pick(['forged', 'eyJ4IjoxfQ', '%00', 'a.b.c', 'x'.repeat(5000)]))}`,
    `$count=${r.pick(['maybe', 'TRUE', '1'])}`,
    `${enc(hostileString(r))}=${enc(hostileString(r))}`,
  ];
  return Array.from({ length: r.int(3) + 1 }, () => r.pick(parts)).join('&');
}

export type FileKind = 'csv' | 'json' | 'ndjson' | 'parquet';

/** A hostile data source file of `kind`; `good` is a valid file of that kind (cut or corrupted for some cases). */
export function hostileFile(r: Rand, kind: FileKind, good: Buffer): { name: string; bytes: Buffer } {
  const common: Array<[string, () => Buffer]> = [
    ['truncated', () => good.subarray(0, Math.max(1, Math.floor(good.length * r.next())))],
    ['random bytes', () => Buffer.from(Array.from({ length: 4096 }, () => r.int(256)))],
    [
      'invalid UTF-8',
      () => Buffer.concat([good.subarray(0, 20), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80])]),
    ],
    ['UTF-16 BOM', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good.toString('latin1'), 'utf16le')])],
    ['UTF-8 BOM', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good])],
    ['NUL bytes', () => Buffer.concat([good.subarray(0, 10), Buffer.alloc(64), good.subarray(10)])],
    ['one byte', () => Buffer.from([r.int(256)])],
  ];
  const text: Record<FileKind, Array<[string, () => string]>> = {
    csv: [
      ['1e400', () => 'id,email,score\n1,a@x.io,1e400\n'],
      ['integer beyond 64 bits', () => 'id,email\n123456789012345678901234567890,a@x.io\n'],
      ['unbalanced quote', () => 'id,email\n1,"a@x.io\n2,b@x.io\n'],
      ['ragged rows', () => 'id,email\n1\n2,b,c,d\n'],
      ['header only', () => 'id,email\n'],
      ['giant field', () => `id,email\n1,${'x'.repeat(300_000)}\n`],
      ['many columns', () => `${Array.from({ length: 1500 }, (_, i) => `c${i}`).join(',')}\n${'1,'.repeat(1499)}1\n`],
      ['odd names', () => '"",""\n"\u0000",\u202e\n'],
      ['CR only', () => 'id,email\r1,a@x.io\r2,b@x.io\r'],
    ],
    json: [
      ['deep nesting', () => `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`],
      ['1e400', () => '[{"id":1,"v":1e400}]'],
      ['not objects', () => '[1, "two", null, [3]]'],
      ['empty array', () => '[]'],
      ['escaped NUL', () => '[{"id":1,"name":"a\\u0000b"}]'],
      ['lone surrogate', () => '[{"id":1,"name":"\\ud800"}]'],
      ['duplicate keys', () => '[{"id":1,"id":2}]'],
    ],
    ndjson: [
      ['deep nesting', () => `{"id":1,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`],
      ['integer beyond 64 bits', () => '{"id":123456789012345678901234567890}\n'],
      ['blank lines', () => '\n\n  \n'],
      ['mixed types', () => '{"id":1,"v":"a"}\n{"id":"x","v":{"z":[1]}}\n{"id":true}\n'],
      ['truncated line', () => '{"id":1}\n{"id":2,"na'],
    ],
    parquet: [
      ['magic only', () => 'PAR1PAR1'],
      ['magic and garbage', () => `PAR1${'x'.repeat(1000)}PAR1`],
    ],
  };
  const choices: Array<[string, () => Buffer]> = [
    ...common,
    ...text[kind].map(([n, f]) => [n, () => Buffer.from(f(), 'utf8')] as [string, () => Buffer]),
  ];
  const [name, make] = r.pick(choices);
  const bytes = make();
  return { name, bytes: bytes.length === 0 ? Buffer.from(' ') : bytes };
}
