// Sign-in through OpenID Connect: starting it (a sign-in request kept until its callback), finishing it (the code
// exchanged and checked, the person's grants worked out, a session created and audited in one transaction), finding
// the session of a cookie (idle timeout, absolute end, refresh at the provider when its tokens have ended) and ending
// it. Only hashes of cookie tokens and of states are stored; refresh tokens are stored encrypted.
import { createHmac, randomBytes } from 'node:crypto';
import { insertAudit, type AuditEntry } from '../audit/index.ts';
import type { OidcConfig } from '../config/index.ts';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { decryptText, encryptText } from '../core/secrets.ts';
import type { Db } from '../store/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { SignInFailure, pkce, type OidcClient } from './oidc.ts';
import { grantsOf, groupsOf, type Grants } from './roles.ts';
import {
  deleteSession,
  insertSession,
  insertSignInRequest,
  refreshSession,
  sessionByTokenHash,
  takeSignInRequest,
  touchSession,
  type Session,
} from './sessions.sql.ts';

/** How long a started sign-in may take at the identity provider before its callback is refused. */
export const signInRequestTtlMs = 10 * 60_000;
/** last_seen_at is written at most this often per session. */
const touchEveryMs = 60_000;

/** The audit scope of events that belong to no instance (refused sign-ins, system administrators' sign-ins). */
export const systemScope = '';

export interface SignInDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  oidc: OidcClient;
  settings: OidcConfig & { systemAdmins: string[] };
  /** Counts sign-ins by outcome (metrics). */
  onOutcome?: (outcome: string) => void;
}

export interface ActiveSession {
  session: Session;
  grants: Grants;
  csrfToken: string;
  principal: Principal;
}

export interface SignIn {
  /** Reads the identity provider's discovery document (at start, to report a misconfigured issuer early). */
  discover(): Promise<void>;
  start(p: { redirectUri: string; returnTo: string }): Promise<{ url: URL; state: string }>;
  finish(p: {
    callbackUrl: URL;
    cookieState: string | undefined;
    requestId: string;
  }): Promise<{ token: string; returnTo: string; email: string | null }>;
  /** The session a cookie token names, if it is still valid (touched and refreshed as needed). */
  resolve(token: string): Promise<ActiveSession | undefined>;
  /** Ends the session of a token; audited in every instance the person is a member of. */
  end(token: string, requestId: string): Promise<boolean>;
  /** Records a refused sign-in in the system audit scope and the log. */
  refused(
    reason: string,
    detail: string,
    requestId: string,
    who?: { subject: string; email: string | null },
  ): Promise<void>;
  csrfTokenOf(token: string): string;
}

/** A safe place to go back to after sign-in: a path of this server, never another origin. */
export function safeReturnPath(raw: string | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || raw.length > 2000) return '/';
  if ([...raw].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127)) return '/';
  return raw;
}

export function createSignIn(deps: SignInDeps): SignIn {
  const { db, clock, log, secretKey, oidc, settings } = deps;
  const mac = (purpose: string, value: string) =>
    createHmac('sha256', secretKey).update(`${purpose}:${value}`).digest('base64url');
  const tokenHash = (token: string) => mac('session', token);
  const stateHash = (state: string) => mac('state', state);
  const csrfTokenOf = (token: string) => mac('csrf', tokenHash(token));
  const outcome = (o: string) => deps.onOutcome?.(o);

  const principalOf = (s: Session, grants: Grants): Principal => ({
    connectionId: `usr:${s.subject}`,
    instanceId: null,
    role: 'viewer',
    systemAdmin: grants.systemAdmin,
    rateLimit: null,
    user: { id: s.subject, email: s.email ?? '', ...(s.name ? { name: s.name } : {}), sessionId: s.id },
    memberships: grants.memberships,
  });

  const auditRows = (
    s: Pick<Session, 'subject' | 'email' | 'name'>,
    grants: Grants,
    action: string,
    summary: string,
    requestId: string,
  ): AuditEntry[] => {
    const scopes = grants.memberships.map((m) => m.id);
    if (grants.systemAdmin) scopes.push(systemScope);
    const at = clock.now().toISOString();
    return scopes.map((instanceId) => ({
      id: newId('aud'),
      instanceId,
      at,
      actor: {
        type: 'user',
        id: s.subject,
        ...(s.email ? { email: s.email } : {}),
        ...(s.name ? { name: s.name } : {}),
      },
      action,
      target: { type: 'user', id: s.subject },
      summary,
      requestId,
    }));
  };

  const grantsFor = (s: Pick<Session, 'email' | 'emailVerified' | 'groups'>) =>
    grantsOf(db, settings, { email: s.email, emailVerified: s.emailVerified, groups: s.groups });

  const refused: SignIn['refused'] = async (reason, detail, requestId, who) => {
    outcome(reason);
    log.warn('sign-in refused', { reason, detail, requestId, ...(who?.email ? { email: who.email } : {}) });
    await insertAudit(db, [
      {
        id: newId('aud'),
        instanceId: systemScope,
        at: clock.now().toISOString(),
        actor: { type: 'user', id: who?.subject ?? 'unknown', ...(who?.email ? { email: who.email } : {}) },
        action: 'SignInRefused',
        target: { type: 'user', id: who?.subject ?? 'unknown' },
        summary: `Sign-in refused: ${reason}`,
        requestId,
      },
    ]);
  };

  /** Refreshes a session whose tokens have ended; false when the provider refused (the session is then over). */
  const refreshIfDue = async (s: Session): Promise<boolean> => {
    if (s.refreshToken === null || s.tokensExpireAt === null || s.tokensExpireAt > clock.now().toISOString())
      return true;
    try {
      const t = await oidc.refresh(decryptText(secretKey, s.refreshToken));
      const next = {
        name: t.claims?.name ?? s.name,
        groups: t.claims && ('groups' in t.claims.raw || 'roles' in t.claims.raw) ? groupsOf(t.claims.raw) : s.groups,
        refreshToken: t.refreshToken ? encryptText(secretKey, t.refreshToken) : s.refreshToken,
        tokensExpireAt: t.expiresAt,
      };
      await refreshSession(db, s.id, next);
      Object.assign(s, next);
      return true;
    } catch (err) {
      if (err instanceof SignInFailure && err.reason === 'IssuerUnreachable') {
        // The session stays; the refresh is tried again on a later request.
        log.warn('refreshing a sign-in session failed', { session: s.id, error: err.message });
        return true;
      }
      log.info('a sign-in session ended: the identity provider refused its refresh', { session: s.id });
      await deleteSession(db, s.id);
      return false;
    }
  };

  return {
    discover: () => oidc.discover(),
    csrfTokenOf,
    refused,
    start: async ({ redirectUri, returnTo }) => {
      const state = pkce.state();
      const nonce = pkce.nonce();
      const codeVerifier = pkce.verifier();
      const url = await oidc.authorizationUrl({
        redirectUri,
        state,
        nonce,
        codeChallenge: await pkce.challenge(codeVerifier),
      });
      await insertSignInRequest(db, stateHash(state), {
        nonce,
        codeVerifier,
        returnTo: safeReturnPath(returnTo),
        expiresAt: new Date(clock.now().getTime() + signInRequestTtlMs).toISOString(),
      });
      return { url, state };
    },
    finish: async ({ callbackUrl, cookieState, requestId }) => {
      const state = callbackUrl.searchParams.get('state') ?? '';
      const request = state === '' ? undefined : await takeSignInRequest(db, stateHash(state));
      if (!request || request.expiresAt <= clock.now().toISOString() || cookieState !== state)
        throw new SignInFailure(
          'InvalidCallback',
          'this sign-in answer is not one this browser is waiting for (used already, expired, or started elsewhere)',
        );
      const t = await oidc.exchange(callbackUrl, { state, nonce: request.nonce, codeVerifier: request.codeVerifier });
      const c = t.claims;
      if (!c) throw new SignInFailure('InvalidCallback', 'the identity provider gave no ID token');
      const now = clock.now();
      const session: Session = {
        id: newId('ses'),
        subject: c.subject,
        email: c.email?.toLowerCase() ?? null,
        emailVerified: c.emailVerified,
        name: c.name,
        groups: groupsOf(c.raw),
        refreshToken: t.refreshToken ? encryptText(secretKey, t.refreshToken) : null,
        tokensExpireAt: t.expiresAt,
        createdAt: now.toISOString(),
        lastSeenAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + settings.sessionMaxAgeSeconds * 1000).toISOString(),
      };
      const grants = await grantsFor(session);
      if (!grants.systemAdmin && grants.memberships.length === 0) {
        await refused('NotAMember', 'member of no instance', requestId, session);
        throw new SignInFailure('NotAMember', session.email ?? session.subject);
      }
      const token = randomBytes(32).toString('base64url');
      await db.tx(async (tx) => {
        await insertSession(tx, { ...session, tokenHash: tokenHash(token) });
        const roles = grants.memberships.map((m) => `${m.id} ${m.role}`).join(', ');
        const summary = `Sign-in${grants.systemAdmin ? ' as system administrator' : ''}${roles ? `: ${roles}` : ''}`;
        await insertAudit(tx, auditRows(session, grants, 'SignIn', summary, requestId));
      });
      outcome('succeeded');
      return { token, returnTo: request.returnTo, email: session.email };
    },
    resolve: async (token) => {
      const s = await sessionByTokenHash(db, tokenHash(token));
      if (!s) return undefined;
      const now = clock.now();
      const idleSince = new Date(now.getTime() - settings.sessionTtlSeconds * 1000).toISOString();
      if (s.expiresAt <= now.toISOString() || s.lastSeenAt < idleSince) {
        await deleteSession(db, s.id);
        return undefined;
      }
      if (!(await refreshIfDue(s))) return undefined;
      if (now.getTime() - Date.parse(s.lastSeenAt) >= touchEveryMs) await touchSession(db, s.id, now.toISOString());
      const grants = await grantsFor(s);
      return { session: s, grants, csrfToken: csrfTokenOf(token), principal: principalOf(s, grants) };
    },
    end: async (token, requestId) => {
      const s = await sessionByTokenHash(db, tokenHash(token));
      if (!s) return false;
      const grants = await grantsFor(s);
      await db.tx(async (tx) => {
        await deleteSession(tx, s.id);
        await insertAudit(tx, auditRows(s, grants, 'SignOut', 'Sign-out', requestId));
      });
      outcome('signed-out');
      return true;
    },
  };
}
