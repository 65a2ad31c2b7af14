// Nodes and their leases (many nodes, SPEC §10): each node renews its lease by heartbeat; a delivery claim names the
// node holding it, and remembers whose expired claim it took over, so that the attempt log shows the lost attempt.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  address TEXT,
  started_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  lease_until TEXT NOT NULL
);
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN lost_claim TEXT;
CREATE INDEX jobs_claimed ON jobs(status, claimed_by)
`;
