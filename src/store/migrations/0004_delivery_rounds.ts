// Deliveries count the failed attempts of the current round separately from all attempts: a manual retry starts a
// new round (the retry schedule from its first step again) while the attempt log keeps numbering on.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
ALTER TABLE deliveries ADD COLUMN round_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_event ON deliveries(subscription_id, event_id)
`;
