// The external base URL and the client address: a fixed public URL wins over everything; forwarded headers count
// only from trusted proxies, walked from the right past trusted hops; malformed values are ignored; an untrusted
// peer's Host never reaches a link once proxies are configured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBaseUrlResolver, createClientResolver, linkTo, type IncomingRequest } from './public-url.ts';

const request = (headers: Record<string, string>, remoteAddress = '10.0.0.5'): IncomingRequest => ({
  url: `http://${headers.host ?? 'backend:8080'}/v1/x`,
  header: (name) => headers[name],
  remoteAddress,
  localAddress: '::ffff:192.168.1.2',
  localPort: 8080,
});
const proxies = { publicUrl: undefined, trustedProxies: ['10.0.0.0/24', '172.16.0.9/32'] };

test('a public URL is the only base', () => {
  const base = createBaseUrlResolver({ publicUrl: 'https://insights.example.com/cx', trustedProxies: ['0.0.0.0/0'] });
  assert.equal(base(request({ host: 'evil', 'x-forwarded-host': 'evil' })), 'https://insights.example.com/cx');
  assert.equal(
    linkTo('https://a.example/cx', '/v1/i', { after: '7', type: undefined }),
    'https://a.example/cx/v1/i?after=7',
  );
});

test('without settings the Host header is the base', () => {
  const base = createBaseUrlResolver({ publicUrl: undefined, trustedProxies: [] });
  assert.equal(base(request({ host: 'box:8080', 'x-forwarded-proto': 'https' })), 'http://box:8080');
});

test('a trusted proxy sets scheme, host and prefix; others get the local address', () => {
  const base = createBaseUrlResolver(proxies);
  const forwarded = {
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'insights.example.com',
    'x-forwarded-prefix': '/cx/',
  };
  assert.equal(base(request(forwarded)), 'https://insights.example.com/cx');
  assert.equal(base(request({ ...forwarded, host: 'evil.example' }, '203.0.113.7')), 'http://192.168.1.2:8080');
  assert.equal(
    base(request({ forwarded: 'for=198.51.100.1;proto=https;host="insights.example.com:8443"' })),
    'https://insights.example.com:8443',
  );
  // Two trusted hops: the outer proxy's values, not what the client sent it.
  assert.equal(
    base(
      request({
        'x-forwarded-for': '6.6.6.6, 198.51.100.1, 172.16.0.9',
        'x-forwarded-host': 'forged.example, insights.example.com, inner.local',
        'x-forwarded-proto': 'http, https, http',
      }),
    ),
    'https://insights.example.com',
  );
  // Malformed values are ignored.
  assert.equal(
    base(
      request({
        host: 'backend:8080',
        'x-forwarded-host': 'a b/c',
        'x-forwarded-proto': 'gopher',
        'x-forwarded-prefix': '/../"x',
      }),
    ),
    'http://backend:8080',
  );
});

test('the client address comes from a trusted proxy chain, else the peer', () => {
  const client = createClientResolver(proxies);
  assert.equal(client(request({ 'x-forwarded-for': '6.6.6.6, 198.51.100.1, 172.16.0.9' })), '198.51.100.1');
  assert.equal(client(request({ forwarded: 'for=198.51.100.2' })), '198.51.100.2');
  assert.equal(client(request({ 'x-forwarded-for': '1.2.3.4' }, '203.0.113.7')), '203.0.113.7');
  assert.equal(client(request({})), '10.0.0.5');
});
