// The API's resources as the UI reads them (SPEC §5); only the fields the pages use.

export type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'canceled' | 'notStarted';

export interface TaskError {
  code: string;
  message: string;
}

export interface Task {
  id: string;
  operationType: string;
  identifier: string | null;
  friendlyName: string;
  status: Status;
  startedAt: string | null;
  finishedAt: string | null;
  error: TaskError | null;
  stats: Record<string, unknown> | null;
}

export interface Job {
  id: string;
  operationType: string;
  submissionKind: string;
  status: Status;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  tasks: Task[];
}

export interface DataSource {
  id: string;
  name: string;
  kind: string;
  location: string;
  entity: string;
  primaryKey: string | null;
  owners: string[];
  status: Status;
  lastRefresh: {
    jobId: string;
    status: Status;
    finishedAt: string;
    rowsIngested: number;
    error: TaskError | null;
  } | null;
}

export interface Schedule {
  enabled: boolean;
  timezone: string;
  cron: string[];
}

export interface HistoryPoint {
  evaluatedAt: string;
  jobId?: string;
  memberCount?: number;
  value?: number | null;
  values?: Array<{ dimension?: Record<string, unknown>; value: number | null }>;
}

export interface Segment {
  id: string;
  name: string;
  description?: string | null;
  query: string;
  state: 'active' | 'inactive';
  owners?: string[];
  memberCount?: number | null;
  history?: HistoryPoint[];
}

export interface Measure {
  id: string;
  name: string;
  kind: 'business' | 'customer';
  entity: string;
  aggregation: string;
  attribute?: string | null;
  filter?: string | null;
  dimensions?: string[];
  value?: number | null;
  /** One value per dimension value, for a measure with dimensions. */
  values?: Array<{ dimension: Record<string, unknown>; value: number | null }> | null;
  history?: HistoryPoint[];
}

export interface Subscription {
  id: string;
  style: string;
  url: string;
  eventTypes: string[];
  trigger?: string;
  format: string;
  enabled: boolean;
  disabledReason?: string | null;
  description?: string | null;
  segmentId?: string;
  measureId?: string;
  threshold?: number;
  direction?: string;
  createdAt: string;
}

export interface Attempt {
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  createdAt: string;
  nextAttemptAt: string | null;
  attempts: Attempt[];
}

/** One delivery with its bodies: the request as sent and each attempt's response (the first 4 KiB of each). */
export interface DeliveryDetail extends Delivery {
  request: { body: string; bytes: number; truncated: boolean };
  attempts: Array<Attempt & { response: string }>;
}

export interface StoredEvent {
  id: string;
  type: string;
  time: string;
  subject: string | null;
  data: unknown;
}

export interface FlowStep {
  name: string;
  type: string;
  [field: string]: unknown;
}

export interface Flow {
  id: string;
  name: string;
  enabled: boolean;
  trigger: { type: string; [param: string]: unknown };
  steps: FlowStep[];
  updatedAt?: string;
}

export interface FlowRun {
  id: string;
  flowId: string;
  eventId: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  steps: Array<{ name: string; status: string; output: unknown; error: TaskError | null }>;
}

export interface Entity {
  name: string;
  kind: string;
  attributes: Array<{ name: string; type: string }>;
  rowCount: number;
}

export interface ItemsPage {
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Array<Record<string, unknown>>;
}

/** The seven connector triggers (SPEC §4). */
export const triggerNames = [
  'datasource-refresh-failed',
  'datasource-refresh-succeeded',
  'segment-threshold-crossed',
  'measure-threshold-crossed',
  'full-refresh-completed',
  'unification-completed',
  'segment-membership-changed',
] as const;

export const eventTypeOf: Record<string, string> = {
  'datasource-refresh-failed': 'datasource.refresh.failed',
  'datasource-refresh-succeeded': 'datasource.refresh.succeeded',
  'segment-threshold-crossed': 'segment.threshold.crossed',
  'measure-threshold-crossed': 'measure.threshold.crossed',
  'full-refresh-completed': 'refresh.full.completed',
  'unification-completed': 'unification.completed',
  'segment-membership-changed': 'segment.membership.changed',
};
