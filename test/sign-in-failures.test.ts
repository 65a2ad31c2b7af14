// Sign-in that does not go through, against a real OpenID Connect provider: tampered, replayed and foreign
// callbacks and a wrong nonce are 400 pages; denied consent and a member of nothing get pages that say so; an
// unreachable issuer or a wrong client secret get pages that name the setting to check, never a 500 or a redirect
// loop; every refusal is in the system audit log. Sessions end after their idle time and are refreshed at the
// provider once its tokens have ended.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../src/core/clock.ts';
import { CookieJar, signInOverHttp, startProvider, type TestProvider } from './support/oidc-provider.ts';
import { freePort } from './support/net.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const accounts = {
  ann: { email: 'ann@example.com', name: 'Ann Admin' },
  eve: { email: 'eve@example.com', emailVerified: false, name: 'Eve Unverified' },
  nobody: { email: 'nobody@example.com', name: 'No Body' },
};

const html = async (res: Response) => {
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  return res.text();
};

describe('sign-in failures', () => {
  let provider: TestProvider;
  let s: TestServer;
  let appUrl: string;
  const clock = manualClock(new Date());
  before(async () => {
    appUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startProvider(accounts, [appUrl]);
    s = await startTestServer({ env: provider.env(appUrl, { INSIGHTFLOW_SESSION_TTL: '1h' }), clock });
    for (const email of ['ann@example.com', 'eve@example.com'])
      await s.call('POST', '/v1/instances/default/members', { body: { email, role: 'viewer' } });
  });
  after(async () => {
    await s?.stop();
    await provider?.stop();
  });

  test('tampered, replayed, foreign callbacks and a wrong nonce are 400', async () => {
    const first = await signInOverHttp(s.url, 'ann');
    const tampered = new URL(first.callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const bad = await first.jar.fetch(tampered.toString());
    assert.equal(bad.status, 400);
    assert.match(await html(bad), /did not go through/);

    const second = await signInOverHttp(s.url, 'ann');
    const code = new URL(second.callback);
    code.searchParams.set('code', 'not-the-code');
    assert.equal((await second.jar.fetch(code.toString())).status, 400, 'a tampered code');

    const third = await signInOverHttp(s.url, 'ann');
    const stateCookie = third.jar.cookies.get('insightflow_signin') as string;
    assert.equal((await third.jar.fetch(third.callback)).status, 302);
    const replay = new CookieJar();
    replay.cookies.set('insightflow_signin', stateCookie);
    const replayed = await replay.fetch(third.callback);
    assert.equal(replayed.status, 400, 'the same answer used twice');
    assert.ok(!replay.cookies.has('insightflow_session'));

    const fourth = await signInOverHttp(s.url, 'ann');
    const elsewhere = await new CookieJar().fetch(fourth.callback);
    assert.equal(elsewhere.status, 400, 'an answer brought to a browser that did not start the sign-in');

    const fifth = await signInOverHttp(s.url, 'ann');
    await s.runtime.services.db.run("UPDATE sign_in_requests SET nonce = 'another-nonce'");
    const nonce = await fifth.jar.fetch(fifth.callback);
    assert.equal(nonce.status, 400, 'an ID token for another nonce');
    assert.match(await html(nonce), /nonce/);

    const refusals = (await s.call('GET', '/v1/audit?action=SignInRefused')).body.value;
    assert.ok(refusals.length >= 5, JSON.stringify(refusals));
    assert.ok(refusals.every((e: any) => /^Sign-in refused: InvalidCallback$/.test(e.summary)));
  });

  test('denied consent and a member of nothing get pages that say so', async () => {
    const denied = await signInOverHttp(s.url, 'ann', { consent: 'deny', jar: new CookieJar() });
    assert.match(denied.callback, /error=access_denied/);
    const page = await denied.jar.fetch(denied.callback);
    assert.equal(page.status, 403);
    assert.match(await html(page), /declined/);
    assert.ok(!denied.jar.cookies.has('insightflow_session'));

    for (const login of ['nobody', 'eve']) {
      const { callback, jar } = await signInOverHttp(s.url, login);
      const res = await jar.fetch(callback);
      assert.equal(res.status, 403, login);
      const text = await html(res);
      assert.match(text, /not a member of any instance/);
      assert.match(text, new RegExp(`${login}@example.com`));
      assert.ok(!jar.cookies.has('insightflow_session'), 'no session for a member of nothing');
    }
    const refusals = (await s.call('GET', '/v1/audit?action=SignInRefused')).body.value;
    assert.deepEqual(
      refusals.slice(0, 3).map((e: any) => [e.summary, e.actor.email ?? null]),
      [
        ['Sign-in refused: NotAMember', 'eve@example.com'],
        ['Sign-in refused: NotAMember', 'nobody@example.com'],
        ['Sign-in refused: Denied', null],
      ],
    );
  });

  test('sessions end after their idle time; tokens are refreshed at the provider', async () => {
    await s.runtime.services.db.run('DELETE FROM sessions');
    const { callback, jar } = await signInOverHttp(s.url, 'ann', { jar: new CookieJar() });
    assert.equal((await jar.fetch(callback)).status, 302);
    const row = async () =>
      (await s.runtime.services.db.get<{ refresh_token: string; tokens_expire_at: string }>(
        'SELECT refresh_token, tokens_expire_at FROM sessions ORDER BY created_at DESC LIMIT 1',
      )) as { refresh_token: string; tokens_expire_at: string };
    const before = await row();
    assert.match(before.refresh_token, /^v1\./, 'the refresh token is stored encrypted');
    clock.advance(30 * 60_000);
    assert.equal((await jar.fetch(`${s.url}/v1/me`)).status, 200);
    const refreshed = await row();
    assert.notEqual(refreshed.tokens_expire_at, before.tokens_expire_at, 'refreshed once its tokens ended');
    clock.advance(59 * 60_000);
    assert.equal((await jar.fetch(`${s.url}/v1/me`)).status, 200, 'activity keeps it');
    clock.advance(61 * 60_000);
    assert.equal((await jar.fetch(`${s.url}/v1/me`)).status, 401, 'idle for longer than INSIGHTFLOW_SESSION_TTL');
  });
});

describe('a misconfigured identity provider', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider(accounts, []);
  });
  after(async () => {
    await provider?.stop();
  });

  test('an unreachable issuer: the server starts and the login page says what to check', async () => {
    const appUrl = `http://127.0.0.1:${await freePort()}`;
    const closed = await freePort();
    const s = await startTestServer({
      env: {
        INSIGHTFLOW_PORT: new URL(appUrl).port,
        INSIGHTFLOW_OIDC_ISSUER: `http://127.0.0.1:${closed}`,
        INSIGHTFLOW_OIDC_CLIENT_ID: 'insightflow',
        INSIGHTFLOW_OIDC_CLIENT_SECRET: 'whatever',
      },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${s.url}/auth/login`, { redirect: 'manual' });
        assert.equal(res.status, 503);
        const text = await html(res);
        assert.match(text, /could not reach/);
        assert.match(text, /INSIGHTFLOW_OIDC_ISSUER/);
      }
      assert.equal((await s.call('GET', '/v1/me')).status, 200, 'API keys keep working');
    } finally {
      await s.stop();
    }
  });

  test('a wrong client secret: the callback page names the settings to check', async () => {
    const appUrl = `http://127.0.0.1:${await freePort()}`;
    const own = await startProvider(accounts, [appUrl]);
    const s = await startTestServer({
      env: own.env(appUrl, { INSIGHTFLOW_OIDC_CLIENT_SECRET: 'not-the-secret' }),
    });
    try {
      await s.call('POST', '/v1/instances/default/members', { body: { email: 'ann@example.com', role: 'viewer' } });
      const { callback, jar } = await signInOverHttp(s.url, 'ann');
      const res = await jar.fetch(callback);
      assert.equal(res.status, 502);
      const text = await html(res);
      assert.match(text, /misconfigured/);
      assert.match(text, /INSIGHTFLOW_OIDC_CLIENT_SECRET/);
    } finally {
      await s.stop();
      await own.stop();
    }
  });

  test('behind an https public URL: Secure cookies and the redirect URI under it; returnTo stays on this server', async () => {
    const s = await startTestServer({
      env: {
        INSIGHTFLOW_PUBLIC_URL: 'https://insights.example.com/app',
        INSIGHTFLOW_OIDC_ISSUER: provider.issuer,
        INSIGHTFLOW_OIDC_CLIENT_ID: provider.clientId,
        INSIGHTFLOW_OIDC_CLIENT_SECRET: provider.clientSecret,
      },
    });
    try {
      const res = await fetch(`${s.url}/auth/login?returnTo=//evil.example/x`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const authorize = new URL(res.headers.get('location') as string);
      assert.equal(authorize.searchParams.get('redirect_uri'), 'https://insights.example.com/app/auth/callback');
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('insightflow_signin=')) ?? '';
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /Path=\/app\/auth\/callback/);
      const stored = await s.runtime.services.db.all<{ return_to: string }>('SELECT return_to FROM sign_in_requests');
      assert.deepEqual(
        stored.map((r) => r.return_to),
        ['/'],
        'a returnTo naming another host goes to / instead',
      );
    } finally {
      await s.stop();
    }
  });

  test('without OIDC the login page points to key sign-in', async () => {
    const s = await startTestServer();
    try {
      const res = await fetch(`${s.url}/auth/login`, { redirect: 'manual' });
      assert.equal(res.status, 404);
      assert.match(await html(res), /connection key/);
      assert.deepEqual(await (await fetch(`${s.url}/auth/status`)).json(), { oidc: false, login: '/auth/login' });
    } finally {
      await s.stop();
    }
  });
});
