// Incremental refresh: each data source keeps the high-water mark of its last successful refresh.
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
ALTER TABLE data_sources ADD COLUMN high_water_mark TEXT
`;
