import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from './errors.ts';
import {
  type AddressClass,
  checkTargetUrl,
  classifyAddress,
  isAddressAllowed,
  parseAllowedTargets,
} from './address-policy.ts';

test('classifyAddress', () => {
  const cases: Array<[string, AddressClass]> = [
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'cgnat'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::', 'reserved'],
  ];
  for (const [ip, cls] of cases) assert.equal(classifyAddress(ip), cls, ip);
});

test('parseAllowedTargets reads CIDRs and bare addresses, and names a bad item', () => {
  assert.deepEqual(parseAllowedTargets(''), []);
  const list = parseAllowedTargets(' 127.0.0.0/8, ::1 ,10.0.0.0/8,::ffff:192.168.0.0/112');
  assert.deepEqual(
    list.map(([net, bits]) => `${net.toString()}/${bits}`),
    ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '192.168.0.0/16'],
  );
  assert.deepEqual(
    parseAllowedTargets(['192.168.1.5']).map(([n, b]) => `${n.toString()}/${b}`),
    ['192.168.1.5/32'],
  );
  for (const bad of ['10.0.0.0/99', 'example.com', '10.0.0/8x', '1.2.3.4/']) {
    assert.throws(
      () => parseAllowedTargets(`127.0.0.1, ${bad}`),
      new RegExp(`"${bad.replace(/\./g, '\\.')}" is not a CIDR`),
    );
  }
});

test('isAddressAllowed: public always, others only inside the allow-list', () => {
  const none = parseAllowedTargets('');
  const loop = parseAllowedTargets('127.0.0.0/8, ::1');
  const cases: Array<[string, typeof none, boolean]> = [
    ['8.8.8.8', none, true],
    ['127.0.0.1', none, false],
    ['::1', none, false],
    ['169.254.169.254', none, false],
    ['127.0.0.1', loop, true],
    ['127.9.9.9', loop, true],
    ['::ffff:127.0.0.1', loop, true],
    ['::1', loop, true],
    ['10.0.0.1', loop, false],
    ['169.254.169.254', parseAllowedTargets('169.254.169.254'), true],
  ];
  for (const [ip, list, want] of cases) assert.equal(isAddressAllowed(ip, list), want, ip);
});

test('checkTargetUrl refuses schemes, credentials and literal refused hosts, however spelled', () => {
  const none = parseAllowedTargets('');
  const refused = [
    'http://127.0.0.1/x',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::1]:8080/',
    'http://[64:ff9b::127.0.0.1]/',
    'http://0/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://100.64.1.1/',
    'http://localhost/',
    'http://LOCALHOST:9/',
    'http://localhost./',
    'http://api.localhost/',
    'ftp://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://user:pw@example.com/',
    'https://user@example.com/',
  ];
  for (const url of refused) {
    assert.throws(
      () => checkTargetUrl(url, none),
      (e: unknown) => e instanceof AppError && e.code === 'TargetRefused',
      url,
    );
  }
  assert.throws(
    () => checkTargetUrl('not a url', none),
    (e: unknown) => e instanceof AppError && e.code === 'ValidationFailed',
  );
  assert.throws(() => checkTargetUrl('http://10.0.0.1/', none), /10\.0\.0\.1 is private.*INSIGHTFLOW_ALLOWED_TARGETS/);
});

test('checkTargetUrl accepts public and allowed targets', () => {
  const none = parseAllowedTargets('');
  const loop = parseAllowedTargets('127.0.0.0/8, ::1');
  assert.equal(checkTargetUrl('https://example.com/hook', none).hostname, 'example.com');
  assert.equal(checkTargetUrl('http://8.8.8.8/', none).hostname, '8.8.8.8');
  assert.equal(checkTargetUrl('http://127.0.0.1:9/x', loop).port, '9');
  assert.equal(checkTargetUrl('http://2130706433/', loop).hostname, '127.0.0.1');
  assert.equal(checkTargetUrl('http://localhost:8080/', loop).hostname, 'localhost');
  assert.equal(checkTargetUrl('http://[::1]/', loop).hostname, '[::1]');
});
