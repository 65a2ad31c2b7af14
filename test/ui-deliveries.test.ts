// The delivery log and events in a real browser (Debian's Chromium through playwright-core) against a real server
// and a real loopback receiver: a delivery's request body as the receiver got it and each attempt's response body
// (cut at 4 KiB), *Retry now* of a pending delivery (due in an hour) and of a failed one, the event page a delivery
// links to, and a flow run's link to the event that started it. Without /usr/bin/chromium the test is skipped (with
// the reason); under CI=true it fails instead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureBuilt, missingBrowser, nav, signedInAt1024, type BrowserSession } from './support/browser.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { ok, startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();
const U = '/v1/instances/default';

describe('delivery log in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let session: BrowserSession;
  let page: Page;
  const answers: Record<string, Array<{ status: number; body: string }>> = {
    '/busy': [
      { status: 503, body: 'busy: try again later' },
      { status: 200, body: 'thanks' },
    ],
    '/bad': [
      { status: 400, body: `{"error":"unknown customer"}${'x'.repeat(6000)}` },
      { status: 200, body: '' },
    ],
  };
  const calls: Record<string, number> = {};
  const subs: Record<string, string> = {};
  let flowId = '';

  before(async () => {
    ensureBuilt();
    receiver = await startReceiver();
    receiver.respond = (r) => {
      const list = answers[r.path] ?? [{ status: 200, body: '' }];
      const n = (calls[r.path] = (calls[r.path] ?? 0) + 1);
      return list[Math.min(n, list.length) - 1]!;
    };
    server = await startTestServer({
      env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8', INSIGHTFLOW_RETRY_SCHEDULE: '1h' },
    });
    server.importFile('crm.csv', 'id,name\n1,Ann\n');
    await ok(server, 'POST', `${U}/manage/datasources`, {
      name: 'CRM',
      kind: 'csv',
      location: 'crm.csv',
      primaryKey: 'id',
    });
    for (const p of Object.keys(answers))
      subs[p] = (
        await ok(server, 'POST', `${U}/subscriptions`, {
          url: `${receiver.url}${p}`,
          eventTypes: ['datasource.refresh.succeeded'],
        })
      ).id;
    flowId = (
      await ok(server, 'POST', `${U}/flows`, {
        name: 'Tell the team',
        enabled: true,
        trigger: { type: 'datasource-refresh-succeeded' },
        steps: [
          { name: 'post', type: 'teams.postMessage', webhookUrl: `${receiver.url}/teams`, title: 't', text: 'x' },
        ],
      })
    ).id;
    const job = await ok(server, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
    await server.waitForJob('default', job.id);
    await receiver.waitFor(3);
    session = await signedInAt1024(server.url);
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await receiver?.close();
  });

  /** The deliveries of a subscription, once `until` holds (bounded). */
  async function deliveriesOf(path: string, until: (d: any[]) => boolean): Promise<any[]> {
    for (let i = 0; i < 400; i++) {
      const list = (await ok(server, 'GET', `${U}/subscriptions/${subs[path]}/deliveries`, undefined, 200)).value;
      if (until(list)) return list;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`deliveries of ${path} did not reach the state`);
  }
  const openLog = async (path: string) => {
    await page.goto(`${server.url}/deliveries?subscription=${subs[path]}&instance=default`);
    await page.getByRole('heading', { name: `Delivery log: ${receiver.url}${path}` }).waitFor();
  };

  test('a pending delivery due in an hour is sent at once with Retry now; bodies as sent and received', async () => {
    const [pending] = await deliveriesOf('/busy', (d) => d[0]?.attempts.length === 1);
    assert.equal(pending.status, 'pending');
    assert.ok(Date.parse(pending.nextAttemptAt) - Date.now() > 30 * 60_000, 'next attempt in about an hour');
    await openLog('/busy');
    const item = page.locator(`details[data-delivery="${pending.id}"]`);
    await item.locator('summary').click();
    const sent = receiver.received.find((r) => r.path === '/busy')!.body;
    const request = page.getByLabel(`Request body of ${pending.id}`);
    await request.waitFor();
    assert.equal(await request.inputValue(), sent);
    assert.equal(
      await page.getByLabel(`Response body of attempt 1 of ${pending.id}`).inputValue(),
      'busy: try again later',
    );

    await item.getByRole('button', { name: 'Retry now' }).click();
    await item.locator('.badge-succeeded').waitFor();
    const [done] = await deliveriesOf('/busy', (d) => d[0]?.status === 'succeeded');
    assert.deepEqual(
      done.attempts.map((a: any) => a.statusCode),
      [503, 200],
    );
    assert.equal(await item.evaluate((d: any) => d.open as boolean), true, 'the delivery stays open');
    await page.getByLabel(`Response body of attempt 2 of ${pending.id}`).waitFor();
    assert.equal(await page.getByLabel(`Response body of attempt 2 of ${pending.id}`).inputValue(), 'thanks');
    assert.equal(await item.getByRole('button', { name: 'Retry now' }).count(), 0, 'no retry of a success');
  });

  test('a failed delivery shows the first 4 KiB of the response, is retried, and links to its event', async () => {
    const [failed] = await deliveriesOf('/bad', (d) => d[0]?.status === 'failed');
    await openLog('/bad');
    const item = page.locator(`details[data-delivery="${failed.id}"]`);
    const response = page.getByLabel(`Response body of attempt 1 of ${failed.id}`);
    await response.waitFor();
    const text = await response.inputValue();
    assert.equal(text.length, 4096);
    assert.ok(text.startsWith('{"error":"unknown customer"}xxx'));
    await item.getByRole('button', { name: 'Retry now' }).click();
    await item.locator('.badge-succeeded').waitFor();
    assert.equal(calls['/bad'], 2);

    await item.getByRole('link', { name: failed.eventId }).click();
    await page.getByRole('heading', { name: `Event ${failed.eventId}` }).waitFor();
    const event = await ok(server, 'GET', `${U}/events/${failed.eventId}`, undefined, 200);
    assert.equal(event.type, 'datasource.refresh.succeeded');
    assert.match(await page.locator('.json').innerText(), new RegExp(`"rowsIngested": ${event.data.rowsIngested}`));
    await page.goBack();
    await page.getByRole('heading', { name: `Delivery log: ${receiver.url}/bad` }).waitFor();
  });

  test('a flow run links to the event that started it', async () => {
    await nav(page, 'Flows').click();
    await page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: 'Tell the team' }).click();
    await page.getByRole('heading', { name: 'Flow: Tell the team' }).waitFor();
    const runs = (await ok(server, 'GET', `${U}/flows/${flowId}/runs`, undefined, 200)).value;
    assert.equal(runs.length, 1);
    await page.locator('details.run summary').first().click();
    await page.getByRole('link', { name: `Open the event ${runs[0].eventId}` }).click();
    await page.getByRole('heading', { name: `Event ${runs[0].eventId}` }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/deliveries/events/${runs[0].eventId}`);
  });
});
