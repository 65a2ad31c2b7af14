// Sign-in through a real OpenID Connect provider (oidc-provider on loopback), over HTTP: roles by e-mail, by group
// and as system administrator; the session cookie; CSRF refusal; sign-out ending the session on the server; the
// audit rows of sign-ins. Both engines.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { CookieJar, signInOverHttp, startProvider, type TestProvider } from './support/oidc-provider.ts';
import { freePort } from './support/net.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

export const accounts = {
  ann: { email: 'Ann@Example.com', name: 'Ann Admin' },
  gus: { email: 'gus@example.com', name: 'Gus Group', groups: ['marketing'] },
  ola: { email: 'ola@example.com', name: 'Ola Ops', groups: ['ops', 'marketing'] },
  boss: { email: 'boss@example.com', name: 'The Boss' },
  eve: { email: 'eve@example.com', emailVerified: false, name: 'Eve Unverified' },
  nobody: { email: 'nobody@example.com', name: 'No Body' },
};

/** Signs in as `login` and returns the jar holding the session cookie, after checking the callback's answer. */
export async function signedIn(s: TestServer, login: string, returnTo?: string): Promise<CookieJar> {
  const { callback, jar } = await signInOverHttp(s.url, login, returnTo ? { returnTo } : {});
  const res = await jar.fetch(callback);
  assert.equal(res.status, 302, await res.text());
  assert.equal(res.headers.get('location'), `${s.url}${returnTo ?? '/'}`);
  assert.ok(jar.cookies.has('insightflow_session'), 'the session cookie is set');
  return jar;
}

const me = async (s: TestServer, jar: CookieJar) => {
  const res = await jar.fetch(`${s.url}/v1/me`);
  return { status: res.status, body: (await res.json()) as any };
};

for (const engine of await engines()) {
  describe(`sign-in through OpenID Connect (${engine})`, () => {
    let provider: TestProvider;
    let s: TestServer;
    before(async () => {
      const appUrl = `http://127.0.0.1:${await freePort()}`;
      provider = await startProvider(accounts, [appUrl]);
      s = await startTestServer({
        engine,
        env: provider.env(appUrl, {
          INSIGHTFLOW_OIDC_GROUP_ROLES: 'marketing=viewer,ops=default:admin',
          INSIGHTFLOW_SYSTEM_ADMINS: 'boss@example.com',
        }),
      });
      assert.equal(
        (await s.call('POST', `${U}/members`, { body: { email: 'ann@example.com', role: 'admin' } })).status,
        201,
      );
      assert.equal(
        (await s.call('POST', `${U}/members`, { body: { email: 'eve@example.com', role: 'admin' } })).status,
        201,
      );
      assert.equal((await s.call('POST', '/v1/instances', { body: { name: 'Second' } })).status, 201);
    });
    after(async () => {
      await s?.stop();
      await provider?.stop();
    });

    test('a member by e-mail signs in, sees who they are, changes with the CSRF token only, and signs out', async () => {
      const login = await fetch(`${s.url}/auth/login?returnTo=/segments`, { redirect: 'manual' });
      const cookie = login.headers.getSetCookie().find((c) => c.startsWith('insightflow_signin=')) ?? '';
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.doesNotMatch(cookie, /Secure/i, 'not Secure behind a plain-http public URL');
      const authorize = new URL(login.headers.get('location') as string);
      assert.equal(authorize.origin, provider.issuer);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('redirect_uri'), `${s.url}/auth/callback`);
      assert.match(authorize.searchParams.get('scope') ?? '', /\bemail\b/);
      for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(authorize.searchParams.get(p), p);

      const { callback, jar } = await signInOverHttp(s.url, 'ann', { returnTo: '/segments?instance=default' });
      const back = await jar.fetch(callback);
      assert.equal(back.status, 302);
      assert.equal(back.headers.get('location'), `${s.url}/segments?instance=default`);
      const session = back.headers.getSetCookie().find((c) => c.startsWith('insightflow_session=')) ?? '';
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Lax/i);
      assert.match(session, /Path=\//);

      const who = await me(s, jar);
      assert.equal(who.status, 200);
      assert.equal(who.body.email, 'ann@example.com');
      assert.equal(who.body.name, 'Ann Admin');
      assert.equal(who.body.systemAdmin, false);
      assert.deepEqual(who.body.instances, [{ id: 'default', role: 'admin' }]);
      assert.match(who.body.csrfToken, /^[\w-]{20,}$/);
      const token = jar.cookies.get('insightflow_session') as string;
      const stored = await s.runtime.services.db.all<{ token_hash: string }>('SELECT token_hash FROM sessions');
      assert.ok(stored.length > 0 && stored.every((r) => r.token_hash !== token), 'only a hash of the token is stored');

      const invite = (headers: Record<string, string>) =>
        jar.fetch(`${s.url}${U}/members`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ email: 'new@example.com', role: 'viewer' }),
        });
      const noToken = await invite({});
      assert.equal(noToken.status, 403);
      assert.match(((await noToken.json()) as any).error.message, /X-CSRF-Token/);
      assert.equal((await invite({ 'x-csrf-token': 'wrong' })).status, 403);
      assert.equal((await s.call('GET', `${U}/members`)).body.value.length, 2, 'nothing was added without the token');
      const added = await invite({ 'x-csrf-token': who.body.csrfToken });
      assert.equal(added.status, 201, await added.clone().text());
      assert.equal(
        (await jar.fetch(`${s.url}/v1/instances/second/members`)).status,
        404,
        'an instance the person is not a member of does not exist for them',
      );

      const audit = (await s.call('GET', `${U}/audit?actor=ann@example.com`)).body.value;
      assert.deepEqual(
        audit.map((e: any) => e.action),
        ['AddMember', 'SignIn'],
      );
      assert.deepEqual(audit[1].actor, { type: 'user', id: 'ann', email: 'ann@example.com', name: 'Ann Admin' });
      assert.match(audit[1].summary, /default admin/);

      const logoutWithout = await jar.fetch(`${s.url}/auth/logout`, { method: 'POST' });
      assert.equal(logoutWithout.status, 403);
      const kept = new CookieJar();
      kept.cookies.set('insightflow_session', token);
      const logout = await jar.fetch(`${s.url}/auth/logout`, {
        method: 'POST',
        headers: { 'x-csrf-token': who.body.csrfToken },
      });
      assert.equal(logout.status, 204);
      assert.ok(!jar.cookies.has('insightflow_session'), 'the cookie is cleared');
      const after = await me(s, kept);
      assert.equal(after.status, 401, 'the old cookie stops working');
      assert.match(after.body.error.message, /session has ended/);
      assert.equal((await s.call('GET', `${U}/audit?action=SignOut`)).body.value[0].actor.email, 'ann@example.com');
      assert.equal((await s.call('GET', '/v1/me')).status, 200, 'API keys keep working');

      const rows = JSON.stringify(await s.runtime.services.db.all('SELECT * FROM audit_log'));
      for (const secret of [token, who.body.csrfToken, provider.clientSecret])
        assert.ok(!rows.includes(secret), 'no audit row carries a session token, CSRF token or client secret');
    });

    test('roles from groups (every instance, one instance) and system administrators by e-mail', async () => {
      const gus = await me(s, await signedIn(s, 'gus'));
      assert.deepEqual(gus.body.instances, [
        { id: 'default', role: 'viewer' },
        { id: 'second', role: 'viewer' },
      ]);
      const gusJar = await signedIn(s, 'gus');
      const gusMe = await me(s, gusJar);
      const refused = await gusJar.fetch(`${s.url}${U}/members`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': gusMe.body.csrfToken },
        body: JSON.stringify({ email: 'x@example.com', role: 'viewer' }),
      });
      assert.equal(refused.status, 403, 'a viewer may not invite');
      assert.equal((await gusJar.fetch(`${s.url}${U}/manage/segments`)).status, 200, 'a viewer may read');

      const ola = await me(s, await signedIn(s, 'ola'));
      assert.deepEqual(ola.body.instances, [
        { id: 'default', role: 'admin' },
        { id: 'second', role: 'viewer' },
      ]);
      const boss = await me(s, await signedIn(s, 'boss'));
      assert.equal(boss.body.systemAdmin, true);
      assert.deepEqual(
        boss.body.instances.map((i: any) => i.role),
        ['admin', 'admin'],
      );
      const system = (await s.call('GET', '/v1/audit?action=SignIn')).body.value;
      assert.equal(system[0].actor.email, 'boss@example.com', 'a system administrator signs in in the system scope');
    });
  });
}
