// The data source form for a web API in a real browser: the kind's fields, the header value typed into a password
// field, Test connection showing the columns and first rows from a real HTTP server, then Add, with the secret answered
// as "***" by the API. Without /usr/bin/chromium the test is skipped (with the reason); under CI=true it fails.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureBuilt, launchBrowser, missingBrowser, nav, signIn, type BrowserSession } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();

describe('data source form in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let api: http.Server;
  let apiUrl = '';
  let session: BrowserSession;
  let page: Page;

  before(async () => {
    ensureBuilt();
    api = http.createServer((req, res) => {
      const ok = req.headers['x-api-key'] === 'k-123';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? {
                items: [
                  { id: 1, city: 'Köln' },
                  { id: 2, city: 'Lyon' },
                ],
              }
            : { error: 'no' },
        ),
      );
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/cities`;
    server = await startTestServer({ env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
    session = await launchBrowser();
    page = session.page;
    await signIn(page, server.url);
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    api?.close();
  });

  test('a web API source is tested, then added, with its header value masked', async () => {
    await nav(page, 'Data sources').click();
    await page.getByRole('button', { name: 'Add data source' }).click();
    const form = page.getByRole('form', { name: 'Add data source' });
    await form.locator('input[name="name"]').fill('Cities');
    await form.locator('select[name="kind"]').selectOption('http');
    await form.locator('input[name="location"]').fill(apiUrl);
    await form.locator('input[name="rowsPath"]').fill('items');
    await form.locator('input[name="headerName"]').fill('X-Api-Key');
    const secret = form.locator('input[name="headerValue"]');
    assert.equal(await secret.getAttribute('type'), 'password');
    await secret.fill('wrong');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByRole('alert').filter({ hasText: 'BadCredentials' }).waitFor();
    await secret.fill('k-123');
    await form.getByRole('button', { name: 'Test connection' }).click();
    const result = form.getByRole('status', { name: 'Test result' });
    await result.waitFor();
    assert.match(await result.innerText(), /Köln/);
    assert.match(await result.innerText(), /city/i);
    await form.locator('input[name="primaryKey"]').fill('id');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('table', { name: 'Data sources' }).locator('tr[data-name="Cities"]').waitFor();
    const saved = await server.call('GET', '/v1/instances/default/manage/datasources');
    assert.deepEqual(saved.body.value[0].options.headers, { 'X-Api-Key': '***' });
  });
});
