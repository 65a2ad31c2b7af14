// Export destinations in a real browser (Debian's Chromium through playwright-core) against a real server: the tiles
// say what is set up, the public URL the connector will call is shown, the connections are listed with their role,
// creation and last use, a connection made in Power Automate › Set up joins the list, and a revoked connection's key
// is refused by the API. Without /usr/bin/chromium the test is skipped (with the reason); under CI=true it fails.
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

describe('export destinations and connections in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let session: BrowserSession;
  let page: Page;
  let zapier: { id: string; key: string };

  before(async () => {
    ensureBuilt();
    server = await startTestServer({
      env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_PUBLIC_URL: 'https://insights.example.com' },
    });
    zapier = await ok(server, 'POST', `${U}/connections`, { name: 'Zapier', role: 'viewer' });
    await ok(server, 'POST', `${U}/subscriptions`, {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['datasource.refresh.succeeded'],
    });
    // The connection is used once, so that it has a last use.
    assert.equal((await server.call('GET', `${U}/jobs`, { key: zapier.key })).status, 200);
    session = await signedInAt1024(server.url);
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await server?.stop();
  });

  const tileState = (slug: string) => page.locator(`[data-tile="${slug}"] .tile-state`);
  const table = () => page.getByRole('table', { name: 'Connections' });

  test('tiles say what is set up; the public URL and the connections with role, created and last used', async () => {
    await nav(page, 'Export destinations').click();
    await tileState('webhook').getByText('Set up: 1 webhook').waitFor();
    assert.equal(await tileState('power-automate').innerText(), 'Set up: 1 connection');
    assert.equal(await tileState('teams').innerText(), 'Not set up yet');
    assert.equal(await tileState('email').innerText(), 'Not set up yet');
    assert.equal(await page.getByTestId('connector-url').innerText(), 'https://insights.example.com');

    const listed = (await ok(server, 'GET', `${U}/connections`, undefined, 200)).value;
    assert.equal(listed.length, 1);
    assert.ok(listed[0].lastUsedAt, 'the use was recorded');
    const [row] = await tableCells(table());
    assert.deepEqual(row?.slice(0, 3), ['Zapier', 'viewer', `${listed[0].keyPrefix}…`]);
    assert.notEqual(row?.[3], '');
    assert.notEqual(row?.[4], 'never');
  });

  test('a connection made in Power Automate › Set up joins the list', async () => {
    await page.locator('[data-tile="power-automate"]').getByRole('button', { name: 'Set up' }).click();
    const form = page.getByRole('form', { name: 'Create a connection' });
    await form.getByLabel('Connection name').fill('Flows of the marketing team');
    await form.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('status', { name: 'Connection key' }).waitFor();
    await table().getByRole('cell', { name: 'Flows of the marketing team', exact: true }).waitFor();
    const rows = await tableCells(table());
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[4]]),
      [
        ['Zapier', 'viewer', rows[0]?.[4]],
        ['Flows of the marketing team', 'contributor', 'never'],
      ],
    );
    assert.equal(await tileState('power-automate').innerText(), 'Set up: 2 connections');
  });

  test('a revoked connection disappears and its key is refused', async () => {
    page.once('dialog', (d) => void d.accept());
    await table().getByRole('button', { name: 'Revoke Zapier' }).click();
    await table().getByRole('cell', { name: 'Zapier', exact: true }).waitFor({ state: 'detached' });
    const refused = await server.call('GET', `${U}/jobs`, { key: zapier.key });
    assert.equal(refused.status, 401);
    assert.match(refused.body.error.message, /not valid/);
    const left = (await ok(server, 'GET', `${U}/connections`, undefined, 200)).value;
    assert.deepEqual(
      left.map((c: any) => c.name),
      ['Flows of the marketing team'],
    );
  });
});
