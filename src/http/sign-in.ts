// /auth/*: sign-in of people through OpenID Connect (SPEC §12). GET /auth/login starts it, GET /auth/callback
// finishes it and sets the session cookie, POST /auth/logout ends the session on the server, GET /auth/status tells
// the UI which sign-in this server offers. Failures are HTML pages that say what happened and what to do — a 4xx
// for the person's side (denied consent, a wrong or replayed answer, no membership), a 502/503 when the identity
// provider or its configuration is at fault — never a redirect loop.
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { renderPage, safeReturnPath, SignInFailure, type AuthPage } from '../auth/index.ts';
import type { BaseUrl } from '../core/public-url.ts';
import { errorInfo } from '../core/errors.ts';
import type { Services } from './services.ts';

export const sessionCookie = 'insightflow_session';
const stateCookie = 'insightflow_signin';

/** The session cookie's token, if the request carries one. */
export const sessionTokenOf = (c: Context): string | undefined => getCookie(c, sessionCookie) || undefined;

const pathPrefix = (base: BaseUrl): string => new URL(base).pathname.replace(/\/$/, '');

function cookieOptions(base: BaseUrl, path: string, maxAge: number) {
  return {
    httpOnly: true,
    secure: base.startsWith('https:'),
    sameSite: 'Lax' as const,
    path: `${pathPrefix(base)}${path}`,
    maxAge,
  };
}

function page(c: Context, p: AuthPage): Response {
  c.header('Cache-Control', 'no-store');
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  c.header('X-Content-Type-Options', 'nosniff');
  return c.html(renderPage(p), p.status as 400);
}

const signInAgain = (base: BaseUrl): [string, string] => ['Sign in again', `${pathPrefix(base)}/auth/login`];

/** The page for a sign-in that did not go through. */
function failurePage(base: BaseUrl, err: SignInFailure): AuthPage {
  switch (err.reason) {
    case 'IssuerUnreachable':
      return {
        status: 503,
        title: 'Sign-in is not available right now',
        lines: [
          `Insightflow could not reach your organization's identity provider: ${err.message}.`,
          'Try again in a moment. If this persists, an administrator should check INSIGHTFLOW_OIDC_ISSUER and that ' +
            'this server can reach it.',
        ],
        links: [['Try again', `${pathPrefix(base)}/auth/login`]],
      };
    case 'ClientRejected':
      return {
        status: 502,
        title: 'Sign-in is misconfigured',
        lines: [
          `Your identity provider did not accept Insightflow: ${err.message}.`,
          'An administrator should check INSIGHTFLOW_OIDC_CLIENT_ID and INSIGHTFLOW_OIDC_CLIENT_SECRET against the ' +
            'application registered at the identity provider.',
        ],
      };
    case 'NotAMember':
      return {
        status: 403,
        title: 'You are not a member of any instance',
        lines: [
          `You signed in as ${err.message}, but no Insightflow instance lists you as a member, and none of your groups ` +
            'gives you a role.',
          'Ask an administrator of the instance you need to invite you (Admin › Members) with this e-mail address.',
        ],
        links: [signInAgain(base)],
      };
    default:
      return {
        status: 400,
        title: 'This sign-in did not go through',
        lines: [`${err.message}.`, 'Start again from the sign-in page.'],
        links: [signInAgain(base)],
      };
  }
}

export function mountSignIn(app: Hono, services: Services, baseOf: (c: Context) => BaseUrl): void {
  const route = (c: Context, path: string) => c.set('route' as never, path as never);
  const requestIdOf = (c: Context) => c.get('requestId' as never) as string;

  app.get('/auth/status', (c) => {
    route(c, '/auth/status');
    c.header('Cache-Control', 'no-store');
    return c.json({ oidc: services.signIn !== undefined, login: `${pathPrefix(baseOf(c))}/auth/login` });
  });

  app.get('/auth/login', async (c) => {
    route(c, '/auth/login');
    const base = baseOf(c);
    const signIn = services.signIn;
    if (!signIn)
      return page(c, {
        status: 404,
        title: 'Sign-in through an identity provider is not set up',
        lines: ['This server has no INSIGHTFLOW_OIDC_ISSUER: sign in to the web UI with a connection key instead.'],
        links: [['Open Insightflow', `${pathPrefix(base)}/`]],
      });
    try {
      const { url, state } = await signIn.start({
        redirectUri: `${base}/auth/callback`,
        returnTo: safeReturnPath(c.req.query('returnTo')),
      });
      setCookie(c, stateCookie, state, cookieOptions(base, '/auth/callback', 600));
      c.header('Cache-Control', 'no-store');
      return c.redirect(url.toString(), 302);
    } catch (err) {
      if (err instanceof SignInFailure) {
        services.log.warn('sign-in could not start', { error: err.message, requestId: requestIdOf(c) });
        return page(c, failurePage(base, err));
      }
      throw err;
    }
  });

  app.get('/auth/callback', async (c) => {
    route(c, '/auth/callback');
    const base = baseOf(c);
    const signIn = services.signIn;
    if (!signIn) return c.redirect(`${pathPrefix(base)}/auth/login`, 302);
    const requestId = requestIdOf(c);
    const cookieState = getCookie(c, stateCookie);
    deleteCookie(c, stateCookie, { path: `${pathPrefix(base)}/auth/callback` });
    const received = new URL(c.req.url);
    const error = received.searchParams.get('error');
    if (error !== null) {
      await signIn.refused(error === 'access_denied' ? 'Denied' : 'ProviderError', error, requestId);
      if (error === 'access_denied')
        return page(c, {
          status: 403,
          title: 'Sign-in was declined',
          lines: [
            'You (or your identity provider) declined to let Insightflow sign you in, so you are not signed in.',
            'If that was a mistake, sign in again and accept.',
          ],
          links: [signInAgain(base)],
        });
      return page(c, {
        status: 400,
        title: 'Your identity provider refused the sign-in',
        lines: [
          `It answered: ${error}${received.searchParams.get('error_description') ? ` — ${received.searchParams.get('error_description')}` : ''}.`,
        ],
        links: [signInAgain(base)],
      });
    }
    try {
      const done = await signIn.finish({
        callbackUrl: new URL(`${base}/auth/callback${received.search}`),
        cookieState,
        requestId,
      });
      setCookie(
        c,
        sessionCookie,
        done.token,
        cookieOptions(base, '/', services.config.oidc?.sessionMaxAgeSeconds ?? 0),
      );
      c.header('Cache-Control', 'no-store');
      return c.redirect(`${base}${done.returnTo}`, 302);
    } catch (err) {
      if (!(err instanceof SignInFailure)) throw err;
      if (err.reason !== 'NotAMember')
        await signIn
          .refused(err.reason, err.message, requestId)
          .catch((e: unknown) => services.log.warn('recording a refused sign-in failed', errorInfo(e)));
      return page(c, failurePage(base, err));
    }
  });

  app.post('/auth/logout', async (c) => {
    route(c, '/auth/logout');
    const base = baseOf(c);
    const token = sessionTokenOf(c);
    const signIn = services.signIn;
    if (signIn && token) {
      const sent = c.req.header('x-csrf-token');
      if (sent !== signIn.csrfTokenOf(token))
        return c.json(
          { error: { code: 'Forbidden', message: 'send the X-CSRF-Token header given as csrfToken by GET /v1/me' } },
          403,
        );
      await signIn.end(token, requestIdOf(c));
    }
    deleteCookie(c, sessionCookie, { path: `${pathPrefix(base)}/` });
    return c.body(null, 204);
  });
}
