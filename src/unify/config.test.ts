import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../core/errors.ts';
import type { EntitySchema } from '../datastore/schema.ts';
import { unifiedAttributes, validateUnificationConfig } from './config.ts';

const entities: EntitySchema[] = [
  {
    name: 'CrmContacts',
    kind: 'source',
    key: ['contact_id'],
    attributes: [
      { name: 'contact_id', type: 'string' },
      { name: 'first_name', type: 'string' },
      { name: 'last_name', type: 'string' },
      { name: 'email', type: 'string' },
      { name: 'phone', type: 'string' },
      { name: 'birth_date', type: 'date' },
      { name: 'updated_at', type: 'timestamp' },
      { name: 'score', type: 'integer' },
    ],
  },
  {
    name: 'ShopCustomers',
    kind: 'source',
    key: ['customer_no'],
    attributes: [
      { name: 'customer_no', type: 'integer' },
      { name: 'given', type: 'string' },
      { name: 'family', type: 'string' },
      { name: 'email_address', type: 'string' },
      { name: 'mobile', type: 'string' },
      { name: 'since', type: 'date' },
      { name: 'points', type: 'decimal' },
    ],
  },
];

/** The SPEC §6 example. */
const spec = () => ({
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: {
        first_name: 'FirstName',
        last_name: 'LastName',
        email: 'Email',
        phone: 'Phone',
        birth_date: 'BirthDate',
        updated_at: 'UpdatedAt',
      } as Record<string, string>,
    },
    {
      entity: 'ShopCustomers',
      primaryKey: 'customer_no',
      attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email', mobile: 'Phone' } as Record<
        string,
        string
      >,
    },
  ],
  match: {
    order: ['CrmContacts', 'ShopCustomers'],
    deduplicate: true,
    rules: [
      { name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] },
      {
        name: 'Same phone, similar last name',
        conditions: [
          { attribute: 'Phone', normalize: ['phone'], precision: 'exact' },
          { attribute: 'LastName', normalize: ['name'], precision: 'high' },
        ],
      },
    ] as Array<{ name: string; conditions: Array<Record<string, unknown>> }>,
  } as Record<string, unknown>,
  merge: {
    default: { policy: 'importance' },
    attributes: { Email: { policy: 'mostRecent', by: 'UpdatedAt' } },
  } as Record<string, unknown>,
});

/** The { path, message } list a validation failure carries. */
function errorsOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    validateUnificationConfig(input, entities);
  } catch (err) {
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'ValidationFailed');
    return (err.details as { errors: Array<{ path: string; message: string }> }).errors;
  }
  assert.fail('expected a validation failure');
}

describe('validateUnificationConfig', () => {
  test('accepts the SPEC example and fills defaults', () => {
    const c = validateUnificationConfig(spec(), entities);
    assert.equal(c.match.rules[0]?.conditions[0]?.precision, 'exact');
    assert.equal(c.match.maxBlockSize, 1000);
    assert.deepEqual(c.merge.attributes.Email, { policy: 'mostRecent', by: 'UpdatedAt' });
  });

  test('rejects unknown fields', () => {
    const c = spec();
    (c as Record<string, unknown>).extra = 1;
    assert.deepEqual(errorsOf(c), [{ path: '', message: 'unknown field(s) "extra"' }]);
  });

  test('unknown entity and unknown column', () => {
    const c = spec();
    c.map.push({ entity: 'Nope', primaryKey: 'id', attributes: {} });
    (c.map[0] as { attributes: Record<string, string> }).attributes.fax = 'Fax';
    const errors = errorsOf(c);
    assert.ok(errors.some((e) => e.path === 'map.2.entity' && e.message === 'unknown entity "Nope"'));
    assert.ok(errors.some((e) => e.path === 'map.0.attributes.fax' && /unknown column "fax"/.test(e.message)));
  });

  test('unknown primary key column', () => {
    const c = spec();
    (c.map[1] as { primaryKey: string }).primaryKey = 'id';
    assert.ok(errorsOf(c).some((e) => e.path === 'map.1.primaryKey' && /unknown column "id"/.test(e.message)));
  });

  test('two columns of one entity mapped to the same unified attribute', () => {
    const c = spec();
    (c.map[0] as { attributes: Record<string, string> }).attributes.score = 'Email';
    assert.ok(
      errorsOf(c).some(
        (e) => e.path === 'map.0.attributes.score' && /"email" and "score".*both map to Email/.test(e.message),
      ),
    );
  });

  test('bad precision and unknown normalization', () => {
    const c = spec();
    const rules = (c.match as { rules: Array<{ conditions: Array<Record<string, unknown>> }> }).rules;
    (rules[0]?.conditions[0] as Record<string, unknown>).precision = 1.5;
    (rules[1]?.conditions[0] as Record<string, unknown>).normalize = ['soundex'];
    (rules[1]?.conditions[1] as Record<string, unknown>).precision = 'fuzzy';
    const errors = errorsOf(c);
    assert.ok(errors.some((e) => e.path === 'match.rules.0.conditions.0.precision'));
    assert.ok(
      errors.some((e) => e.path === 'match.rules.1.conditions.0.normalize.0' && /must be one of/.test(e.message)),
    );
    assert.ok(errors.some((e) => e.path === 'match.rules.1.conditions.1.precision'));
  });

  test('a rule naming an attribute no entity maps', () => {
    const c = spec();
    const rules = (c.match as { rules: Array<{ conditions: Array<Record<string, unknown>> }> }).rules;
    (rules[1]?.conditions[1] as Record<string, unknown>).attribute = 'Surname';
    assert.deepEqual(errorsOf(c), [
      { path: 'match.rules.1.conditions.1.attribute', message: 'attribute "Surname" is not mapped by any entity' },
    ]);
  });

  test('order must list exactly the mapped entities', () => {
    const c = spec();
    c.match.order = ['CrmContacts', 'Other', 'CrmContacts'];
    assert.deepEqual(errorsOf(c), [
      {
        path: 'match.order',
        message:
          'must list each mapped entity exactly once; missing ShopCustomers; not mapped Other; repeated CrmContacts',
      },
    ]);
  });

  test('mostRecent without by, by on a string, unknown merge attribute', () => {
    const c = spec();
    c.merge.default = { policy: 'mostRecent' };
    c.merge.attributes = { Phone: { policy: 'leastRecent', by: 'LastName' }, Fax: { policy: 'mostFilled' } };
    const errors = errorsOf(c);
    assert.ok(errors.some((e) => e.path === 'merge.default' && /needs "by"/.test(e.message)));
    assert.ok(errors.some((e) => e.path === 'merge.attributes.Phone.by' && /is a string/.test(e.message)));
    assert.ok(errors.some((e) => e.path === 'merge.attributes.Fax' && /not mapped/.test(e.message)));
  });

  test('CustomerId cannot be mapped', () => {
    const c = spec();
    (c.map[0] as { attributes: Record<string, string> }).attributes.email = 'CustomerId';
    assert.ok(errorsOf(c).some((e) => e.path === 'map.0.attributes.email' && /CustomerId/.test(e.message)));
  });

  test('repeated rule names are refused', () => {
    const c = spec();
    const rules = (c.match as { rules: Array<{ name: string }> }).rules;
    (rules[1] as { name: string }).name = 'Same e-mail';
    assert.deepEqual(errorsOf(c), [{ path: 'match.rules.1.name', message: 'rule name "Same e-mail" is repeated' }]);
  });

  test('the message names the problems', () => {
    const c = spec();
    c.match.order = ['CrmContacts'];
    assert.throws(() => validateUnificationConfig(c, entities), /match\.order: must list each mapped entity/);
  });
});

describe('unifiedAttributes', () => {
  test('CustomerId first, then attributes typed from their columns', () => {
    const c = spec();
    (c.map[0] as { attributes: Record<string, string> }).attributes.score = 'Points';
    (c.map[1] as { attributes: Record<string, string> }).attributes.points = 'Points';
    (c.map[1] as { attributes: Record<string, string> }).attributes.since = 'UpdatedAt';
    (c.map[0] as { attributes: Record<string, string> }).attributes.contact_id = 'Ref';
    (c.map[1] as { attributes: Record<string, string> }).attributes.customer_no = 'Ref';
    const config = validateUnificationConfig(c, entities);
    assert.deepEqual(unifiedAttributes(config, entities), [
      { name: 'CustomerId', type: 'string' },
      { name: 'FirstName', type: 'string' },
      { name: 'LastName', type: 'string' },
      { name: 'Email', type: 'string' },
      { name: 'Phone', type: 'string' },
      { name: 'BirthDate', type: 'date' },
      { name: 'UpdatedAt', type: 'timestamp' },
      { name: 'Points', type: 'decimal' },
      { name: 'Ref', type: 'string' },
    ]);
  });
});
