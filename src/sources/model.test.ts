import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attributeNames } from './ingest.ts';
import { dataSourceIn, entityNameFor } from './model.ts';

test('entity names derive from data source names', () => {
  assert.equal(entityNameFor('CRM contacts'), 'CRMContacts');
  assert.equal(entityNameFor('shop customers 2024'), 'ShopCustomers2024');
  assert.equal(entityNameFor('2024 orders'), 'Source2024Orders');
  assert.equal(entityNameFor('Customer'), 'CustomerSource');
  assert.equal(entityNameFor('Café-Kunden'), 'CafeKunden');
});

test('column names become attribute names', () => {
  assert.deepEqual(attributeNames(['id', 'first name', 'First_Name', 'e-mail', '2nd', '']), [
    'id',
    'first_name',
    'First_Name_2',
    'e_mail',
    'nd',
    'column',
  ]);
});

test('data source input is validated strictly', () => {
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'csv', location: 'a.csv' }).success, true);
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'xml', location: 'a.xml' }).success, false);
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'csv', extra: 1 }).success, false);
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'csv', entity: 'Customer' }).success, false);
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'csv', entity: 'bad name' }).success, false);
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'csv', owners: ['not-an-email'] }).success, false);
  assert.equal(dataSourceIn.safeParse({ name: 'A', kind: 'csv', options: { delimiter: ';;' } }).success, false);
  const ok = dataSourceIn.parse({ name: ' A ', kind: 'csv', owners: [' Data.Owner@Example.com '] });
  assert.deepEqual(ok.owners, ['data.owner@example.com']);
  assert.equal(ok.name, 'A');
});
