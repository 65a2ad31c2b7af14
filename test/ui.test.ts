// The web UI in a real browser (Debian's Chromium through playwright-core) against a real server serving web/dist:
// sign-in, data sources, a webhook from Export destinations, Refresh all on Admin › System › Status, the delivery
// log with its attempts and a retry, Power Automate set-up with its key shown once, and the flow editor.
// Without /usr/bin/chromium the test is skipped (with the reason); under CI=true it fails instead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ensureBuilt,
  launchBrowser,
  missingBrowser,
  nav as navOf,
  signIn,
  type BrowserSession,
} from './support/browser.ts';
import { until } from './support/net.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();

describe('web UI in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let session: BrowserSession;
  let page: Page;
  let failing = true;

  before(async () => {
    ensureBuilt();
    receiver = await startReceiver();
    // 400 is a permanent failure: the delivery fails at its first attempt.
    receiver.respond = () => ({ status: failing ? 400 : 200 });
    server = await startTestServer({
      env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_RETRY_SCHEDULE: '20ms' },
    });
    server.importFile('crm.csv', 'id,name,email\n1,Ann,ann@example.com\n2,Bob,bob@example.com\n');
    const ds = await server.call('POST', '/v1/instances/default/manage/datasources', {
      body: { name: 'CRM', kind: 'csv', location: 'crm.csv', primaryKey: 'id', owners: ['owner@example.com'] },
    });
    assert.equal(ds.status, 201, JSON.stringify(ds.body));
    session = await launchBrowser();
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await receiver?.close();
  });

  const nav = (label: string) => navOf(page, label);

  test('signs in with a connection key', async () => {
    await signIn(page, server.url);
  });

  test('Data sources lists the data source', async () => {
    await nav('Data sources').click();
    const row = page.getByRole('table', { name: 'Data sources' }).locator('tr[data-name="CRM"]');
    await row.waitFor();
    assert.match(await row.innerText(), /csv/);
  });

  test('Export destinations › Webhook creates a subscription and shows its secret', async () => {
    await nav('Export destinations').click();
    await page.locator('[data-tile="webhook"]').getByRole('button', { name: 'Add webhook' }).click();
    const form = page.getByRole('form', { name: 'Add webhook' });
    await form.locator('input[name="url"]').fill(`${receiver.url}/hook`);
    await form.getByLabel('Trigger').selectOption('datasource-refresh-succeeded');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    const secret = page.getByRole('status', { name: 'Webhook secret' }).locator('code');
    assert.match(await secret.innerText(), /^whsec_/);
  });

  test('Admin › System › Status shows the tasks after Refresh all, also after a reload', async () => {
    await nav('System › Status').click();
    await page.getByRole('button', { name: 'Refresh all' }).click();
    const tasks = page.getByRole('table', { name: 'Tasks' });
    const crm = tasks.locator('tr', { hasText: 'Data source CRM' });
    await crm.locator('.badge-succeeded').waitFor();
    await page.reload();
    assert.equal(new URL(page.url()).pathname, '/admin/status');
    await crm.locator('.badge-succeeded').waitFor();
    await crm.getByRole('link', { name: 'Data source CRM' }).click();
    await page.getByRole('table', { name: 'Run history' }).locator('tbody tr').first().waitFor();
    assert.match(new URL(page.url()).search, /[?&]task=ingestion%3A/);
  });

  test('Deliveries shows the failed delivery with its attempts, and retries it', async () => {
    await nav('Deliveries').click();
    await page.getByRole('table', { name: 'Subscriptions' }).getByText(`${receiver.url}/hook`).waitFor();
    const delivery = page.locator('details[data-delivery]').first();
    await delivery.locator('.badge-failed').waitFor();
    const attempts = delivery.locator('table tbody tr');
    const failed = await attempts.allInnerTexts();
    assert.ok(failed.length >= 1 && failed.every((a) => /\b400\b/.test(a)), failed.join('\n'));
    const summary = new RegExp(`datasource\\.refresh\\.succeeded.*\\b${failed.length} attempts?\\b`, 's');
    assert.match(await delivery.locator('summary').innerText(), summary);
    failing = false;
    await delivery.getByRole('button', { name: 'Retry now' }).click();
    await delivery.locator('.badge-succeeded').waitFor();
    // The delivery stays open while its new attempt arrives.
    await attempts.nth(failed.length).waitFor();
    assert.equal(await attempts.count(), failed.length + 1);
    assert.match(await attempts.last().innerText(), /\b200\b/);
  });

  test('Power Automate › Set up shows a working key once and opens the flow editor', async () => {
    await nav('Export destinations').click();
    await page.locator('[data-tile="power-automate"]').getByRole('button', { name: 'Set up' }).click();
    await page.getByRole('button', { name: 'Create connection' }).click();
    const key = await page.getByTestId('connection-key').innerText();
    assert.match(key, /^ifk_/);
    const seen = await server.call('GET', '/v1/instances', { key });
    assert.equal(seen.status, 200);
    assert.deepEqual(
      seen.body.value.map((i: { id: string }) => i.id),
      ['default'],
    );
    // The URL the connector will call (plain http here, so the page warns).
    assert.equal(await page.getByTestId('connector-url').innerText(), server.url);
    assert.match(await page.getByTestId('connector-url-warning').innerText(), /not HTTPS/);
    const pkg = page.getByRole('link', { name: /Download connector package/ });
    const zip = await page.request.get(new URL((await pkg.getAttribute('href')) ?? '', server.url).href);
    assert.equal(zip.headers()['content-type'], 'application/zip');
    const download = page.getByRole('link', { name: /Download connector definition/ });
    const definition = await page.request.get(new URL((await download.getAttribute('href')) ?? '', server.url).href);
    assert.equal((await definition.json()).swagger, '2.0');
    const propsLink = page.getByRole('link', { name: /Download API properties/ });
    const props = await page.request.get(new URL((await propsLink.getAttribute('href')) ?? '', server.url).href);
    assert.equal((await props.json()).properties.connectionParameters['api_key'].type, 'securestring');
    const triggerList = page.getByRole('list', { name: 'Connector triggers' });
    assert.equal(await triggerList.locator('li').count(), 7);
    await triggerList.getByText('When customers enter or leave a segment').waitFor();

    await nav('Data sources').click();
    await nav('Export destinations').click();
    await page.locator('[data-tile="power-automate"]').getByRole('button', { name: 'Set up' }).click();
    await page.getByRole('button', { name: 'Create connection' }).waitFor();
    assert.equal(await page.getByTestId('connection-key').count(), 0);

    await page
      .getByRole('region', { name: 'Power Automate setup' })
      .getByRole('button', { name: 'Create a flow' })
      .click();
    const editor = page.getByRole('form', { name: 'Flow editor' });
    await editor.waitFor();
    assert.equal(new URL(page.url()).pathname, '/flows/new');
    const triggers = (await server.call('GET', '/v1/instances/default/triggers')).body.value;
    const trigger = editor.getByLabel('Trigger', { exact: true });
    const options = trigger.locator('option');
    await options.nth(triggers.length - 1).waitFor({ state: 'attached' });
    assert.deepEqual(
      await options.allInnerTexts(),
      triggers.map((t: { summary: string }) => t.summary),
    );
    assert.equal(triggers.length, 7);
    await trigger.selectOption('segment-membership-changed');
    await editor.getByLabel('Change', { exact: true }).selectOption('entered');
    await editor.getByLabel('Once per customer').check();
    await editor.getByLabel('Most customers per evaluation').waitFor();
    await trigger.selectOption('datasource-refresh-failed');
  });

  test('Flows saves a flow from the editor and lists it', async () => {
    const editor = page.getByRole('form', { name: 'Flow editor' });
    await editor.locator('input[name="flowName"]').fill('Tell the team');
    await editor.getByLabel('Incoming webhook / Workflows URL').fill(`${receiver.url}/teams`);
    // The message texts start from the trigger's templates and follow a change of trigger.
    const title = editor.getByLabel('Title');
    const titleIs = (text: string) => until(`the title is ${text}`, async () => (await title.inputValue()) === text);
    await titleIs('Refresh of {{ event.data.dataSourceName }} failed');
    const trigger = editor.getByLabel('Trigger', { exact: true });
    await trigger.selectOption({ label: 'When unification completes' });
    await titleIs('Unification {{ event.data.status }}');
    await trigger.selectOption({ label: 'When a data source refresh fails' });
    await titleIs('Refresh of {{ event.data.dataSourceName }} failed');
    await editor.getByRole('button', { name: 'Save flow' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/flows\/flow_/);
    await nav('Flows').click();
    const flows = page.getByRole('table', { name: 'Flows' });
    const row = flows.locator('tr', { has: page.getByRole('link', { name: 'Tell the team' }) });
    await row.waitFor();
    assert.deepEqual((await row.locator('td').allInnerTexts()).slice(1, 3), [
      'When a data source refresh fails',
      'Microsoft Teams: post a message',
    ]);
  });

  test('Flows › Test runs the flow on a sample event and shows each step’s output', async () => {
    await page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: 'Tell the team' }).click();
    const before = receiver.received.length;
    const test = page.getByRole('region', { name: 'Test' });
    await test.getByRole('button', { name: 'Test' }).click();
    const result = test.getByRole('status', { name: 'Test result' });
    await result.locator('.badge-succeeded').first().waitFor();
    assert.match(await result.locator('p').first().innerText(), /on a made-up event evt_/);
    const steps = result.getByRole('table');
    assert.match(
      await steps.locator('tbody tr').first().innerText(),
      /teams1\s+Microsoft Teams: post a message\s+succeeded/,
    );
    assert.match(await steps.locator('pre.json').first().innerText(), /"statusCode": 200/);
    const [posted] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(posted?.path, '/teams');
    await result.getByText(/^Event evt_.* · datasource\.refresh\.failed · /).click();
    assert.match(await result.locator('details.event pre').innerText(), /"dataSourceName": "CRM"/);
  });
});
