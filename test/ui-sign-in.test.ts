// A person signs in to the web UI in Chromium through a real OpenID Connect provider's login and consent pages,
// lands on the page they asked for seeing their name, manages members and reads the audit log as an admin (axe
// checked), and signs out on the server. A person who is a member of nothing sees the page that says so, and the
// system administrator finds the refusal in the system audit log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureBuilt, launchBrowser, missingBrowser, nav, type BrowserSession } from './support/browser.ts';
import { startProvider, type TestProvider } from './support/oidc-provider.ts';
import { freePort } from './support/net.ts';
import { runAxe } from './support/page-checks.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();

describe('sign-in through the identity provider in Chromium', { skip: skip ?? false }, () => {
  let provider: TestProvider;
  let server: TestServer;
  let session: BrowserSession;
  let page: Page;

  before(async () => {
    ensureBuilt();
    const appUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startProvider(
      {
        ann: { email: 'ann@example.com', name: 'Ann Admin' },
        nobody: { email: 'nobody@example.com', name: 'No Body' },
        boss: { email: 'boss@example.com', name: 'The Boss' },
      },
      [appUrl],
    );
    server = await startTestServer({ env: provider.env(appUrl, { INSIGHTFLOW_SYSTEM_ADMINS: 'boss@example.com' }) });
    const added = await server.call('POST', '/v1/instances/default/members', {
      body: { email: 'ann@example.com', role: 'admin' },
    });
    assert.equal(added.status, 201);
    session = await launchBrowser();
    page = session.page;
    await page.setViewportSize({ width: 1024, height: 768 });
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await provider?.stop();
  });

  /** From the UI's sign-in button through the provider's login and consent pages, as `login`. */
  async function signInAs(login: string, url: string): Promise<void> {
    await page.goto(server.url + url);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  test('signs in through the provider, sees their name, manages members, reads the audit log, signs out', async () => {
    await signInAs('ann', '/admin/members?instance=default');
    await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/members', 'back on the page that was asked for');
    await page.getByText('Ann Admin').waitFor();
    assert.equal(await nav(page, 'Members').getAttribute('aria-current'), 'page');

    await page.getByLabel('E-mail address').fill('bob@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('contributor');
    await page.getByRole('button', { name: 'Invite' }).click();
    const bob = page.getByLabel('Role of bob@example.com');
    await bob.waitFor();
    assert.equal(await bob.inputValue(), 'contributor');
    await bob.selectOption('admin');
    await page.waitForLoadState('networkidle');
    const members = await server.call('GET', '/v1/instances/default/members');
    assert.deepEqual(
      members.body.value.map((m: any) => [m.email, m.role]),
      [
        ['ann@example.com', 'admin'],
        ['bob@example.com', 'admin'],
      ],
    );
    const members_axe = await runAxe(page);
    assert.deepEqual(members_axe.serious, [], 'axe on the members page of a person signed in');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Remove bob@example.com' }).click();
    await bob.waitFor({ state: 'detached' });

    await nav(page, 'Audit log').click();
    await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    const rows = page.locator('tr[data-action]');
    await rows.first().waitFor();
    assert.deepEqual((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).slice(0, 4), [
      'RemoveMember',
      'UpdateMember',
      'AddMember',
      'SignIn',
    ]);
    await page.getByLabel('Action').fill('SignIn');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('tr[data-action="AddMember"]').first().waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /Ann Admin/);
    const audit_axe = await runAxe(page);
    assert.deepEqual(audit_axe.serious, [], 'axe on the audit page');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    const after = await page.evaluate(`fetch('/v1/me').then((r) => r.status)`);
    assert.equal(after, 401, 'the session ended on the server');
  });

  test('a member of nothing sees a page that says so; the system administrator finds it in the system log', async () => {
    // A new browser context: the provider does not remember the first person.
    page = await session.browser.newPage();
    await signInAs('nobody', '/');
    await page.getByRole('heading', { name: 'You are not a member of any instance' }).waitFor();
    await page.getByText('nobody@example.com').waitFor();

    page = await session.browser.newPage();
    await signInAs('boss', '/admin/audit?instance=default');
    await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    await page.getByLabel('Log', { exact: true }).selectOption('system');
    const refused = page.locator('tr[data-action="SignInRefused"]');
    await refused.first().waitFor();
    assert.match((await refused.first().textContent()) ?? '', /nobody@example.com|NotAMember/);
  });
});
