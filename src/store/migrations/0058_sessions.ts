// Sign-in through OpenID Connect (issue 18): sessions of people signed in, found by the hash of the cookie's token
// (the token itself is never stored), and sign-in requests waiting for their callback (state, nonce, PKCE verifier),
// each usable once.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  email TEXT,
  email_verified INTEGER NOT NULL,
  name TEXT,
  groups_json TEXT NOT NULL,
  refresh_token TEXT,
  tokens_expire_at TEXT,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE sign_in_requests (
  state_hash TEXT PRIMARY KEY,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  expires_at TEXT NOT NULL
)
`;
