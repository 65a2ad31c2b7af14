// Flow runs keep the event envelope they were started by (templates render over it).
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
ALTER TABLE flow_runs ADD COLUMN envelope TEXT
`;
