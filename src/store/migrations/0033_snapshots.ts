// Published snapshots on the shared directory (SPEC §10): a version number per instance, bumped in every publishing
// transaction, that nodes compare with the one they serve; the files of replaced versions, removed after a grace
// period once every live node has synced past them; and how far each node has synced.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE snapshots (
  instance_id TEXT PRIMARY KEY,
  version BIGINT NOT NULL,
  published_at TEXT NOT NULL
);
CREATE TABLE snapshot_garbage (
  instance_id TEXT NOT NULL,
  physical TEXT NOT NULL,
  replaced_at TEXT NOT NULL,
  PRIMARY KEY (instance_id, physical)
);
ALTER TABLE nodes ADD COLUMN snapshots_synced_at TEXT
`;
