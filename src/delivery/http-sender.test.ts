import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseAllowedTargets } from '../core/address-policy.ts';
import { createHttpSender } from './http-sender.ts';

interface Receiver {
  server: Server;
  url: string;
  received: string[];
  connections: () => number;
  close: () => Promise<void>;
}

async function startReceiver(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: string[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(`${req.method} ${req.url} ${body}`);
      handle(req, res, body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } satisfies Receiver;
}

const loopback = parseAllowedTargets('127.0.0.0/8, ::1');

describe('http sender against a loopback receiver', () => {
  let r: Receiver;
  const sender = createHttpSender({ allowList: loopback });
  const strict = createHttpSender({ allowList: parseAllowedTargets('') });
  before(async () => {
    r = await startReceiver((req, res, body) => {
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      else if (req.url === '/big') res.writeHead(200).end('é'.repeat(50_000));
      else if (req.url === '/huge') res.writeHead(200).end('x'.repeat(1_000_000));
      else if (req.url === '/busy') res.writeHead(503, { 'retry-after': '30' }).end('later');
      else if (req.url === '/stall-body') res.writeHead(200).write('partial');
      else if (req.url === '/never') return;
      else {
        res.writeHead(201, { 'x-test': 'yes', 'set-cookie': ['a=1', 'b=2'] });
        res.end(`got ${req.headers['content-type']} ${body}`);
      }
    });
  });
  after(async () => {
    await sender.close();
    await strict.close();
    await r.close();
  });

  test('posts the body and headers, returns status, headers and body', async () => {
    const res = await sender({
      method: 'POST',
      url: `${r.url}/hook`,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.error, null);
    assert.equal(res.body, 'got application/json {"a":1}');
    assert.equal(res.headers['x-test'], 'yes');
    assert.equal(res.headers['set-cookie'], 'a=1, b=2');
    assert.ok(res.latencyMs >= 0);
    assert.ok(r.received.includes('POST /hook {"a":1}'));
  });

  test('a non-2xx answer is a result, with its headers', async () => {
    const res = await sender({ method: 'POST', url: `${r.url}/busy`, headers: {}, body: 'x' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.error, null);
    assert.equal(res.headers['retry-after'], '30');
    assert.equal(res.body, 'later');
  });

  test('a redirect is not followed', async () => {
    const before = r.received.length;
    const res = await sender({ method: 'POST', url: `${r.url}/redirect`, headers: {}, body: '' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.error?.code, 'Redirect');
    assert.match(res.error?.message ?? '', /127\.0\.0\.1:1\/elsewhere not followed/);
    assert.equal(r.received.length, before + 1);
  });

  test('keeps the first 4 KiB of a body, and the connection survives long bodies', async () => {
    for (const path of ['/big', '/huge', '/big']) {
      const res = await sender({ method: 'GET', url: `${r.url}${path}`, headers: {} });
      assert.equal(res.statusCode, 200, path);
      assert.equal(res.error, null, path);
      assert.equal(Buffer.byteLength(res.body), 4096, path);
    }
  });

  test('a body that stalls after the headers times out but keeps the status', async () => {
    const res = await sender({ method: 'GET', url: `${r.url}/stall-body`, headers: {}, responseTimeoutMs: 100 });
    assert.equal(res.statusCode, 200);
    assert.equal(res.error?.code, 'Timeout');
    assert.equal(res.body, 'partial');
  });

  test('a receiver that never answers times out', async () => {
    const res = await sender({ method: 'POST', url: `${r.url}/never`, headers: {}, body: 'x', responseTimeoutMs: 100 });
    assert.equal(res.statusCode, null);
    assert.equal(res.error?.code, 'Timeout');
  });

  test('sequential requests reuse one kept-alive connection', async () => {
    const own = await startReceiver((_req, res) => res.end('ok'));
    const s = createHttpSender({ allowList: loopback });
    try {
      for (let i = 0; i < 50; i++) {
        const res = await s({ method: 'POST', url: `${own.url}/n`, headers: {}, body: String(i) });
        assert.equal(res.statusCode, 200);
      }
      // undici's pool opens a second connection for the second request, then reuses them.
      assert.ok(own.connections() <= 2, `${own.connections()} connections for 50 requests`);
    } finally {
      await s.close();
      await own.close();
    }
  });

  test('a literal loopback address is refused unless allowed, without connecting', async () => {
    const before = r.received.length;
    for (const url of [`${r.url}/hook`, r.url.replace('127.0.0.1', '[::ffff:127.0.0.1]')]) {
      const res = await strict({ method: 'POST', url, headers: {}, body: '' });
      assert.equal(res.statusCode, null, url);
      assert.equal(res.error?.code, 'TargetRefused', url);
      assert.match(res.error?.message ?? '', /loopback/);
    }
    assert.equal(r.received.length, before);
  });

  test('a host name resolving to loopback is refused at connect time by default, allowed when listed', async () => {
    const byName = r.url.replace('127.0.0.1', 'localhost') + '/named';
    const before = r.received.length;
    const refused = await strict({ method: 'POST', url: byName, headers: {}, body: '' });
    assert.equal(refused.error?.code, 'TargetRefused');
    assert.match(refused.error?.message ?? '', /localhost resolves to .* \(loopback\)/);
    assert.equal(r.received.length, before);
    const allowed = await sender({ method: 'POST', url: byName, headers: {}, body: 'hi' });
    assert.equal(allowed.statusCode, 201);
    assert.ok(r.received.includes('POST /named hi'));
  });

  test('bad URLs and requests are results, not exceptions', async () => {
    const cases: Array<[string, string]> = [
      ['not a url', 'InvalidUrl'],
      ['ftp://127.0.0.1/', 'InvalidUrl'],
      [`${r.url.replace('http://', 'http://u:p@')}/`, 'InvalidUrl'],
    ];
    for (const [url, code] of cases) {
      const res = await sender({ method: 'GET', url, headers: {} });
      assert.equal(res.error?.code, code, url);
    }
    const badHeader = await sender({ method: 'GET', url: r.url, headers: { 'x-bad': 'a\r\nb' } });
    assert.equal(badHeader.statusCode, null);
    assert.equal(badHeader.error?.code, 'InvalidRequest');
  });

  test('a closed port is a connection failure', async () => {
    const gone = await startReceiver((_req, res) => res.end());
    await gone.close();
    const res = await sender({ method: 'POST', url: gone.url, headers: {}, body: '' });
    assert.equal(res.statusCode, null);
    assert.equal(res.error?.code, 'ConnectionFailed');
    assert.match(res.error?.message ?? '', /ECONNREFUSED/);
  });
});
