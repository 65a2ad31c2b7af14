// Flow runs name the node that claimed them (many nodes, SPEC §10): the sweeper hands the runs of a node whose lease
// expired over to another node at once, instead of leaving them until the run's own five-minute lease ends.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
ALTER TABLE flow_runs ADD COLUMN claimed_by TEXT
`;
