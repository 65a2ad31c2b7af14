// The unification editor in a real browser (Debian's Chromium through playwright-core) against a real server: a
// person maps source columns to new and existing unified attributes from the sources' schemas, writes a match rule
// and a merge policy in forms, tests the configuration (the counts the API's test answers), saves it, runs a refresh
// from the status page, and sees the next refresh use it — the profile count and each rule's matches, read from the
// API and shown on the page. Then a second rule, changed only in the forms, merges one more profile. Without
// /usr/bin/chromium the test is skipped (with the reason); under CI=true it fails instead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ensureBuilt,
  missingBrowser,
  nav,
  signedInAt1024,
  tableCells,
  type BrowserSession,
} from './support/browser.ts';
import { ok, startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();
const U = '/v1/instances/default';

const crm = [
  'contact_id,first_name,last_name,email,phone',
  'c1,Ann,Smith,ann@example.com,0170 1111111',
  'c2,Bob,Jones,bob@example.com,0171 2222222',
  'c3,Cy,Young,cy@example.com,',
].join('\n');
// s1 is Ann by e-mail (other case), s2 is Bob by phone and last name only, s3 is someone else.
const shop = [
  'customer_no,given,family,email_address,mobile',
  's1,Ann,Smith,ANN@example.com,',
  's2,Robert,Jones,robert@other.com,0171-2222222',
  's3,Dee,Dunn,dee@example.com,',
].join('\n');

describe('unification editor in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let session: BrowserSession;
  let page: Page;

  before(async () => {
    ensureBuilt();
    server = await startTestServer();
    server.importFile('crm.csv', crm);
    server.importFile('shop.csv', shop);
    await ok(server, 'POST', `${U}/manage/datasources`, {
      name: 'CRM',
      kind: 'csv',
      location: 'crm.csv',
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
    });
    await ok(server, 'POST', `${U}/manage/datasources`, {
      name: 'Shop',
      kind: 'csv',
      location: 'shop.csv',
      entity: 'ShopCustomers',
      primaryKey: 'customer_no',
    });
    const ingestion = await ok(server, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
    assert.equal((await server.waitForJob('default', ingestion.id)).status, 'succeeded');
    session = await signedInAt1024(server.url);
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await server?.stop();
  });

  const attributeOf = (entity: string, column: string) =>
    page.getByLabel(`Unified attribute of ${entity} column ${column}`, { exact: true });
  /** Maps a column to a new unified attribute, keeping the suggested name; returns the name. */
  async function mapNew(entity: string, column: string): Promise<string> {
    await attributeOf(entity, column).selectOption({ label: 'New attribute…' });
    return page.getByLabel(`New attribute name for ${entity} column ${column}`).inputValue();
  }
  async function addSource(entity: string): Promise<void> {
    await page.getByLabel('Source to map').selectOption(entity);
    await page.getByRole('button', { name: 'Add to the map' }).click();
    await page.getByRole('table', { name: `Columns of ${entity}` }).waitFor();
  }
  const testResult = () => page.getByRole('status', { name: 'Test result' });
  /** The test result's row of a count: [label, with this configuration, last run]. */
  async function tested(): Promise<Record<string, string[]>> {
    const rows = await tableCells(testResult().getByRole('table'));
    return Object.fromEntries(rows.map((r) => [r[0] as string, r.slice(1)]));
  }
  async function refreshFromStatus(): Promise<any> {
    const before = (await ok(server, 'GET', `${U}/jobs?limit=1`, undefined, 200)).value[0]?.id;
    await nav(page, 'System › Status').click();
    await page.getByRole('button', { name: 'Refresh all' }).click();
    let job: any;
    for (let i = 0; i < 200 && !job; i++) {
      const latest = (await ok(server, 'GET', `${U}/jobs?limit=1`, undefined, 200)).value[0];
      if (latest && latest.id !== before) job = latest;
      else await page.waitForTimeout(25);
    }
    assert.ok(job, 'Refresh all started a job');
    const done = await server.waitForJob('default', job.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.tasks));
    return done;
  }
  const customers = async () =>
    (await ok(server, 'GET', `${U}/data/Customer?$count=true&$top=0`, undefined, 200))['@odata.count'];

  test('map, a rule and a merge policy made in forms; tested, saved and used by the next refresh', async () => {
    await nav(page, 'Unify').click();
    await page.getByText('Unification is not configured yet').waitFor();
    await addSource('CrmContacts');
    assert.equal(await page.getByLabel('Primary key of CrmContacts').inputValue(), 'contact_id');
    const names: string[] = [];
    for (const column of ['first_name', 'last_name', 'email', 'phone']) names.push(await mapNew('CrmContacts', column));
    assert.deepEqual(names, ['FirstName', 'LastName', 'Email', 'Phone'], 'names suggested from the columns');
    await page.getByLabel('New attribute name for CrmContacts column phone').fill('Mobile');

    await addSource('ShopCustomers');
    const options = await attributeOf('ShopCustomers', 'email_address').locator('option').allInnerTexts();
    assert.deepEqual(options, ['— not mapped —', 'FirstName', 'LastName', 'Email', 'Mobile', 'New attribute…']);
    for (const [column, attribute] of [
      ['given', 'FirstName'],
      ['family', 'LastName'],
      ['email_address', 'Email'],
      ['mobile', 'Mobile'],
    ] as const)
      await attributeOf('ShopCustomers', column).selectOption(attribute);

    await page.getByRole('button', { name: '+ Rule' }).click();
    await page.getByLabel('Rule 1 name').fill('Same e-mail');
    await page.getByLabel('Rule 1 condition 1 attribute').selectOption('Email');
    await page.getByRole('group', { name: 'Rule 1 condition 1 normalize' }).getByLabel('e-mail').check();
    await page.getByLabel('Attribute with a policy of its own').selectOption('Mobile');
    await page.getByRole('button', { name: 'Add a policy' }).click();
    await page.getByLabel('Merge policy of Mobile').selectOption({ label: 'longest value' });

    const expected = {
      map: [
        {
          entity: 'CrmContacts',
          primaryKey: 'contact_id',
          attributes: { first_name: 'FirstName', last_name: 'LastName', email: 'Email', phone: 'Mobile' },
        },
        {
          entity: 'ShopCustomers',
          primaryKey: 'customer_no',
          attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email', mobile: 'Mobile' },
        },
      ],
      match: {
        order: ['CrmContacts', 'ShopCustomers'],
        deduplicate: true,
        rules: [
          { name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] },
        ],
      },
      merge: { default: { policy: 'importance' }, attributes: { Mobile: { policy: 'mostFilled' } } },
    };
    // The JSON view shows what the forms made.
    await page.getByText('Edit as JSON').click();
    assert.deepEqual(JSON.parse(await page.getByLabel('Unification configuration JSON').inputValue()), expected);

    // Test: the counts the API's test answers for this configuration, before anything is saved.
    const fromApi = await ok(server, 'POST', `${U}/manage/unification/test`, expected, 200);
    assert.equal(fromApi.unifiedProfiles, 5);
    await page.getByRole('button', { name: 'Test on the current data' }).click();
    await testResult().waitFor();
    assert.deepEqual(await tested(), {
      'Source records': [String(fromApi.sourceRecords), '—'],
      'Unified profiles': ['5', '—'],
      'Matched records': ['1', '—'],
      'Joined by “Same e-mail”': ['1', '—'],
    });
    assert.equal((await server.call('GET', `${U}/manage/unification`)).status, 404, 'a test saves nothing');

    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Saved: the next refresh uses it').waitFor();
    const saved = await ok(server, 'GET', `${U}/manage/unification`, undefined, 200);
    assert.deepEqual(
      { map: saved.map, match: { ...saved.match, maxBlockSize: undefined }, merge: saved.merge },
      { ...expected, match: { ...expected.match, maxBlockSize: undefined } },
    );

    const job = await refreshFromStatus();
    const unify = job.tasks.find((t: any) => t.operationType === 'unification');
    assert.deepEqual(unify.stats.matchesPerRule, { 'Same e-mail': 1 });
    assert.equal(await customers(), 5);
    const ann = (await ok(server, 'GET', `${U}/data/Customer?$filter=FirstName eq 'Ann'`, undefined, 200)).value;
    assert.equal(ann.length, 1, 'Ann of the CRM and of the shop are one profile');

    await nav(page, 'Unify').click();
    await page.getByRole('group', { name: 'Rule 1', exact: true }).getByText('Last run: 1 joined').waitFor();
    const last = page.getByRole('region', { name: 'Last unification' });
    assert.deepEqual(await tableCells(last.getByRole('table', { name: 'Matches per rule' })), [['Same e-mail', '1']]);
    assert.match(await last.innerText(), /5\s*Unified profiles/);
  });

  test('a second rule added in forms merges one more profile at the next refresh', async () => {
    await page.getByRole('button', { name: '+ Rule' }).click();
    await page.getByLabel('Rule 2 name').fill('Same phone, similar last name');
    await page.getByLabel('Rule 2 condition 1 attribute').selectOption('Mobile');
    await page.getByRole('group', { name: 'Rule 2 condition 1 normalize' }).getByLabel('phone').check();
    await page.getByRole('button', { name: '+ Condition in rule 2' }).click();
    await page.getByLabel('Rule 2 condition 2 attribute').selectOption('LastName');
    await page.getByLabel('Rule 2 condition 2 precision').selectOption({ label: 'high (80 % similar)' });
    await page.getByRole('group', { name: 'Rule 2 condition 2 normalize' }).getByLabel('name', { exact: true }).check();

    await page.getByRole('button', { name: 'Test on the current data' }).click();
    await testResult().getByText('Joined by “Same phone, similar last name”').waitFor();
    const t = await tested();
    assert.deepEqual(t['Unified profiles'], ['4', '5']);
    assert.deepEqual(t['Joined by “Same phone, similar last name”'], ['1', '—']);
    assert.equal(await customers(), 5, 'a test publishes nothing');

    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Saved: the next refresh uses it').waitFor();
    const rule = (await ok(server, 'GET', `${U}/manage/unification`, undefined, 200)).match.rules[1];
    assert.deepEqual(rule, {
      name: 'Same phone, similar last name',
      conditions: [
        { attribute: 'Mobile', normalize: ['phone'], precision: 'exact' },
        { attribute: 'LastName', normalize: ['name'], precision: 'high' },
      ],
    });
    await refreshFromStatus();
    assert.equal(await customers(), 4);
    const map = (
      await ok(
        server,
        'GET',
        `${U}/data/ConflationMap?$filter=SourceEntity eq 'ShopCustomers' and SourceKey eq 's2'`,
        undefined,
        200,
      )
    ).value;
    assert.equal(map[0].MatchedBy, 'Same phone, similar last name');
    await nav(page, 'Unify').click();
    await page.getByRole('group', { name: 'Rule 2', exact: true }).getByText('Last run: 1 joined').waitFor();
  });
});
