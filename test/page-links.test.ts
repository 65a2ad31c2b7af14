// Signed page links (SPEC §5.2) against a real server: a walk of more than ten pages by @odata.nextLink without the
// API key returns every row exactly once and counts against the connection's rate limit; altered, expired,
// cross-entity, other-query and other-connection tokens answer 400 InvalidSkipToken; a deleted connection's links
// answer 401; a snapshot published mid-walk ends the walk clearly (ADR 0007); $skip keeps working.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Clock } from '../src/core/clock.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const I = '/v1/instances/default';
const total = 1234;
const orders = ['order_id,city', ...Array.from({ length: total }, (_, i) => `${i + 1},${['Oslo', 'Lima'][i % 2]}`)];

const offsetClock = (): Clock & { advance(ms: number): void } => {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
};

async function refresh(s: TestServer, id: string): Promise<void> {
  const job = await s.call('POST', `${I}/manage/datasources/${id}/refresh`);
  assert.equal((await s.waitForJob('default', job.body.id)).status, 'succeeded');
}

async function source(s: TestServer, name: string, lines: string[]): Promise<string> {
  s.importFile(`${name}.csv`, lines.join('\n'));
  const ds = await s.call('POST', `${I}/manage/datasources`, {
    body: { name, kind: 'csv', location: `${name}.csv`, entity: name, primaryKey: 'order_id' },
  });
  assert.equal(ds.status, 201, JSON.stringify(ds.body));
  await refresh(s, ds.body.id);
  return ds.body.id;
}

const pathOf = (s: TestServer, link: string): string => {
  assert.ok(link.startsWith(`${s.url}/`), link);
  return link.slice(s.url.length);
};

describe('signed page links', () => {
  const clock = offsetClock();
  let s: TestServer;
  let ordersId: string;
  let viewer: { id: string; key: string };

  before(async () => {
    s = await startTestServer({ clock, env: { INSIGHTFLOW_PAGE_LINK_TTL: '10m' } });
    ordersId = await source(s, 'Orders', orders);
    await source(s, 'Returns', orders.slice(0, 300));
    viewer = (await s.call('POST', `${I}/connections`, { body: { name: 'flow', role: 'viewer' } })).body;
  });
  after(() => s.stop());

  const first = async (query: string, key = viewer.key) => {
    const r = await s.call('GET', `${I}/data/Orders?${query}`, { key });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const follow = (link: string, key: string | null = null) => s.call('GET', pathOf(s, link), { key });

  test('a walk of more than ten pages without the key returns every row exactly once', async () => {
    const ids: number[] = [];
    let body = await first('$top=100&$select=order_id');
    let pages = 1;
    ids.push(...body.value.map((r: any) => r.order_id));
    while (body['@odata.nextLink'] && pages < 100) {
      const r = await follow(body['@odata.nextLink']);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      body = r.body;
      pages++;
      ids.push(...body.value.map((r: any) => r.order_id));
    }
    assert.equal(pages, Math.ceil(total / 100));
    assert.ok(pages > 10);
    assert.equal(ids.length, total);
    assert.deepEqual(
      ids,
      Array.from({ length: total }, (_, i) => i + 1),
    );
  });

  test('a keyless read counts against its connection and answers 429 past the limit', async () => {
    const limited = (
      await s.call('POST', `${I}/connections`, { body: { name: 'limited', role: 'viewer', rateLimit: 3 } })
    ).body;
    const body = await first('$top=10', limited.key);
    const second = await follow(body['@odata.nextLink']);
    assert.equal(second.status, 200);
    assert.match(second.headers.get('ratelimit') ?? '', /r=1/);
    const third = await follow(second.body['@odata.nextLink']);
    assert.equal(third.status, 200);
    const fourth = await follow(third.body['@odata.nextLink']);
    assert.equal(fourth.status, 429);
    assert.equal(fourth.body.error.code, 'TooManyRequests');
  });

  test('altered, expired, re-targeted and other-connection tokens answer 400 InvalidSkipToken', async () => {
    const body = await first('$top=50&$filter=' + encodeURIComponent("city eq 'Oslo'"));
    const link = new URL(body['@odata.nextLink']);
    const token = link.searchParams.get('$skiptoken') as string;
    const invalid = async (path: string, key: string | null, why: RegExp) => {
      const r = await s.call('GET', path, { key });
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'InvalidSkipToken');
      assert.match(r.body.error.message, why);
    };
    const withToken = (path: string, t: string) => `${path}${path.includes('?') ? '&' : '?'}$skiptoken=${t}`;
    const [payload, mac] = token.split('.') as [string, string];
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    claim[5] = Date.now() + 1e9; // a later expiry
    const forged = `${Buffer.from(JSON.stringify(claim)).toString('base64url')}.${mac}`;
    const filter = `$top=50&$filter=${encodeURIComponent("city eq 'Oslo'")}`;
    await invalid(withToken(`${I}/data/Orders?${filter}`, forged), null, /altered/);
    await invalid(withToken(`${I}/data/Orders?${filter}`, `${payload}.${mac.slice(1)}x`), null, /altered/);
    await invalid(withToken(`${I}/data/Orders?${filter}`, 'garbage'), null, /not a token/);
    await invalid(withToken(`${I}/data/Returns?${filter}`, token), null, /Orders, not of Returns/);
    await invalid(withToken(`${I}/data/Orders?$top=50`, token), null, /other query options/);
    await invalid(withToken(`${I}/data/Orders?${filter.replace('50', '60')}`, token), viewer.key, /other query/);
    await invalid(withToken(`${I}/data/Orders?${filter}&$skip=5`, token), null, /other query options/);
    const other = (await s.call('POST', `${I}/connections`, { body: { name: 'other', role: 'viewer' } })).body;
    await invalid(withToken(`${I}/data/Orders?${filter}`, token), other.key, /another connection/);
    assert.equal((await follow(link.toString())).status, 200);
    clock.advance(10 * 60_000 + 1);
    await invalid(pathOf(s, link.toString()), null, /expired/);
  });

  test("a deleted connection's links answer 401", async () => {
    const c = (await s.call('POST', `${I}/connections`, { body: { name: 'gone', role: 'viewer' } })).body;
    const body = await first('$top=10', c.key);
    assert.equal((await s.call('DELETE', `${I}/connections/${c.id}`)).status, 204);
    const r = await follow(body['@odata.nextLink']);
    assert.equal(r.status, 401);
    assert.match(r.body.error.message, /deleted/);
  });

  test('a snapshot published mid-walk ends the walk with a clear 400; a new walk reads the new snapshot', async () => {
    const body = await first('$top=100');
    await refresh(s, ordersId);
    const r = await follow(body['@odata.nextLink']);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'InvalidSkipToken');
    assert.match(r.body.error.message, /republished .* start again from the first page/);
    const again = await first('$top=100');
    assert.equal((await follow(again['@odata.nextLink'])).status, 200);
  });

  test('$skip keeps working, and its next link continues after the skipped rows', async () => {
    const body = await first('$skip=200&$top=100&$select=order_id');
    assert.equal(body.value[0].order_id, 201);
    assert.ok(!body['@odata.nextLink'].includes('$skip='));
    const next = await follow(body['@odata.nextLink']);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.value[0].order_id, 301);
  });
});
