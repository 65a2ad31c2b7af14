// When each connection's key was last used (kept to the minute: see tenancy/last-used.ts).
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
ALTER TABLE connections ADD COLUMN last_used_at TEXT
`;
