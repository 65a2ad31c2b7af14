// Server-wide secrets kept in the control store, sealed with the server key: the key of API key hashes, so that
// rotating INSIGHTFLOW_SECRET_KEY re-seals it instead of invalidating every API key.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE server_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
)
`;
