// Segments, measures and their evaluation history; built-in flows and their runs; real-time records.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE segments (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  query TEXT NOT NULL,
  state TEXT NOT NULL,
  owners TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (instance_id, name)
);

CREATE TABLE measures (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  owners TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (instance_id, name)
);

CREATE TABLE evaluations (
  instance_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (subject_id, job_id)
);
CREATE INDEX evaluations_subject_time ON evaluations(subject_id, evaluated_at);

CREATE TABLE flows (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  subscription_id TEXT NOT NULL,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE flow_runs (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  steps TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  lease_until TEXT
);
CREATE INDEX flow_runs_flow ON flow_runs(flow_id, started_at);
CREATE INDEX flow_runs_due ON flow_runs(status, next_attempt_at);

CREATE TABLE realtime_records (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  record_key TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL,
  valid_until TEXT NOT NULL
);
CREATE INDEX realtime_records_entity ON realtime_records(instance_id, entity, record_key);
`;
