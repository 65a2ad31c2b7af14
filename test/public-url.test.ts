// Every absolute URL the server emits comes from one base (src/core/public-url.ts): behind a real TLS-terminating
// proxy (self-signed certificate made in the test, a path prefix) each link is https://<proxy host>/<prefix>/…
// and works when followed through the proxy; a client that is not a trusted proxy cannot steer links with a forged
// Host or X-Forwarded-* header; with INSIGHTFLOW_PUBLIC_URL set, links use it whatever the request says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/runtime.ts';
import { httpsCall, startTlsProxy, type TlsProxy } from './support/tls.ts';

const I = '/v1/instances/default';
const people = ['id,name', ...Array.from({ length: 250 }, (_, i) => `${i + 1},p${i + 1}`)].join('\n');
const forged = {
  host: 'evil.example',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-prefix': '/phish',
  forwarded: 'for=1.2.3.4;proto=https;host=evil.example',
};

async function seed(s: TestServer): Promise<void> {
  s.importFile('people.csv', people);
  const ds = await s.call('POST', `${I}/manage/datasources`, {
    body: { name: 'People', kind: 'csv', location: 'people.csv', entity: 'People', primaryKey: 'id' },
  });
  assert.equal(ds.status, 201, JSON.stringify(ds.body));
  const job = await s.call('POST', `${I}/manage/datasources/${ds.body.id}/refresh`);
  assert.equal((await s.waitForJob('default', job.body.id)).status, 'succeeded');
}

/** Every link a client meets, gathered by calling `call` (a path of the API → reply). */
async function emittedLinks(
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; headers: any; body: any }>,
): Promise<Record<string, string>> {
  const header = (h: any, name: string): string => (typeof h.get === 'function' ? h.get(name) : h[name]);
  const swagger = (await call('GET', '/v1/connector/swagger.json')).body;
  const openapi = (await call('GET', '/v1/openapi.json')).body;
  const conn = await call('POST', `${I}/connections`, { name: 'links', role: 'viewer' });
  const sub = await call('POST', `${I}/triggers/unification-completed/subscriptions`, {
    callbackUrl: 'https://flows.example.com/callback',
  });
  const job = await call('POST', `${I}/jobs`, { operationType: 'unification' });
  const page = await call('GET', `${I}/data/People?$top=100`);
  const parts = await call('GET', `${I}/manage/entities/People/partitions`);
  const poll = await call('GET', `${I}/events`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return {
    connector: `${swagger.schemes[0]}://${swagger.host}${swagger.basePath === '/' ? '' : swagger.basePath}/`,
    openapi: `${openapi.servers[0].url}/`,
    connectionLocation: header(conn.headers, 'location') ?? `(${conn.status})`,
    subscriptionLocation: header(sub.headers, 'location'),
    jobLocation: header(job.headers, 'location'),
    context: page.body['@odata.context'],
    nextLink: page.body['@odata.nextLink'],
    partition: parts.body.value[0].url,
    poll: header(poll.headers, 'location'),
  };
}

describe('links behind a TLS-terminating proxy', () => {
  let s: TestServer;
  let proxy: TlsProxy;
  before(async () => {
    // Only the proxy's address (it connects from 127.0.0.2) is trusted; a direct client on 127.0.0.1 is not.
    s = await startTestServer({ env: { INSIGHTFLOW_TRUSTED_PROXIES: '127.0.0.2/32' } });
    await seed(s);
    proxy = await startTlsProxy({ upstream: s.url, prefix: '/insights', localAddress: '127.0.0.2' });
  });
  after(async () => {
    await proxy.close();
    await s.stop();
  });

  const viaProxy = (method: string, path: string, body?: unknown) =>
    httpsCall(`${proxy.url}${path}`, {
      ca: proxy.cert,
      method,
      headers: { authorization: 'Bearer test-system-admin-key-0123456789' },
      ...(body === undefined ? {} : { body }),
    });

  test('every emitted link is https under the proxy host and prefix, and works through it', async () => {
    const links = await emittedLinks(viaProxy);
    for (const [what, link] of Object.entries(links))
      assert.ok(link.startsWith(`${proxy.url}/`), `${what}: ${link} is not under ${proxy.url}/`);
    const swagger = (await viaProxy('GET', '/v1/connector/swagger.json')).body;
    assert.equal(swagger.basePath, '/insights');
    assert.deepEqual(swagger.schemes, ['https']);
    const next = await httpsCall(links.nextLink as string, {
      ca: proxy.cert,
      headers: { authorization: 'Bearer test-system-admin-key-0123456789' },
    });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.value[0].id, 101);
    const file = await httpsCall(links.partition as string, { ca: proxy.cert });
    assert.equal(file.status, 200);
    const poll = await httpsCall(links.poll as string, {
      ca: proxy.cert,
      headers: { authorization: 'Bearer test-system-admin-key-0123456789' },
    });
    assert.ok([200, 202].includes(poll.status));
  });

  test('a client that is not a trusted proxy cannot steer links with Host or forwarded headers', async () => {
    const direct = (method: string, path: string, body?: unknown) =>
      s.call(method, path, { headers: forged, ...(body === undefined ? {} : { body }) });
    const links = await emittedLinks(direct);
    for (const [what, link] of Object.entries(links)) {
      assert.ok(link.startsWith(`${s.url}/`), `${what}: ${link} is not under ${s.url}/`);
      assert.ok(!link.includes('evil') && !link.includes('phish'), `${what}: ${link}`);
    }
  });
});

test('INSIGHTFLOW_PUBLIC_URL is the only source of links, whatever the request says', async () => {
  const publicUrl = 'https://insights.example.com/cx';
  const s = await startTestServer({
    env: { INSIGHTFLOW_PUBLIC_URL: `${publicUrl}/`, INSIGHTFLOW_TRUSTED_PROXIES: '127.0.0.0/8' },
  });
  try {
    await seed(s);
    const links = await emittedLinks((method, path, body) =>
      s.call(method, path, { headers: forged, ...(body === undefined ? {} : { body }) }),
    );
    for (const [what, link] of Object.entries(links))
      assert.ok(link.startsWith(`${publicUrl}/`), `${what}: ${link} is not under ${publicUrl}/`);
  } finally {
    await s.stop();
  }
});
