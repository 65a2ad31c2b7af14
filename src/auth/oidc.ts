// The OpenID Connect client (openid-client): discovery of the issuer (read once, retried after a failure), the
// authorization request (code flow, PKCE S256, state, nonce, scopes openid email profile), the code exchange with
// every check the library makes, and refresh. Failures come back as SignInFailure with a reason a page can explain.
import * as client from 'openid-client';
import type { OidcConfig } from '../config/index.ts';

export type FailureReason =
  'IssuerUnreachable' | 'ClientRejected' | 'InvalidCallback' | 'ProviderError' | 'RefreshRefused' | 'NotAMember';

export class SignInFailure extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason, message: string) {
    super(message);
    this.name = 'SignInFailure';
    this.reason = reason;
  }
}

export interface Claims {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  raw: Record<string, unknown>;
}

export interface TokenSet {
  claims: Claims | undefined;
  refreshToken: string | null;
  /** When the access token ends (ISO), if the provider said. */
  expiresAt: string | null;
}

export interface OidcClient {
  /** Reads the issuer's discovery document now (at start); throws SignInFailure('IssuerUnreachable'). */
  discover(): Promise<void>;
  authorizationUrl(p: { redirectUri: string; state: string; nonce: string; codeChallenge: string }): Promise<URL>;
  exchange(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
}

const retryAfterFailureMs = 5000;

const messageOf = (err: unknown): string => {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
};

/** The ID token claim a failed comparison names (openid-client wraps oauth4webapi's error, which names it). */
function claimOf(err: unknown): string | undefined {
  let at: unknown = err;
  for (let i = 0; i < 3 && at !== null && typeof at === 'object'; i++) {
    const claim = (at as { claim?: unknown }).claim;
    if (typeof claim === 'string') return claim;
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a library or network error into a failure a page can explain. */
function failureOf(err: unknown, during: 'exchange' | 'refresh'): SignInFailure {
  if (err instanceof SignInFailure) return err;
  if (err instanceof client.ResponseBodyError) {
    if (['invalid_client', 'unauthorized_client'].includes(err.error))
      return new SignInFailure(
        'ClientRejected',
        `the identity provider refused this server's client credentials (${err.error}${err.error_description ? `: ${err.error_description}` : ''})`,
      );
    if (during === 'refresh')
      return new SignInFailure('RefreshRefused', `${err.error}: ${err.error_description ?? ''}`);
    return new SignInFailure('InvalidCallback', `the identity provider refused the code (${err.error})`);
  }
  if (err instanceof client.WWWAuthenticateChallengeError && err.status === 401)
    return during === 'refresh'
      ? new SignInFailure('RefreshRefused', 'the identity provider refused the refresh (401)')
      : new SignInFailure(
          'ClientRejected',
          "the identity provider refused this server's client credentials (401 at its token endpoint)",
        );
  const claim = claimOf(err);
  if (typeof claim === 'string')
    return new SignInFailure('InvalidCallback', `the ID token's ${claim} claim is not the one this sign-in expects`);
  if (err instanceof client.ClientError || err instanceof client.AuthorizationResponseError)
    return new SignInFailure('InvalidCallback', err.message);
  return new SignInFailure('IssuerUnreachable', `the identity provider could not be reached: ${messageOf(err)}`);
}

/** The ID token's claims, completed from the UserInfo endpoint where the provider puts profile claims there (an ID
 * token of the code flow may carry only sub). */
async function claimsOf(
  config: client.Configuration,
  t: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
): Promise<Record<string, unknown> | undefined> {
  const c = t.claims();
  if (!c) return undefined;
  const missing = c.email === undefined || c.name === undefined;
  if (!missing || !config.serverMetadata().userinfo_endpoint) return c;
  const info = await client.fetchUserInfo(config, t.access_token, c.sub);
  return { ...info, ...c, email: c.email ?? info.email, email_verified: c.email_verified ?? info.email_verified };
}

function tokenSetOf(
  t: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  c: Record<string, unknown> | undefined,
  now: () => Date,
): TokenSet {
  const expiresIn = t.expiresIn();
  return {
    claims: c
      ? {
          subject: String(c.sub),
          email: typeof c.email === 'string' ? c.email : null,
          emailVerified: c.email_verified === true,
          name:
            typeof c.name === 'string'
              ? c.name
              : typeof c.preferred_username === 'string'
                ? c.preferred_username
                : null,
          raw: c,
        }
      : undefined,
    refreshToken: t.refresh_token ?? null,
    expiresAt: expiresIn !== undefined ? new Date(now().getTime() + expiresIn * 1000).toISOString() : null,
  };
}

export function createOidcClient(settings: OidcConfig, now: () => Date): OidcClient {
  const issuer = new URL(settings.issuer);
  let found: Promise<client.Configuration> | undefined;
  let failedAt = 0;
  const configuration = (): Promise<client.Configuration> => {
    if (found === undefined || (failedAt > 0 && Date.now() - failedAt > retryAfterFailureMs)) {
      failedAt = 0;
      found = client
        .discovery(
          issuer,
          settings.clientId,
          settings.clientSecret,
          // client_secret_basic: the method every provider supports when it names none (RFC 8414).
          client.ClientSecretBasic(settings.clientSecret),
          issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
        )
        .catch((err: unknown) => {
          failedAt = Date.now();
          throw new SignInFailure(
            'IssuerUnreachable',
            `the identity provider at ${settings.issuer} could not be read (${messageOf(err)})`,
          );
        });
    }
    return found;
  };
  return {
    discover: async () => {
      await configuration();
    },
    authorizationUrl: async (p) =>
      client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: p.redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        state: p.state,
        nonce: p.nonce,
        code_challenge: p.codeChallenge,
        code_challenge_method: 'S256',
      }),
    exchange: async (callbackUrl, checks) => {
      const config = await configuration();
      try {
        const t = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        return tokenSetOf(t, await claimsOf(config, t), now);
      } catch (err) {
        throw failureOf(err, 'exchange');
      }
    },
    refresh: async (refreshToken) => {
      const config = await configuration();
      try {
        const t = await client.refreshTokenGrant(config, refreshToken);
        return tokenSetOf(t, t.claims(), now);
      } catch (err) {
        throw failureOf(err, 'refresh');
      }
    },
  };
}

export const pkce = {
  verifier: (): string => client.randomPKCECodeVerifier(),
  challenge: (verifier: string): Promise<string> => client.calculatePKCECodeChallenge(verifier),
  state: (): string => client.randomState(),
  nonce: (): string => client.randomNonce(),
};
