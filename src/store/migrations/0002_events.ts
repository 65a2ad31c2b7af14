// The outbox (events), subscriptions, deliveries and their attempts, and the shared rate-limit counters.
import type { Dialect } from '../db.ts';

export default (d: Dialect): string => `
CREATE TABLE events (
  position ${d === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT'},
  id TEXT NOT NULL UNIQUE,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  time TEXT NOT NULL,
  subject TEXT,
  data TEXT NOT NULL
);
CREATE INDEX events_instance_position ON events(instance_id, position);
CREATE INDEX events_instance_type_position ON events(instance_id, type, position);

CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  connection_id TEXT,
  style TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  params TEXT NOT NULL,
  format TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until TEXT,
  next_sequence BIGINT NOT NULL DEFAULT 1,
  trigger_state TEXT NOT NULL,
  description TEXT,
  disabled_reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX subscriptions_instance ON subscriptions(instance_id);

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  first_attempt_at TEXT,
  next_attempt_at TEXT,
  lease_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, created_at);

CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  status_code INTEGER,
  latency_ms DOUBLE PRECISION NOT NULL,
  error TEXT,
  response TEXT,
  PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE rate_limit_calls (
  connection_id TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX rate_limit_calls_connection ON rate_limit_calls(connection_id, at_ms);
`;
