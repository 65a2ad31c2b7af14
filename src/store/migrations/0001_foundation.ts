// Instances, connections, settings, data sources, the entity catalog, jobs and tasks.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);

CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  instance_id TEXT REFERENCES instances(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  system_admin INTEGER NOT NULL DEFAULT 0,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  rate_limit INTEGER,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX connections_instance ON connections(instance_id);

CREATE TABLE settings (
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (instance_id, name)
);

CREATE TABLE data_sources (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  location TEXT NOT NULL,
  entity TEXT NOT NULL,
  primary_key TEXT,
  options TEXT NOT NULL,
  owners TEXT NOT NULL,
  status TEXT NOT NULL,
  last_refresh TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (instance_id, name),
  UNIQUE (instance_id, entity)
);

CREATE TABLE entities (
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  physical TEXT NOT NULL,
  version INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  key_attributes TEXT NOT NULL,
  row_count BIGINT NOT NULL,
  published_at TEXT NOT NULL,
  job_id TEXT,
  PRIMARY KEY (instance_id, name)
);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  operation_type TEXT NOT NULL,
  identifiers TEXT,
  submission_kind TEXT NOT NULL,
  status TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  claimed_by TEXT,
  heartbeat_at TEXT
);
CREATE INDEX jobs_instance_submitted ON jobs(instance_id, submitted_at);
CREATE INDEX jobs_status ON jobs(status, submitted_at);
CREATE UNIQUE INDEX jobs_one_running_per_instance ON jobs(instance_id) WHERE status = 'running';

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  operation_type TEXT NOT NULL,
  identifier TEXT,
  friendly_name TEXT NOT NULL,
  depends_on TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  error TEXT,
  stats TEXT
);
CREATE INDEX tasks_job ON tasks(job_id, ordinal);
CREATE INDEX tasks_identifier ON tasks(operation_type, identifier);
`;
