// Members of instances (issue 18): people, by e-mail, with a role per instance.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE TABLE members (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (instance_id, email)
);
CREATE INDEX members_email ON members(email)
`;
