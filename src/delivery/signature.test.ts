import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { generateSecret, sign, webhookHeaders } from './signature.ts';

const asSvix = (h: Record<string, string>) => ({
  'svix-id': h['webhook-id'] as string,
  'svix-timestamp': h['webhook-timestamp'] as string,
  'svix-signature': h['webhook-signature'] as string,
});

test('the Standard Webhooks reference vector', () => {
  const signature = sign({
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  });
  assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

test('secrets are whsec_ and 24 random bytes', () => {
  const a = generateSecret();
  assert.match(a, /^whsec_[A-Za-z0-9+/]{32}$/);
  assert.equal(Buffer.from(a.slice(6), 'base64').length, 24);
  assert.notEqual(a, generateSecret());
});

test('standardwebhooks and svix verify, with either secret during a rotation', () => {
  const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
  const body = JSON.stringify({ id: 'evt_1', type: 'datasource.refresh.failed', data: { owners: ['a@x.com'] } });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders({ id: 'evt_1', timestamp, body, secrets: [newSecret, oldSecret] });
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(headers['webhook-id'], 'evt_1');
  assert.equal(headers['webhook-timestamp'], String(timestamp));
  assert.equal(headers['webhook-signature']?.split(' ').length, 2);
  for (const secret of [oldSecret, newSecret]) {
    assert.deepEqual(new StandardWebhook(secret).verify(body, headers), JSON.parse(body));
    assert.deepEqual(new SvixWebhook(secret).verify(body, asSvix(headers)), JSON.parse(body));
  }
});

test('tampering and a wrong secret fail verification', () => {
  const secret = generateSecret();
  const body = '{"id":"evt_1","data":{"x":1}}';
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders({ id: 'evt_1', timestamp, body, secrets: [secret] });
  const tampered: Array<[string, string, Record<string, string>]> = [
    ['body', body.replace('1}', '2}'), headers],
    ['id', body, { ...headers, 'webhook-id': 'evt_2' }],
    ['timestamp', body, { ...headers, 'webhook-timestamp': String(timestamp - 1) }],
  ];
  for (const [what, b, h] of tampered) {
    assert.throws(() => new StandardWebhook(secret).verify(b, h), Error, what);
    assert.throws(() => new SvixWebhook(secret).verify(b, asSvix(h)), Error, what);
  }
  assert.throws(() => new StandardWebhook(generateSecret()).verify(body, headers));
  assert.throws(() => new SvixWebhook(generateSecret()).verify(body, asSvix(headers)));
});

test('signing without a secret is refused', () => {
  assert.throws(() => sign({ id: 'evt_1', timestamp: 1, body: '{}', secrets: [] }), /at least one secret/);
});
