// Event payloads for tests that emit events straight through the outbox.
import type { EventData } from '../../src/events/catalog.ts';

/** A succeeded unification.completed payload of job `jobId`. */
export const unificationCompleted = (jobId = 'job_x'): EventData<'unification.completed'> => ({
  jobId,
  status: 'succeeded',
  sourceRecords: 1,
  unifiedProfiles: 1,
  matchedRecords: 0,
  matchesPerRule: {},
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  error: null,
});
