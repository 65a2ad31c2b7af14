// Control-store queries of sign-in: sessions (found by the hash of their cookie token) and the sign-in requests that
// wait for their callback (taken once: a replayed callback finds nothing).
import type { Db } from '../store/index.ts';

export interface Session {
  id: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  groups: string[];
  /** Encrypted with the server key. */
  refreshToken: string | null;
  tokensExpireAt: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

interface SessionRow {
  id: string;
  token_hash: string;
  subject: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  groups_json: string;
  refresh_token: string | null;
  tokens_expire_at: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  subject: r.subject,
  email: r.email,
  emailVerified: Number(r.email_verified) === 1,
  name: r.name,
  groups: JSON.parse(r.groups_json) as string[],
  refreshToken: r.refresh_token,
  tokensExpireAt: r.tokens_expire_at,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
});

export async function insertSession(db: Db, s: Session & { tokenHash: string }): Promise<void> {
  await db.run(
    `INSERT INTO sessions (id, token_hash, subject, email, email_verified, name, groups_json, refresh_token,
       tokens_expire_at, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      s.id,
      s.tokenHash,
      s.subject,
      s.email,
      s.emailVerified ? 1 : 0,
      s.name,
      JSON.stringify(s.groups),
      s.refreshToken,
      s.tokensExpireAt,
      s.createdAt,
      s.lastSeenAt,
      s.expiresAt,
    ],
  );
}

export async function sessionByTokenHash(db: Db, tokenHash: string): Promise<Session | undefined> {
  const r = await db.get<SessionRow>('SELECT * FROM sessions WHERE token_hash = ?', [tokenHash]);
  return r ? toSession(r) : undefined;
}

export async function touchSession(db: Db, id: string, at: string): Promise<void> {
  await db.run('UPDATE sessions SET last_seen_at = ? WHERE id = ?', [at, id]);
}

/** After a refresh at the identity provider: the claims it gave and its new tokens. */
export async function refreshSession(
  db: Db,
  id: string,
  s: Pick<Session, 'name' | 'groups' | 'refreshToken' | 'tokensExpireAt'>,
): Promise<void> {
  await db.run('UPDATE sessions SET name = ?, groups_json = ?, refresh_token = ?, tokens_expire_at = ? WHERE id = ?', [
    s.name,
    JSON.stringify(s.groups),
    s.refreshToken,
    s.tokensExpireAt,
    id,
  ]);
}

export async function deleteSession(db: Db, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM sessions WHERE id = ?', [id])).changes > 0;
}

export interface SignInRequest {
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  expiresAt: string;
}

export async function insertSignInRequest(db: Db, stateHash: string, r: SignInRequest): Promise<void> {
  await db.run(
    'INSERT INTO sign_in_requests (state_hash, nonce, code_verifier, return_to, expires_at) VALUES (?, ?, ?, ?, ?)',
    [stateHash, r.nonce, r.codeVerifier, r.returnTo, r.expiresAt],
  );
}

/** Removes and returns the request of this state; undefined when it was taken already or never existed. */
export async function takeSignInRequest(db: Db, stateHash: string): Promise<SignInRequest | undefined> {
  const r = await db.get<{ nonce: string; code_verifier: string; return_to: string; expires_at: string }>(
    'DELETE FROM sign_in_requests WHERE state_hash = ? RETURNING nonce, code_verifier, return_to, expires_at',
    [stateHash],
  );
  return r
    ? { nonce: r.nonce, codeVerifier: r.code_verifier, returnTo: r.return_to, expiresAt: r.expires_at }
    : undefined;
}

/** Removes ended sessions (past their end, or idle since before `idleBefore`) and stale sign-in requests. */
export async function pruneSessions(db: Db, now: string, idleBefore: string): Promise<number> {
  const a = await db.run('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?', [now, idleBefore]);
  const b = await db.run('DELETE FROM sign_in_requests WHERE expires_at <= ?', [now]);
  return a.changes + b.changes;
}
