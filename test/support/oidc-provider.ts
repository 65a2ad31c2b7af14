// A real OpenID Connect provider for the sign-in tests (the oidc-provider package) on an ephemeral loopback port,
// with its development login and consent pages: any password signs in the account named by the login. Accounts
// carry e-mail (verified or not), a name and groups. `signInOverHttp` walks the provider's pages as a browser
// would (cookies kept per name), up to the callback URL the provider sends back to Insightflow.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface Account {
  email: string;
  emailVerified?: boolean;
  name: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The environment of an Insightflow at `appUrl` that signs in here (listening on its port, public URL set). */
  env(appUrl: string, extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts a provider that knows `accounts` and sends people back to the Insightflow servers at `appUrls`. */
export async function startProvider(accounts: Record<string, Account>, appUrls: string[]): Promise<TestProvider> {
  const redirectUris = appUrls.map((u) => `${u}/auth/callback`);
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'insightflow';
  const clientSecret = 'test-client-secret-0123456789';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    async findAccount(_ctx: unknown, id: string) {
      const a = accounts[id];
      if (!a) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: a.email,
          email_verified: a.emailVerified ?? true,
          name: a.name,
          groups: a.groups ?? [],
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-provider-cookie-key'] },
    // Access tokens end at once, so that the session refreshes them on its next request.
    ttl: { AccessToken: 1, IdToken: 3600, RefreshToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    issueRefreshToken: async () => true,
  });
  handler = provider.callback();
  return {
    issuer,
    clientId,
    clientSecret,
    env: (appUrl, extra = {}) => ({
      INSIGHTFLOW_PORT: new URL(appUrl).port,
      INSIGHTFLOW_PUBLIC_URL: appUrl,
      INSIGHTFLOW_OIDC_ISSUER: issuer,
      INSIGHTFLOW_OIDC_CLIENT_ID: clientId,
      INSIGHTFLOW_OIDC_CLIENT_SECRET: clientSecret,
      ...extra,
    }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Cookies by name, as a browser keeps them for one host (the provider and Insightflow share 127.0.0.1). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.header() },
    });
    this.take(res);
    return res;
  }
}

/** Follows redirects (at most 10) until one leads to `stopAt`; returns that URL. */
async function followUntil(jar: CookieJar, url: string, stopAt: string): Promise<{ url: string; res?: Response }> {
  let next = url;
  for (let i = 0; i < 10; i++) {
    if (next.startsWith(stopAt)) return { url: next };
    const res = await jar.fetch(next);
    const location = res.headers.get('location');
    if (!location) return { url: next, res };
    next = new URL(location, next).toString();
  }
  throw new Error(`too many redirects from ${url}`);
}

/**
 * Signs in at Insightflow (`appUrl`) through the provider as `login`, accepting or declining consent; returns the
 * callback URL the provider sent the browser to (not yet visited), and the jar holding both sides' cookies.
 */
export async function signInOverHttp(
  appUrl: string,
  login: string,
  opts: { consent?: 'accept' | 'deny'; jar?: CookieJar; returnTo?: string } = {},
): Promise<{ callback: string; jar: CookieJar }> {
  const jar = opts.jar ?? new CookieJar();
  const start = await jar.fetch(
    `${appUrl}/auth/login${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`,
  );
  assert.equal(start.status, 302, await start.text());
  const authorize = start.headers.get('location') as string;
  const callbackPrefix = `${appUrl}/auth/callback`;
  let at = await followUntil(jar, authorize, callbackPrefix);
  for (let step = 0; step < 3 && !at.url.startsWith(callbackPrefix); step++) {
    const uid = /\/interaction\/([^/?#]+)/.exec(at.url)?.[1];
    assert.ok(uid, `expected an interaction page, got ${at.url}`);
    const html = await at.res?.text();
    const origin = new URL(at.url).origin;
    if (/name="prompt" value="login"/.test(html ?? '')) {
      const res = await jar.fetch(`${origin}/interaction/${uid}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
      });
      at = await followUntil(jar, new URL(res.headers.get('location') as string, at.url).toString(), callbackPrefix);
    } else if (opts.consent === 'deny') {
      at = await followUntil(jar, `${origin}/interaction/${uid}/abort`, callbackPrefix);
    } else {
      const res = await jar.fetch(`${origin}/interaction/${uid}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'consent' }).toString(),
      });
      at = await followUntil(jar, new URL(res.headers.get('location') as string, at.url).toString(), callbackPrefix);
    }
  }
  assert.ok(at.url.startsWith(callbackPrefix), `the provider did not come back to Insightflow: ${at.url}`);
  return { callback: at.url, jar };
}
