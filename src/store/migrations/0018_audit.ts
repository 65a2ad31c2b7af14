// The audit log (issue 18): one row per change, written in the transaction of the change it records.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  at TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_email TEXT,
  actor_name TEXT,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  summary TEXT NOT NULL,
  request_id TEXT
);
CREATE INDEX audit_log_instance_at ON audit_log(instance_id, at, id);
CREATE INDEX audit_log_at ON audit_log(at)
`;
