// Evaluation history read by instance (the segment and measure lists) through an index, not a scan of every
// instance's rows; each subject keeps its last historyLimit evaluations (recordEvaluation prunes the rest).
import type { Dialect } from '../db.ts';

export default (_d: Dialect): string => `
CREATE INDEX evaluations_instance_subject_time ON evaluations(instance_id, subject_id, evaluated_at)
`;
