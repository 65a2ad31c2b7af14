// The shared rate limit in one round trip (PostgreSQL, ADR 0015): a row per connection holding how many of its calls
// rate_limit_calls keeps (its row lock serializes one connection's calls across nodes, in place of an advisory lock
// held over several round trips), and a function that drops the calls that left the window, admits as many of
// `p_calls` simultaneous calls as the limit allows, and reports the oldest call in the window and whether the
// connection was revoked. SQLite keeps the log in memory
// (one process) and only gets the table.
import type { Dialect } from '../db.ts';

const hit = `
CREATE FUNCTION rate_limit_hit(p_connection TEXT, p_now BIGINT, p_window BIGINT, p_limit INTEGER, p_calls INTEGER)
RETURNS TABLE (admitted INTEGER, in_window INTEGER, oldest_ms BIGINT, revoked BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
  kept INTEGER;
  gone INTEGER;
BEGIN
  INSERT INTO rate_limit_windows AS w (connection_id, calls) VALUES (p_connection, 0)
    ON CONFLICT (connection_id) DO UPDATE SET calls = w.calls
    RETURNING w.calls INTO kept;
  DELETE FROM rate_limit_calls WHERE connection_id = p_connection AND at_ms <= p_now - p_window;
  GET DIAGNOSTICS gone = ROW_COUNT;
  kept := kept - gone;
  admitted := GREATEST(0, LEAST(p_calls, p_limit - kept));
  INSERT INTO rate_limit_calls (connection_id, at_ms) SELECT p_connection, p_now FROM generate_series(1, admitted);
  kept := kept + admitted;
  UPDATE rate_limit_windows SET calls = kept WHERE connection_id = p_connection;
  in_window := kept;
  SELECT min(at_ms) INTO oldest_ms FROM rate_limit_calls WHERE connection_id = p_connection;
  SELECT c.revoked_at IS NOT NULL INTO revoked FROM connections c WHERE c.id = p_connection;
  RETURN NEXT;
END
$$`;

export default (d: Dialect): string => `
CREATE TABLE rate_limit_windows (
  connection_id TEXT PRIMARY KEY,
  calls INTEGER NOT NULL
);
INSERT INTO rate_limit_windows (connection_id, calls)
  SELECT connection_id, count(*) FROM rate_limit_calls GROUP BY connection_id
${d === 'postgres' ? `;\n${hit}` : ''}`;
