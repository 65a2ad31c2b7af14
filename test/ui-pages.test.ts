// Every page and item of the web UI by its URL, in a real browser (Debian's Chromium through playwright-core): opened
// directly, after a reload, with back and forward, and as a link shared into another browser that signs in — each
// lands on the same view, in the instance the URL names. On every page: the navigation marks the current page with
// aria-current, axe-core finds no serious or critical violation, no text is smaller than 12 px, and the page does
// not scroll sideways at 1024×768. List rows are links reached and opened with the keyboard.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureBuilt, missingBrowser, nav as navOf, signedInAt1024, type BrowserSession } from './support/browser.ts';
import { horizontalOverflow, runAxe, smallText } from './support/page-checks.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { adminKey, ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const skip = missingBrowser();
const U = '/v1/instances/default';

const unification = {
  map: [
    {
      entity: 'Crm',
      primaryKey: 'id',
      attributes: { first: 'FirstName', last: 'LastName', email: 'Email', country: 'Country', points: 'Points' },
    },
  ],
  match: {
    order: ['Crm'],
    rules: [{ name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] }],
  },
  merge: { default: { policy: 'importance' } },
};

interface View {
  url: string;
  heading: string;
  nav: string;
}

describe('web UI pages and items by URL in Chromium', { skip: skip ?? false }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let session: BrowserSession;
  let page: Page;
  let views: View[] = [];
  const ids: Record<string, string> = {};

  before(async () => {
    ensureBuilt();
    receiver = await startReceiver();
    server = await startTestServer({ env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
    const rows = Array.from({ length: 60 }, (_, i) => {
      const country = ['DE', 'NL', 'FR'][i % 3];
      return `${i + 1},First${i},Last${i},person${i}@example.com,${country},${i * 10}`;
    });
    server.importFile('crm.csv', ['id,first,last,email,country,points', ...rows].join('\n'));
    /** A CRM data source, ingested, and the unification over it. */
    const setUp = async (base: string) => {
      const created = await ok(server, 'POST', `${base}/manage/datasources`, {
        name: 'CRM',
        kind: 'csv',
        location: 'crm.csv',
        entity: 'Crm',
        primaryKey: 'id',
        owners: ['owner@example.com'],
      });
      const job = await ok(server, 'POST', `${base}/jobs`, { operationType: 'ingestion' }, 202);
      assert.equal((await server.waitForJob(base.split('/')[3] as string, job.id)).status, 'succeeded');
      await ok(server, 'PUT', `${base}/manage/unification`, unification, 200);
      return created;
    };
    const ds = await setUp(U);
    const seg = await ok(server, 'POST', `${U}/manage/segments`, { name: 'Germany', query: "Country eq 'DE'" });
    const msr = await ok(server, 'POST', `${U}/manage/measures`, {
      name: 'Total points',
      entity: 'Customer',
      aggregation: 'sum',
      attribute: 'Points',
    });
    const sub = await ok(server, 'POST', `${U}/subscriptions`, {
      url: `${receiver.url}/hook`,
      eventTypes: ['datasource.refresh.succeeded'],
    });
    const flow = await ok(server, 'POST', `${U}/flows`, {
      name: 'Tell the team',
      enabled: true,
      trigger: { type: 'segment-threshold-crossed', segmentId: seg.id, threshold: 10 },
      steps: [
        { name: 'teams1', type: 'teams.postMessage', webhookUrl: `${receiver.url}/teams`, title: 't', text: 'x' },
      ],
    });
    await runAll(server, { mustSucceed: true });
    await runAll(server, { mustSucceed: true });
    const customer = (await ok(server, 'GET', `${U}/data/Customer?$top=1&$orderby=Points`, undefined, 200)).value[0];
    const customerId = String(customer.CustomerId);
    const second = await ok(server, 'POST', '/v1/instances', { name: 'Second' });
    await setUp(`/v1/instances/${second.id}`);
    const other = await ok(server, 'POST', `/v1/instances/${second.id}/manage/segments`, {
      name: 'Only in the second instance',
      query: "Country eq 'NL'",
    });
    Object.assign(ids, { ds: ds.id, seg: seg.id, msr: msr.id, sub: sub.id, flow: flow.id, second: second.id });
    Object.assign(ids, { otherSeg: other.id, customer: customerId });
    const event = (await ok(server, 'GET', `${U}/events`, undefined, 200)).value[0];
    views = [
      { url: '/admin/status', heading: 'System › Status', nav: 'System › Status' },
      {
        url: `/admin/status?task=ingestion%3A${ds.id}`,
        heading: 'Run history: Data source CRM',
        nav: 'System › Status',
      },
      { url: '/admin/export-destinations', heading: 'Export destinations', nav: 'Export destinations' },
      { url: '/admin/export-destinations/webhook', heading: 'Add a webhook', nav: 'Export destinations' },
      { url: '/admin/members', heading: 'Members', nav: 'Members' },
      { url: '/admin/audit', heading: 'Audit log', nav: 'Audit log' },
      { url: '/datasources', heading: 'Data sources', nav: 'Data sources' },
      { url: `/datasources/${ds.id}`, heading: 'Data source: CRM', nav: 'Data sources' },
      { url: '/unify', heading: 'Unify', nav: 'Unify' },
      { url: '/segments', heading: 'Segments', nav: 'Segments' },
      { url: '/segments/new', heading: 'New segment', nav: 'Segments' },
      { url: `/segments/${seg.id}`, heading: 'Segment: Germany', nav: 'Segments' },
      { url: '/measures', heading: 'Measures', nav: 'Measures' },
      { url: '/measures/new', heading: 'New measure', nav: 'Measures' },
      { url: `/measures/${msr.id}`, heading: 'Measure: Total points', nav: 'Measures' },
      { url: '/customers', heading: 'Customers', nav: 'Customers' },
      { url: '/customers?q=last1', heading: 'Customers', nav: 'Customers' },
      { url: `/customers/${encodeURIComponent(customerId)}`, heading: `Profile ${customerId}`, nav: 'Customers' },
      { url: '/flows', heading: 'Flows', nav: 'Flows' },
      { url: '/flows/new', heading: 'New flow', nav: 'Flows' },
      { url: `/flows/${flow.id}`, heading: 'Flow: Tell the team', nav: 'Flows' },
      { url: '/deliveries', heading: 'Deliveries', nav: 'Deliveries' },
      { url: `/deliveries?subscription=${sub.id}`, heading: `Delivery log: ${receiver.url}/hook`, nav: 'Deliveries' },
      { url: `/deliveries/events/${event.id}`, heading: `Event ${event.id}`, nav: 'Deliveries' },
    ];
    session = await signedInAt1024(server.url);
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await receiver?.close();
  });

  const heading = (name: string) => page.getByRole('heading', { name, exact: true });
  const currentNav = () => page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]');

  /** Opens a URL as typed into the address bar, and waits for the view's heading. */
  async function open(v: View): Promise<void> {
    await page.goto(server.url + v.url);
    await heading(v.heading).waitFor();
  }

  test('every page and item opens from its URL and after a reload, with the instance in the URL', async () => {
    for (const v of views) {
      await open(v);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('instance'), 'default', v.url);
      assert.equal(url.pathname, new URL(v.url, server.url).pathname, v.url);
      assert.deepEqual(await currentNav().allInnerTexts(), [v.nav], v.url);
      await page.reload();
      await heading(v.heading).waitFor();
      assert.equal(page.url(), url.href, `${v.url} after a reload`);
    }
  });

  test('back and forward return to the views visited in the app', async () => {
    await open(views[0] as View);
    await navOf(page, 'Segments').click();
    await page.getByRole('table', { name: 'Segments' }).getByRole('link', { name: 'Germany' }).click();
    await heading('Segment: Germany').waitFor();
    await navOf(page, 'Flows').click();
    await page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: 'Tell the team' }).click();
    await heading('Flow: Tell the team').waitFor();
    const trail = ['Flows', 'Segment: Germany', 'Segments', 'System › Status'];
    for (const h of trail) {
      await page.goBack();
      await heading(h).waitFor();
    }
    for (const h of trail.reverse().slice(1)) {
      await page.goForward();
      await heading(h).waitFor();
    }
    assert.equal(new URL(page.url()).pathname, `/flows`);
  });

  test('a shared link opens the same item in another browser after sign-in, in the instance it names', async () => {
    const link = `${server.url}/segments/${ids.otherSeg}?instance=${ids.second}`;
    const other = await session.browser.newPage();
    try {
      await other.goto(link);
      await other.locator('input[name="key"]').fill(adminKey);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('heading', { name: 'Segment: Only in the second instance' }).waitFor();
      assert.equal(other.url(), link);
      assert.equal(await other.getByLabel('Instance').inputValue(), ids.second);
      await other.getByRole('link', { name: '← Segments' }).click();
      const list = other.getByRole('table', { name: 'Segments' });
      await list.getByRole('link', { name: 'Only in the second instance' }).waitFor();
      assert.equal(await list.getByRole('link', { name: 'Germany' }).count(), 0);
      // Choosing another instance keeps the page and puts the instance into the URL.
      await other.getByLabel('Instance').selectOption('default');
      await list.getByRole('link', { name: 'Germany' }).waitFor();
      assert.equal(new URL(other.url()).searchParams.get('instance'), 'default');
      assert.equal(new URL(other.url()).pathname, '/segments');
    } finally {
      await other.close();
    }
  });

  test('list rows are links, reached and opened with the keyboard', async () => {
    await open(views.find((v) => v.url === '/segments') as View);
    const link = page.getByRole('table', { name: 'Segments' }).getByRole('link', { name: 'Germany' });
    assert.equal(await link.getAttribute('href'), `/segments/${ids.seg}?instance=default`);
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'Germany'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate<string>('document.activeElement?.textContent ?? ""');
    }
    assert.equal(focused, 'Germany', 'Tab reaches the row link');
    await page.keyboard.press('Enter');
    await heading('Segment: Germany').waitFor();
    assert.equal(new URL(page.url()).pathname, `/segments/${ids.seg}`);
  });

  test('every page: no serious or critical axe violation, text of 12 px or more, no sideways scroll at 1024×768', async (t) => {
    const figures: string[] = [];
    for (const v of views) {
      await open(v);
      // Let the data of the view arrive (lists, charts) before it is checked.
      await page.waitForLoadState('networkidle');
      const axe = await runAxe(page);
      figures.push(`${v.url}: ${axe.violations.length ? axe.violations.join(', ') : 'none'}`);
      assert.deepEqual(axe.serious, [], `axe on ${v.url}`);
      assert.deepEqual(await smallText(page), [], `text below 12 px on ${v.url}`);
      assert.equal(await horizontalOverflow(page), 0, `sideways scroll on ${v.url}`);
    }
    t.diagnostic(`axe: ${figures.join('; ')}`);
  });
});
