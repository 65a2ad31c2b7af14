// Data sources that are web APIs, against a real HTTP server on loopback: JSON arrays, rows under a field, NDJSON,
// the three ways of paging, retries on 429/5xx with Retry-After, authentication headers kept secret, limits, the
// target policy, and incremental refresh filtered after reading.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/runtime.ts';

const base = '/v1/instances/default/manage/datasources';
const token = 'Bearer api-token-0123456789';

/** The API under test: routes answer from `pages`; every request is recorded. */
let api: http.Server;
let apiUrl = '';
const seen: Array<{ url: string; authorization: string | undefined }> = [];
let flaky = 0;
let release: () => void = () => undefined;
const releaseHeld = new Promise<void>((r) => (release = r));
let people = [
  { id: 1, name: 'Ann', updated: 1 },
  { id: 2, name: 'Bob', updated: 2 },
  { id: 3, name: 'Cy', updated: 3 },
];

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', apiUrl);
  seen.push({ url: url.pathname + url.search, authorization: req.headers.authorization });
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  switch (url.pathname) {
    case '/array':
      return json(200, people);
    case '/held':
      // The second page waits until the test has seen the first page's rows as the task's progress.
      if (url.searchParams.get('page') !== '2') return json(200, { value: people, next: `${apiUrl}/held?page=2` });
      void releaseHeld.then(() => json(200, { value: [{ id: 9, name: 'Zed', updated: 9 }], next: null }));
      return;
    case '/secure':
      return req.headers.authorization === token ? json(200, people) : json(401, { error: 'no' });
    case '/odata': {
      const page = Number(url.searchParams.get('page') ?? '1');
      const rows = people.slice(page - 1, page);
      return json(200, {
        value: rows,
        ...(page < people.length ? { '@odata.nextLink': `${apiUrl}/odata?page=${page + 1}` } : {}),
      });
    }
    case '/linked': {
      const page = Number(url.searchParams.get('page') ?? '1');
      const headers: Record<string, string> =
        page < people.length ? { link: `</linked?page=${page + 1}>; rel="next", </linked?page=1>; rel="first"` } : {};
      return json(200, people.slice(page - 1, page), headers);
    }
    case '/cursor': {
      const after = Number(url.searchParams.get('after') ?? '0');
      const rows = people.filter((p) => p.id > after).slice(0, 2);
      return json(200, { data: rows, next: rows.length ? rows[rows.length - 1]!.id : null });
    }
    case '/ndjson':
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      return void res.end(people.map((p) => JSON.stringify(p)).join('\n') + '\n');
    case '/flaky':
      flaky++;
      if (flaky === 1) return json(429, { error: 'slow down' }, { 'retry-after': '0' });
      if (flaky === 2) return json(503, { error: 'busy' });
      return json(200, people);
    case '/down':
      return json(503, { error: 'down' }, { 'retry-after': '0' });
    case '/endless':
      return json(200, { value: [{ id: Math.random() }], next: `/endless?x=${Math.random()}` });
    case '/object':
      return json(200, { items: people });
    default:
      return json(404, { error: 'not found' });
  }
}

before(async () => {
  api = http.createServer(handle);
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as import('node:net').AddressInfo).port}`;
});
after(() => api.close());

async function refresh(s: TestServer, id: string, body?: unknown): Promise<any> {
  const r = await s.call('POST', `${base}/${id}/refresh`, body === undefined ? {} : { body });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const job = await s.waitForJob('default', r.body.id);
  return (job.tasks as any[]).find((t) => t.operationType === 'ingestion');
}

async function ingest(s: TestServer, name: string, path: string, options: Record<string, unknown> = {}) {
  const r = await s.call('POST', base, {
    body: { name, kind: 'http', location: `${apiUrl}${path}`, primaryKey: 'id', options },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const task = await refresh(s, r.body.id);
  return { id: r.body.id as string, task };
}

describe('http data sources', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
  });
  after(() => s.stop());

  test('JSON arrays, rows under a field, NDJSON and three kinds of paging give the same rows', async () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['Array', '/array', {}],
      ['Ndjson', '/ndjson', {}],
      ['Odata', '/odata', { rowsPath: 'value', nextPath: '@odata.nextLink' }],
      ['Linked', '/linked', {}],
      ['Cursor', '/cursor', { rowsPath: 'data', cursorParam: 'after', cursorPath: 'next' }],
    ];
    for (const [name, path, options] of cases) {
      const { task } = await ingest(s, name, path, options);
      assert.equal(task.status, 'succeeded', `${name}: ${JSON.stringify(task.error)}`);
      const rows = await s.readEntity('default', name, 'id');
      assert.deepEqual(
        rows.map((r) => [r.id, r.name]),
        [
          [1n, 'Ann'],
          [2n, 'Bob'],
          [3n, 'Cy'],
        ],
        name,
      );
    }
    assert.ok(seen.some((r) => r.url === '/odata?page=3'));
    assert.ok(seen.some((r) => r.url === '/linked?page=3'));
    assert.ok(seen.some((r) => r.url === '/cursor?after=2'));
  });

  test('429 and 5xx answers are retried, honouring Retry-After; a source that stays down fails the task', async () => {
    flaky = 0;
    const { task } = await ingest(s, 'Flaky', '/flaky');
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.equal(flaky, 3);
    const down = await ingest(s, 'Down', '/down', { retries: 1 });
    assert.equal(down.task.status, 'failed');
    assert.equal(down.task.error.code, 'Unreachable');
  });

  test('header values are stored encrypted, answered as ***, sent to the API, and kept by ***', async () => {
    const r = await s.call('POST', base, {
      body: {
        name: 'Secure',
        kind: 'http',
        location: `${apiUrl}/secure`,
        options: { headers: { Authorization: token } },
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.options.headers, { Authorization: '***' });
    const stored = await s.runtime.services.db.get<{ options: string }>(
      'SELECT options FROM data_sources WHERE id = ?',
      [r.body.id],
    );
    assert.ok(!stored!.options.includes('api-token'), 'not stored in clear');
    assert.equal((await refresh(s, r.body.id)).status, 'succeeded');
    assert.equal(seen.at(-1)!.authorization, token);
    const patched = await s.call('PATCH', `${base}/${r.body.id}`, {
      body: { options: { headers: { authorization: '***' }, maxPages: 5 } },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await refresh(s, r.body.id)).status, 'succeeded');
    const test401 = await s.call('POST', `${base}/test`, {
      body: {
        name: 'X',
        kind: 'http',
        location: `${apiUrl}/secure`,
        options: { headers: { Authorization: 'Bearer wrong' } },
      },
    });
    assert.equal(test401.status, 400);
    assert.equal(test401.body.error.code, 'BadCredentials');
    assert.ok(!JSON.stringify(test401.body).includes('wrong'));
  });

  test('limits: maxPages, maxBytes, an object without rowsPath, a missing path', async () => {
    const endless = await ingest(s, 'Endless', '/endless', { rowsPath: 'value', nextPath: 'next', maxPages: 3 });
    assert.equal(endless.task.status, 'failed');
    assert.match(endless.task.error.message, /maxPages/);
    const big = await ingest(s, 'Big', '/array', { maxBytes: 10 });
    assert.equal(big.task.status, 'failed');
    assert.match(big.task.error.message, /maxBytes/);
    const object = await ingest(s, 'Object', '/object');
    assert.equal(object.task.status, 'failed');
    assert.match(object.task.error.message, /rowsPath/);
    const missing = await s.call('POST', `${base}/test`, {
      body: { name: 'X', kind: 'http', location: `${apiUrl}/nothing-here` },
    });
    assert.equal(missing.body.error.code, 'MissingTable');
  });

  test('the test endpoint answers the columns and rows of the first page', async () => {
    const r = await s.call('POST', `${base}/test`, {
      body: {
        name: 'X',
        kind: 'http',
        location: `${apiUrl}/odata`,
        options: { rowsPath: 'value', nextPath: '@odata.nextLink' },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.columns, [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'string' },
      { name: 'updated', type: 'integer' },
    ]);
    assert.deepEqual(r.body.rows, [{ id: 1, name: 'Ann', updated: 1 }]);
  });

  test('incremental: rows above the mark are upserted by key; full reloads', async () => {
    const { id, task } = await ingest(s, 'Incremental', '/array', { incremental: { column: 'updated' } });
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    people = [
      ...people.filter((p) => p.id !== 2),
      { id: 2, name: 'Bobby', updated: 4 },
      { id: 4, name: 'Dee', updated: 5 },
    ];
    const second = await refresh(s, id);
    assert.equal(second.status, 'succeeded', JSON.stringify(second.error));
    assert.deepEqual([second.stats.rowsRead, second.stats.rowsUpserted, second.stats.rowsIngested], [4, 2, 4]);
    const rows = await s.readEntity('default', 'Incremental', 'id');
    assert.deepEqual(
      rows.map((r) => r.name),
      ['Ann', 'Bobby', 'Cy', 'Dee'],
    );
    assert.equal((await s.call('GET', `${base}/${id}`)).body.highWaterMark, '5');
  });
});

describe('http data source targets', () => {
  test('loopback, private and metadata URLs are refused unless allowed; so are other schemes and credentials', async () => {
    const s = await startTestServer();
    try {
      for (const location of [
        'http://127.0.0.1:8080/x',
        'http://localhost/x',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/x',
        'http://10.0.0.1/x',
      ]) {
        const r = await s.call('POST', base, { body: { name: 'T', kind: 'http', location } });
        assert.equal(r.status, 400, location);
        assert.equal(r.body.error.code, 'TargetRefused', location);
      }
      for (const location of ['file:///etc/passwd', 'gopher://example.com/', 'https://user:pw@example.com/']) {
        const r = await s.call('POST', base, { body: { name: 'T', kind: 'http', location } });
        assert.equal(r.status, 400, location);
      }
    } finally {
      await s.stop();
    }
  });
  test('a running refresh tells the rows read so far in its task', async () => {
    const s = await startTestServer({ env: { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' } });
    after(() => s.stop());
    const r = await s.call('POST', base, {
      body: {
        name: 'Held',
        kind: 'http',
        location: `${apiUrl}/held`,
        primaryKey: 'id',
        options: { rowsPath: 'value', nextPath: 'next' },
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const job = await s.call('POST', `${base}/${r.body.id}/refresh`);
    assert.equal(job.status, 202, JSON.stringify(job.body));
    let seenRunning: any;
    for (let i = 0; i < 2000 && !seenRunning; i++) {
      const j = (await s.call('GET', `/v1/instances/default/jobs/${job.body.id}`)).body;
      const t = j.tasks.find((x: any) => x.operationType === 'ingestion');
      if (t.status === 'running' && t.stats?.rowsRead === people.length) seenRunning = t;
      else await new Promise((res) => setTimeout(res, 10));
    }
    release();
    assert.ok(seenRunning, 'the running task told its rows read');
    const done = await s.waitForJob('default', job.body.id);
    const t = (done.tasks as any[]).find((x) => x.operationType === 'ingestion');
    assert.equal(t.status, 'succeeded');
    assert.equal(t.stats.rowsRead, people.length + 1);
  });
});
