// The insight pages of the web UI in a real browser (Debian's Chromium through playwright-core) against a real server
// with data set up through the HTTP API: Unify with its configuration in forms and the last run's statistics; Segments with
// the live count preview (the API's count), the server's message for a bad query, saving, and the member-count
// history with threshold lines after more refreshes of changed data; Measures with one line per dimension value, the
// editor's row-count preview and the value history; Customers with search and the profile card with its source
// records (another profile's card never shows the previous one's). Without /usr/bin/chromium the test is skipped
// (with the reason); under CI=true it fails instead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  ensureBuilt,
  launchBrowser,
  missingBrowser,
  nav as navOf,
  signIn,
  tableCells,
  type BrowserSession,
} from './support/browser.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();
const U = '/v1/instances/default';

const unification = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: {
        first_name: 'FirstName',
        last_name: 'LastName',
        email: 'Email',
        phone: 'Phone',
        country: 'Country',
        points: 'Points',
      },
    },
    {
      entity: 'ShopCustomers',
      primaryKey: 'customer_no',
      attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email', mobile: 'Phone' },
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
    ],
  },
  merge: { default: { policy: 'importance' }, attributes: { Phone: { policy: 'mostFilled' } } },
};

const csv = (header: string, rows: string[]) => [header, ...rows].join('\n');
const crmHeader = 'contact_id,first_name,last_name,email,phone,country,points';
const crmRows = [
  'c1,Ann,Smith,ann@example.com,0170 1111111,DE,100',
  'c2,Bob,Jones,bob@example.com,0171 2222222,DE,200',
  'c3,Cy,Young,cy@example.com,,NL,300',
];
// s1 joins Ann by e-mail, s2 joins Bob by phone and last name, s3 founds a profile of its own.
const shop = csv('customer_no,given,family,email_address,mobile', [
  's1,Ann,Smith,ANN@example.com,',
  's2,Robert,Jones,robert@other.com,0171-2222222',
  's3,Dee,Dunn,dee@example.com,',
]);
const orderHeader = 'order_id,customer_no,amount,channel';
const orderRows = ['o1,s1,50,web', 'o2,s1,70,shop', 'o3,s3,30,web'];

/** What GET …/data/{entity}?$filter=…&$count=true answers: the count, or the error message. */
async function apiCount(s: TestServer, entity: string, filter: string): Promise<{ count?: number; message?: string }> {
  const q = new URLSearchParams({ $count: 'true', $top: '0', $filter: filter });
  const r = await s.call('GET', `${U}/data/${entity}?${q.toString()}`);
  return r.status === 200 ? { count: r.body['@odata.count'] } : { message: r.body.error.message };
}

/** Texts of a chart's SVG that leave the drawing or overlap another text, as "a ∩ b" or "clipped: a". */
const textProblems = (chart: Locator): Promise<string[]> =>
  chart.evaluate((el: any) => {
    const svg = el.querySelector('svg.recharts-surface');
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')]
      .filter((t: any) => (t.textContent ?? '').trim())
      .map((t: any) => ({ text: String(t.textContent ?? '').trim(), r: t.getBoundingClientRect() }));
    const out: string[] = [];
    for (const a of texts)
      if (
        a.r.left < box.left - 0.5 ||
        a.r.right > box.right + 0.5 ||
        a.r.top < box.top - 0.5 ||
        a.r.bottom > box.bottom + 0.5
      )
        out.push(`clipped: ${a.text}`);
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i]!.r;
        const b = texts[j]!.r;
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
          out.push(`${texts[i]!.text} ∩ ${texts[j]!.text}`);
      }
    return out;
  });

describe('web UI insight pages in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let session: BrowserSession;
  let page: Page;
  let firstJob: any;
  const measures: Record<string, any> = {};

  before(async () => {
    ensureBuilt();
    receiver = await startReceiver();
    server = await startTestServer({
      env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_RETRY_SCHEDULE: '20ms' },
    });
    server.importFile('crm.csv', csv(crmHeader, crmRows));
    server.importFile('shop.csv', shop);
    server.importFile('orders.csv', csv(orderHeader, orderRows));
    for (const [name, entity, primaryKey] of [
      ['CRM', 'CrmContacts', 'contact_id'],
      ['Shop', 'ShopCustomers', 'customer_no'],
      ['Orders', 'ShopOrders', 'order_id'],
    ] as const) {
      const location = { CRM: 'crm.csv', Shop: 'shop.csv', Orders: 'orders.csv' }[name];
      await ok(server, 'POST', `${U}/manage/datasources`, { name, kind: 'csv', location, entity, primaryKey });
    }
    const ingestion = await ok(server, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
    assert.equal((await server.waitForJob('default', ingestion.id)).status, 'succeeded');
    await ok(server, 'PUT', `${U}/manage/unification`, unification, 200);
    const revenue = { name: 'Revenue', entity: 'ShopOrders', aggregation: 'sum', attribute: 'amount' };
    measures.revenue = await ok(server, 'POST', `${U}/manage/measures`, revenue);
    measures.byChannel = await ok(server, 'POST', `${U}/manage/measures`, {
      ...revenue,
      name: 'Revenue by channel',
      dimensions: ['channel'],
    });
    firstJob = await runAll(server);
    session = await launchBrowser();
    page = session.page;
    await signIn(page, server.url);
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await receiver?.close();
  });

  const nav = (label: string) => navOf(page, label);
  const preview = () => page.getByLabel('Count preview');

  test("Unify shows the map, match and merge configuration in forms and the last run's statistics", async () => {
    await nav('Unify').click();
    for (const m of unification.map) {
      await page.getByRole('table', { name: `Columns of ${m.entity}` }).waitFor();
      assert.equal(await page.getByLabel(`Primary key of ${m.entity}`).inputValue(), m.primaryKey);
      for (const [column, attribute] of Object.entries(m.attributes))
        assert.equal(
          await page.getByLabel(`Unified attribute of ${m.entity} column ${column}`, { exact: true }).inputValue(),
          attribute,
        );
    }
    const order = page.getByRole('list', { name: 'Order of the sources' });
    assert.deepEqual(await order.locator('li .mono').allInnerTexts(), ['CrmContacts', 'ShopCustomers']);
    assert.equal(await page.getByLabel('Also match records within the same source').isChecked(), true);
    for (const [i, rule] of unification.match.rules.entries()) {
      assert.equal(await page.getByLabel(`Rule ${i + 1} name`).inputValue(), rule.name);
      for (const [k, c] of rule.conditions.entries()) {
        const label = `Rule ${i + 1} condition ${k + 1}`;
        assert.equal(await page.getByLabel(`${label} attribute`).inputValue(), c.attribute);
        assert.equal(await page.getByLabel(`${label} precision`).inputValue(), c.precision);
        const checked = await page
          .getByRole('group', { name: `${label} normalize` })
          .locator('input:checked')
          .count();
        assert.equal(checked, c.normalize.length, label);
      }
    }
    assert.equal(await page.getByLabel('Default merge policy').inputValue(), 'importance');
    assert.equal(await page.getByLabel('Merge policy of Phone').inputValue(), 'mostFilled');

    const task = firstJob.tasks.find((t: any) => t.operationType === 'unification');
    assert.deepEqual(
      { ...task.stats, durationMs: undefined },
      {
        sourceRecords: 6,
        unifiedProfiles: 4,
        matchedRecords: 2,
        matchesPerRule: { 'Same e-mail': 1, 'Same phone, similar last name': 1 },
        durationMs: undefined,
      },
    );
    const last = page.getByRole('region', { name: 'Last unification' });
    await last.locator('.badge-succeeded').waitFor();
    assert.match(await last.locator('p').first().innerText(), new RegExp(`job ${firstJob.id}, finished `));
    const stats = await last
      .locator('.stat')
      .evaluateAll((els) =>
        els.map((e) => [e.querySelector('.stat-label')?.textContent, e.querySelector('.stat-value')?.textContent]),
      );
    assert.deepEqual(stats, [
      ['Source records', '6'],
      ['Unified profiles', '4'],
      ['Matched records', '2'],
    ]);
    assert.deepEqual(await tableCells(last.getByRole('table', { name: 'Matches per rule' })), [
      ['Same e-mail', '1'],
      ['Same phone, similar last name', '1'],
    ]);
  });

  test('Segments previews the count of the typed query live, shows a bad query’s error inline, and saves', async () => {
    await nav('Segments').click();
    await page.getByText('No segments yet.').waitFor();
    await page.getByRole('link', { name: 'New segment' }).click();
    assert.equal(new URL(page.url()).pathname, '/segments/new');
    const editor = page.getByRole('form', { name: 'Segment editor' });
    const query = editor.getByLabel('Query');
    const all = await apiCount(server, 'Customer', '');
    assert.equal(all.count, 4);
    await preview().getByText('4 customers match now').waitFor();

    await editor.getByLabel('Name', { exact: true }).fill('Germany');
    const germany = "Country eq 'DE'";
    const expected = await apiCount(server, 'Customer', germany);
    assert.equal(expected.count, 2);
    await query.pressSequentially(germany);
    await preview().getByText(`${expected.count} customers match now`).waitFor();

    const typo = "Contry eq 'DE'";
    const wrong = await apiCount(server, 'Customer', typo);
    assert.match(wrong.message ?? '', /unknown attribute 'Contry' of Customer/);
    await query.fill(typo);
    await preview().locator('.error-inline', { hasText: wrong.message }).waitFor();
    await editor.getByRole('button', { name: 'Save' }).click();
    const refused = editor.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /^query: at position 1: unknown attribute 'Contry' of Customer/);
    assert.equal((await ok(server, 'GET', `${U}/manage/segments`, undefined, 200)).value.length, 0);

    await query.fill(germany);
    await preview().getByText('2 customers match now').waitFor();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('heading', { name: 'Segment: Germany' }).waitFor();
    const saved = (await ok(server, 'GET', `${U}/manage/segments`, undefined, 200)).value;
    assert.deepEqual(
      saved.map((s: any) => [s.name, s.query, s.state, s.memberCount]),
      [['Germany', germany, 'active', null]],
    );
    assert.equal(new URL(page.url()).pathname, `/segments/${saved[0].id}`);
    await page.getByText('No evaluations yet: the history fills with each refresh.').waitFor();
    await page.getByRole('link', { name: '← Segments' }).click();
    const list = page.getByRole('table', { name: 'Segments' });
    await list.waitFor();
    assert.deepEqual(await tableCells(list), [['Germany', 'active', '—', germany]]);
  });

  test('Segments draws the member-count history after refreshes of changed data, with the threshold lines', async () => {
    const [segment] = (await ok(server, 'GET', `${U}/manage/segments`, undefined, 200)).value;
    // One threshold among the member counts, one above them all: both lines must be drawn.
    for (const threshold of [2, 5]) {
      await ok(server, 'POST', `${U}/triggers/segment-threshold-crossed/subscriptions`, {
        callbackUrl: `${receiver.url}/segment`,
        segmentId: segment.id,
        threshold,
      });
    }
    await ok(server, 'POST', `${U}/triggers/measure-threshold-crossed/subscriptions`, {
      callbackUrl: `${receiver.url}/measure`,
      measureId: measures.byChannel.id,
      threshold: 100,
      dimension: { channel: 'web' },
    });
    await runAll(server);
    // Dee, known from the shop only, turns up in the CRM in Germany; she orders on the web.
    server.importFile('crm.csv', csv(crmHeader, [...crmRows, 'c4,Dee,Dunn,dee@example.com,,DE,400']));
    server.importFile('orders.csv', csv(orderHeader, [...orderRows, 'o4,s3,150,web']));
    await runAll(server);
    const history = (await ok(server, 'GET', `${U}/manage/segments/${segment.id}`, undefined, 200)).history;
    assert.deepEqual(
      history.map((h: any) => h.memberCount),
      [2, 3],
    );

    await nav('Measures').click();
    await nav('Segments').click();
    const list = page.getByRole('table', { name: 'Segments' });
    await list.locator('tr', { hasText: 'Germany' }).locator('td', { hasText: /^3$/ }).waitFor();
    await list.getByRole('link', { name: 'Germany' }).click();
    const chart = page.getByLabel('History chart');
    await chart.locator('svg.recharts-surface').first().waitFor();
    await chart
      .locator('.recharts-line-dot')
      .nth(history.length - 1)
      .waitFor();
    assert.equal(await chart.locator('.recharts-line-dot').count(), history.length);
    assert.equal(await chart.locator('.recharts-line').count(), 1);
    assert.equal(await chart.locator('.recharts-legend-item-text').innerText(), 'members');
    await chart.locator('.recharts-reference-line-line').nth(1).waitFor({ state: 'attached' });
    assert.equal(await chart.locator('.recharts-reference-line-line').count(), 2);
    assert.deepEqual((await chart.locator('text.recharts-label').allTextContents()).sort(), [
      'threshold 2',
      'threshold 5',
    ]);
    // A time axis: the ticks are clock times (not one label per evaluation); at 1024 px no label is clipped or
    // overlaps another.
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.waitForTimeout(300);
    const ticks = await chart
      .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
      .allTextContents();
    assert.ok(ticks.length >= 2, ticks.join(' | '));
    assert.ok(
      ticks.every((t) => /\d{1,2}:\d{2}/.test(t)),
      ticks.join(' | '),
    );
    assert.deepEqual(await textProblems(chart), []);
  });

  test('Segments: a segment built from conditions without typing OData, its count the API’s, read back when typed', async () => {
    await nav('Segments').click();
    await page.getByRole('link', { name: 'New segment' }).click();
    const editor = page.getByRole('form', { name: 'Segment editor' });
    const builder = editor.getByRole('group', { name: 'Conditions' });
    const query = editor.getByLabel('Query (OData)');
    await editor.getByLabel('Name', { exact: true }).fill('Loyal Germans');

    await builder.getByRole('button', { name: '+ Condition' }).click();
    await builder.getByLabel('Condition 1.1 attribute').selectOption('Country');
    const operators = await builder.getByLabel('Condition 1.1 operator').locator('option').allInnerTexts();
    assert.deepEqual(operators.slice(0, 3), ['is', 'is not', 'contains'], 'text operators');
    const value = builder.getByLabel('Condition 1.1 value');
    const listId = await value.getAttribute('list');
    assert.ok(listId, 'the value suggests values from the data');
    const suggested = await page
      .locator(`datalist[id="${listId}"] option`)
      .evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.deepEqual([...suggested].sort(), ['DE', 'NL']);
    await value.fill('DE');

    await builder.getByRole('button', { name: '+ Condition' }).click();
    await builder.getByLabel('Condition 1.2 attribute').selectOption('Points');
    const numeric = await builder.getByLabel('Condition 1.2 operator').locator('option').allInnerTexts();
    assert.deepEqual(numeric, ['=', '≠', '>', '≥', '<', '≤', 'is empty', 'is not empty'], 'number operators');
    await builder.getByLabel('Condition 1.2 operator').selectOption({ label: '≥' });
    await builder.getByLabel('Condition 1.2 value').fill('200');

    const built = "Country eq 'DE' and Points ge 200";
    assert.equal(await query.inputValue(), built);
    const both = await apiCount(server, 'Customer', built);
    await preview().getByText(`${both.count} customers match now`).waitFor();

    await builder.getByLabel('Customers match: all or any').selectOption('or');
    const either = "Country eq 'DE' or Points ge 200";
    assert.equal(await query.inputValue(), either);
    const anyCount = await apiCount(server, 'Customer', either);
    assert.notEqual(anyCount.count, both.count);
    await preview().getByText(`${anyCount.count} customers match now`).waitFor();

    await builder.getByRole('button', { name: '+ Segment membership' }).click();
    await builder.getByLabel('Condition 1.3 membership').selectOption('out');
    assert.equal(await query.inputValue(), `${either} or not IsMemberOfSegment('Germany')`);
    await builder.getByRole('button', { name: 'Remove condition 1.3' }).click();
    await builder.getByRole('button', { name: '+ Group' }).click();
    await builder.getByLabel('Condition 1.3.1 attribute').selectOption('FirstName');
    await builder.getByLabel('Condition 1.3.1 operator').selectOption({ label: 'starts with' });
    await builder.getByLabel('Condition 1.3.1 value').fill('C');
    assert.equal(await query.inputValue(), `${either} or startswith(FirstName,'C')`);

    // A hand-written query is read back into the builder.
    await query.fill("Country eq 'DE' and (Points ge 200 or contains(Email,'bob'))");
    await builder.getByLabel('Condition 1.2.2 value').waitFor();
    assert.equal(await builder.getByLabel('Customers match: all or any').inputValue(), 'and');
    assert.equal(await builder.getByLabel('Group 1.2 matches: all or any').inputValue(), 'or');
    assert.equal(await builder.getByLabel('Condition 1.2.2 attribute').inputValue(), 'Email');
    assert.equal(await builder.getByLabel('Condition 1.2.2 value').inputValue(), 'bob');
    await builder.getByRole('button', { name: 'Remove group 1.2' }).click();
    await builder.getByRole('button', { name: '+ Condition' }).click();
    await builder.getByLabel('Condition 1.2 attribute').selectOption('Points');
    await builder.getByLabel('Condition 1.2 operator').selectOption({ label: '≥' });
    await builder.getByLabel('Condition 1.2 value').fill('200');
    assert.equal(await query.inputValue(), built);
    await preview().getByText(`${both.count} customers match now`).waitFor();

    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('heading', { name: 'Segment: Loyal Germans' }).waitFor();
    const saved = (await ok(server, 'GET', `${U}/manage/segments`, undefined, 200)).value.find(
      (s: any) => s.name === 'Loyal Germans',
    );
    assert.equal(saved.query, built);
    await runAll(server, { mustSucceed: true });
    const evaluated = await ok(server, 'GET', `${U}/manage/segments/${saved.id}`, undefined, 200);
    assert.equal(evaluated.memberCount, both.count);
    // Opened again from its URL, the saved segment shows its conditions in the builder.
    await page.reload();
    assert.equal(await builder.getByLabel('Condition 1.2 value').inputValue(), '200');
    assert.equal(await builder.getByLabel('Condition 1.1 attribute').inputValue(), 'Country');

    // Something the builder cannot show stays editable as text.
    await query.fill('ShopOrders/any(o: o.amount gt 10)');
    await builder.getByText('This query uses more than the builder shows').waitFor();
  });

  test('A flow on the built segment, made and tested from the UI', async () => {
    await nav('Flows').click();
    await page.getByRole('link', { name: 'New flow' }).click();
    const editor = page.getByRole('form', { name: 'Flow editor' });
    await editor.locator('input[name="flowName"]').fill('Loyal Germans alert');
    await editor.getByLabel('Trigger', { exact: true }).selectOption({ label: 'When a segment crosses a threshold' });
    await editor.getByLabel('Segment', { exact: true }).selectOption({ label: 'Loyal Germans' });
    await editor.getByLabel('Threshold', { exact: true }).fill('1');
    await editor.getByLabel('Incoming webhook / Workflows URL').fill(`${receiver.url}/teams`);
    await editor
      .getByLabel('Title', { exact: true })
      .fill('{{ event.data.segmentName }} crossed {{ event.data.threshold }}');
    await editor.getByLabel('Text', { exact: true }).fill('{{ event.data.currentValue }} customers now');
    await editor.getByRole('button', { name: 'Save flow' }).click();
    await page.getByRole('heading', { name: 'Flow: Loyal Germans alert' }).waitFor();
    const before = receiver.received.length;
    const test = page.getByRole('region', { name: 'Test' });
    await test.getByRole('button', { name: 'Test' }).click();
    await test.getByRole('status', { name: 'Test result' }).locator('.badge-succeeded').first().waitFor();
    const [posted] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(posted?.path, '/teams');
    assert.match(posted?.body ?? '', /Loyal Germans crossed 1/);
    assert.match(posted?.body ?? '', /2 customers now/);
  });

  test('Measures lists the values, one line per dimension value, and the editor previews the rows', async () => {
    await nav('Measures').click();
    const list = page.getByRole('table', { name: 'Measures' });
    await list.waitFor();
    const fromApi = (await ok(server, 'GET', `${U}/manage/measures`, undefined, 200)).value;
    const revenue = fromApi.find((m: any) => m.name === 'Revenue');
    const byChannel = fromApi.find((m: any) => m.name === 'Revenue by channel');
    assert.equal(revenue.value, 300);
    assert.deepEqual(byChannel.values, [
      { dimension: { channel: 'shop' }, value: 70 },
      { dimension: { channel: 'web' }, value: 230 },
    ]);
    assert.deepEqual(
      (await tableCells(list)).map((r) => r.slice(0, 3)),
      [
        ['Revenue', 'business', 'sum(amount) of ShopOrders'],
        ['Revenue by channel', 'business', 'sum(amount) of ShopOrders by channel'],
      ],
    );
    assert.equal(await list.locator('tr', { hasText: 'Revenue' }).first().locator('td').last().innerText(), '300');
    const lines = list.locator('tr', { hasText: 'Revenue by channel' }).locator('.dimension-values > span');
    assert.deepEqual(await lines.allInnerTexts(), ['web: 230', 'shop: 70']);

    await list.getByRole('link', { name: 'Revenue by channel' }).click();
    const editor = page.getByRole('form', { name: 'Measure editor' });
    await editor.getByRole('heading', { name: 'Measure: Revenue by channel' }).waitFor();
    const dims = editor.getByRole('group', { name: 'Dimensions (group by)' });
    assert.equal(await dims.getByRole('checkbox', { name: 'channel' }).isChecked(), true);
    assert.equal(await dims.getByRole('checkbox', { name: 'amount' }).isChecked(), false);
    assert.equal(await editor.getByLabel('Attribute', { exact: true }).inputValue(), 'amount');
    const chart = page.getByLabel('History chart');
    await chart.locator('.recharts-line').nth(1).waitFor();
    assert.equal(await chart.locator('.recharts-line').count(), 2, 'one line per dimension value');
    assert.deepEqual((await chart.locator('.recharts-legend-item-text').allInnerTexts()).sort(), ['shop', 'web']);
    const points = byChannel.history.length * 2;
    await chart
      .locator('.recharts-line-dot')
      .nth(points - 1)
      .waitFor();
    assert.equal(await chart.locator('.recharts-line-dot').count(), points);
    assert.equal(await chart.locator('.recharts-reference-line-line').count(), 1);
    assert.deepEqual(await chart.locator('text.recharts-label').allTextContents(), ['threshold 100']);

    await page.getByRole('link', { name: '← Measures' }).click();
    await page.getByRole('link', { name: 'New measure' }).click();
    await editor.getByRole('heading', { name: 'New measure' }).waitFor();
    await editor.getByLabel('Name', { exact: true }).fill('Web orders');
    await editor.getByLabel('Entity', { exact: true }).selectOption('ShopOrders');
    const attributeChoices = await editor.getByLabel('Attribute', { exact: true }).locator('option').allInnerTexts();
    assert.deepEqual(attributeChoices, ['(none: count rows)', 'order_id', 'customer_no', 'amount', 'channel']);
    const dimensionChoices = editor.getByRole('group', { name: 'Dimensions (group by)' }).getByRole('checkbox');
    assert.equal(await dimensionChoices.count(), 4);
    const filter = editor.getByLabel('Filter');
    const web = "channel eq 'web'";
    const expected = await apiCount(server, 'ShopOrders', web);
    assert.equal(expected.count, 3);
    await filter.fill(web);
    await preview().getByText(`${expected.count} rows match now`).waitFor();
    const wrong = await apiCount(server, 'ShopOrders', 'amount gt');
    assert.ok(wrong.message);
    await filter.fill('amount gt');
    await preview().locator('.error-inline', { hasText: wrong.message }).waitFor();
    await filter.fill(web);
    await preview().getByText(`${expected.count} rows match now`).waitFor();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('heading', { name: 'Measure: Web orders' }).waitFor();
    await page.goBack();
    assert.equal(new URL(page.url()).pathname, '/measures');
    await list.locator('tr', { hasText: 'Web orders' }).waitFor();
    assert.deepEqual((await tableCells(list)).at(-1), ['Web orders', 'business', 'count(*) of ShopOrders', '—']);
    const saved = (await ok(server, 'GET', `${U}/manage/measures`, undefined, 200)).value.find(
      (m: any) => m.name === 'Web orders',
    );
    assert.deepEqual([saved.entity, saved.aggregation, saved.filter, saved.value], ['ShopOrders', 'count', web, null]);
  });

  test('Customers finds profiles by name, e-mail or id, and a card shows sources, memberships and measures', async () => {
    await ok(server, 'POST', `${U}/manage/measures`, {
      name: 'PointsTotal',
      kind: 'customer',
      entity: 'Customer',
      aggregation: 'sum',
      attribute: 'Points',
    });
    await runAll(server, { mustSucceed: true });
    await nav('Customers').click();
    const total = (await ok(server, 'GET', `${U}/data/Customer?$count=true&$top=0`, undefined, 200))['@odata.count'];
    await page.getByText(`${total} matching profiles; page 1`).waitFor();
    const search = page.getByRole('search', { name: 'Search customers' });
    const box = search.getByLabel('Name, e-mail or customer id');
    const list = page.getByRole('table', { name: 'Customers' });
    const find = async (text: string, count: number) => {
      await box.fill(text);
      await search.getByRole('button', { name: 'Search' }).click();
      await page.getByText(`${count} matching profiles; page 1`).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('q'), text);
      assert.equal(await list.locator('tbody tr').count(), count);
    };
    const all = (await ok(server, 'GET', `${U}/data/Customer?$top=100`, undefined, 200)).value;
    const ann = all.find((c: any) => c.LastName === 'Smith');
    const bob = all.find((c: any) => c.FirstName === 'Bob');
    await find('SMI', 1);
    await find('ann smith', 1);
    await find('bob@example', 1);
    await find(String(bob.CustomerId), 1);
    await find('nobody-has-this', 0);
    await page.getByText('No profile matches.').waitFor();
    await page.goBack();
    await page.getByText('1 matching profiles; page 1').waitFor();
    assert.equal(await box.inputValue(), String(bob.CustomerId), 'back restores the search');

    await find('smith', 1);
    await list.getByRole('link', { name: String(ann.CustomerId) }).click();
    assert.equal(new URL(page.url()).pathname, `/customers/${encodeURIComponent(ann.CustomerId)}`);
    const card = page.getByRole('region', { name: 'Profile card' });
    await card.getByRole('heading', { name: `Profile ${String(ann.CustomerId)}` }).waitFor();
    // The attributes' own list: the card's other lists (measures) may load first.
    const props = card.locator('dl[aria-label="Profile attributes"] > div');
    await props.first().waitFor();
    assert.deepEqual(
      await props.evaluateAll((els) =>
        els.map((e) => [e.querySelector('dt')?.textContent, e.querySelector('dd')?.textContent]),
      ),
      Object.entries(ann)
        .filter(([k]) => !k.startsWith('@'))
        .map(([k, v]) => [k, v === null ? '—' : String(v as string | number)]),
    );
    const sources = card.getByRole('table', { name: 'Source records' });
    await sources.locator('tbody tr').first().waitFor();
    assert.deepEqual((await tableCells(sources)).sort(), [
      ['CrmContacts', 'c1', 'founded the profile'],
      ['ShopCustomers', 's1', 'Same e-mail'],
    ]);
    const memberships = card.getByRole('list', { name: 'Segment memberships' });
    await memberships.getByRole('link', { name: 'Germany' }).waitFor();
    assert.deepEqual(await memberships.locator('li').allInnerTexts(), ['Germany']);
    await card.locator('dl[aria-label="Customer measures"]').waitFor();
    assert.deepEqual(
      await card
        .locator('dl[aria-label="Customer measures"] > div')
        .evaluateAll((els) => els.map((e) => [e.querySelector('dt')?.textContent, e.querySelector('dd')?.textContent])),
      [['PointsTotal', '100']],
    );

    // A shared link to another profile opens its card after a reload, with its own records.
    await page.goto(`${server.url}/customers/${encodeURIComponent(bob.CustomerId)}`);
    await card.getByRole('heading', { name: `Profile ${String(bob.CustomerId)}` }).waitFor();
    await sources.locator('tbody tr').nth(1).waitFor();
    assert.deepEqual((await tableCells(sources)).sort(), [
      ['CrmContacts', 'c2', 'founded the profile'],
      ['ShopCustomers', 's2', 'Same phone, similar last name'],
    ]);
  });
});
