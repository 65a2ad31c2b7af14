// PostgreSQL leaves half of each page of deliveries free, so that claiming a delivery (lease, node: no indexed column)
// writes its new row version on the same page as a heap-only tuple, without an entry in each of the table's four
// indexes (ADR 0135). SQLite rewrites rows in place and has no such setting.
import type { Dialect } from '../db.ts';

export default (d: Dialect): string => (d === 'postgres' ? 'ALTER TABLE deliveries SET (fillfactor = 50)' : '');
