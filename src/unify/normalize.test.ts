import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Normalization } from './config.ts';
import { nicknames } from './nicknames.ts';
import {
  alias,
  aliasTable,
  email,
  lowercase,
  name,
  normalizeValue,
  numerals,
  phone,
  symbols,
  unicodeToAscii,
  whitespace,
} from './normalize.ts';
import { sqlString } from '../datastore/schema.ts';
import { createAliasTable, normalizeSql } from './normalize-sql.ts';

describe('normalizations', () => {
  test('whitespace removes every space, tab, newline and no-break space', () => {
    assert.equal(whitespace(' a b\tc\n d\u00a0e '), 'abcde');
  });

  test('lowercase', () => {
    assert.equal(lowercase('ÄBC Def'), 'äbc def');
  });

  test('symbols removes ASCII punctuation and keeps letters, digits and spaces', () => {
    assert.equal(symbols(`O'Brien-Smith, Jr. (#1) a_b@c.d!`), 'OBrienSmith Jr 1 abcd');
  });

  test('numerals turns Unicode number symbols into digits', () => {
    assert.equal(numerals('Ⅷ ⅻ ① ⑳ ３ ٣ ९ x7'), '8 12 1 20 3 3 9 x7');
  });

  test('unicodeToAscii strips accents and spells out special letters', () => {
    assert.equal(
      unicodeToAscii('Dvořák Łódź Müller Straße Ærø Œuvre ﬁne'),
      'Dvorak Lodz Muller Strasse AEro OEuvre fine',
    );
  });

  test('email trims, removes spaces and lowercases', () => {
    assert.equal(email('  Bob.Smith@Example.ORG '), 'bob.smith@example.org');
    assert.equal(email('bob @x.org'), 'bob@x.org');
  });

  test('name: accents, case, punctuation, spaces', () => {
    assert.equal(name("  O'Brien "), 'obrien');
    assert.equal(name('Smith-Jones'), 'smith jones');
    assert.equal(name('JOSÉ  María'), 'jose maria');
    assert.equal(name('Dr. Müller'), 'dr muller');
  });

  test('phone: the same number written with and without country prefix compares equal with a default country', () => {
    const forms = [
      '+49 170 1234567',
      '0049-170-1234567',
      '0170 1234567',
      '(0170) 123 45 67',
      '0170/1234567',
      '+49 (0)170 1234567',
      '491701234567',
      '170 1234567',
    ];
    for (const f of forms) assert.equal(phone(f, '49'), '491701234567', f);
    assert.equal(phone('+1 (425) 555-1212', '1'), '14255551212');
    assert.equal(phone('1 425 555 1212', '1'), '14255551212');
    assert.equal(phone('425.555.1212 ext. 42', '1'), '14255551212');
    assert.equal(phone('+44 20 7946 0958', '49'), '442079460958');
  });

  test('phone without a default country only drops + / 00 and a trunk zero', () => {
    assert.equal(phone('+49 170 1234567'), '491701234567');
    assert.equal(phone('0049 170 1234567'), '491701234567');
    assert.equal(phone('0170 1234567'), '1701234567');
  });

  test('phone placeholders and too-short numbers become empty', () => {
    assert.equal(phone('0000000000', '49'), '');
    assert.equal(phone('n/a', '49'), '');
    assert.equal(phone('12345'), '');
  });

  test('alias maps nicknames to the canonical given name, case-insensitively', () => {
    assert.equal(alias('Bob'), 'robert');
    assert.equal(alias(' ROB '), 'robert');
    assert.equal(alias('Bobby'), 'robert');
    assert.equal(alias('Liz'), 'elizabeth');
    assert.equal(alias('Beth'), 'elizabeth');
    assert.equal(alias('Robert'), 'robert');
    assert.equal(alias('Zelda'), 'zelda');
    assert.ok(Object.keys(nicknames).length >= 100, 'at least 100 nicknames');
  });

  test('alias table is extendable and overridable', () => {
    const table = aliasTable({ Bobo: 'Robert', Liz: 'Lisa' });
    assert.equal(alias('bobo', table), 'robert');
    assert.equal(alias('Liz', table), 'lisa');
    assert.equal(normalizeValue('Bobo', ['alias'], { aliases: { bobo: 'robert' } }), 'robert');
  });

  test('normalizeValue applies steps in order', () => {
    assert.equal(normalizeValue(' Bob ', ['name', 'alias']), 'robert');
    assert.equal(normalizeValue('A-B C', ['symbols', 'whitespace', 'lowercase']), 'abc');
  });
});

describe('normalizations in SQL agree with the TypeScript ones', () => {
  let inst: DuckDBInstance;
  let conn: DuckDBConnection;
  before(async () => {
    inst = await DuckDBInstance.create(':memory:');
    conn = await inst.connect();
    await createAliasTable(conn, 'aliases', { Bobo: 'Robert' });
  });
  after(() => {
    conn.closeSync();
    inst.closeSync();
  });

  const samples = [
    '',
    '  ',
    ' Bob ',
    'ROB',
    'bobo',
    "O'Brien-Smith, Jr.",
    'Dvořák Łódź Müller Straße Ærø ﬁne',
    'JOSÉ  María',
    'Ⅷ ⅻ ① ⑳ ３ ٣ ९ x7',
    ' Bob.Smith@Example.ORG ',
    'a\tb\nc\u00a0d',
    '+49 170 1234567',
    '0049-170-1234567',
    '0170 1234567',
    '(0170) 123 45 67 ext. 9',
    '+49 (0)170 1234567',
    '491701234567',
    '170 1234567',
    '0000000000',
    '12345',
    'n/a',
    'x@y',
  ];
  const cases: Array<[Normalization[], string | undefined]> = [
    [['whitespace'], undefined],
    [['lowercase'], undefined],
    [['symbols'], undefined],
    [['numerals'], undefined],
    [['unicodeToAscii'], undefined],
    [['email'], undefined],
    [['name'], undefined],
    [['alias'], undefined],
    [['name', 'alias'], undefined],
    [['phone'], undefined],
    [['phone'], '49'],
    [['phone'], '1'],
    [['symbols', 'whitespace', 'lowercase', 'unicodeToAscii'], undefined],
  ];
  for (const [steps, phoneCountry] of cases)
    test(`${steps.join(', ')}${phoneCountry ? ` (country ${phoneCountry})` : ''}`, async () => {
      const expr = normalizeSql('v', steps, { phoneCountry, aliasTable: 'aliases' });
      const r = await conn.runAndReadAll(
        `SELECT ${expr} AS n FROM (VALUES ${samples.map((s, i) => `(${i}, ${sqlString(s)})`).join(', ')}) t(i, v) ORDER BY i`,
      );
      const got = r.getRowObjectsJS().map((row) => row.n);
      const want = samples.map((s) => normalizeValue(s, steps, { phoneCountry, aliases: { Bobo: 'Robert' } }));
      assert.deepEqual(got, want);
    });
});
