// What the flow designer shows for each field of the connector: a title (x-ms-summary, title case) and a sentence
// (description). Fields are named alike across responses and events, so one table serves them all; a schema's own
// description (zod .describe()) wins over the table's. nameFields() fills in every property and parameter of the
// definition, so no field reaches the designer as a raw name (test/connector-definitions.test.ts counts them).
import type { JsonSchema } from './json-schema.ts';

/** [title, sentence] by field name. */
export const fieldTexts: Record<string, readonly [string, string]> = {
  '@odata.context': ['OData context', 'The URL of the metadata describing these items.'],
  '@odata.count': ['Total count', 'How many items match the filter, over all pages (when Include Count is true).'],
  '@odata.nextLink': ['Next page link', 'Link to the next page of items; absent on the last page.'],
  value: ['Items', 'The items of this page.'],
  id: ['ID', 'The identifier of this resource.'],
  name: ['Name', 'The display name.'],
  description: ['Description', 'A description in words.'],
  createdAt: ['Created at', 'When it was created (ISO 8601, UTC).'],
  updatedAt: ['Updated at', 'When it was last changed (ISO 8601, UTC).'],
  query: ['Query', 'The OData filter that selects the members.'],
  state: ['State', 'active or inactive.'],
  owners: ['Owners', 'E-mail addresses of the people responsible.'],
  memberCount: ['Member count', 'Number of customers in the segment at the last evaluation.'],
  lastEvaluatedAt: ['Last evaluated at', 'When it was last evaluated (ISO 8601, UTC).'],
  history: ['History', 'Earlier evaluations, newest last.'],
  evaluatedAt: ['Evaluated at', 'When the evaluation ran (ISO 8601, UTC).'],
  jobId: ['Job ID', 'The refresh job that produced this.'],
  values: ['Values', 'One value per combination of dimension values.'],
  dimension: ['Dimension', 'The dimension values this value belongs to, by dimension attribute.'],
  customers: ['Customers with a value', 'Number of customers that have a value of this customer measure.'],
  kind: ['Kind', 'What kind it is.'],
  entity: ['Entity', 'The entity (table) it belongs to.'],
  aggregation: ['Aggregation', 'How values are combined: count, sum, avg, min, max or distinctCount.'],
  attribute: ['Attribute', 'The attribute that is aggregated.'],
  filter: ['Filter', 'An OData filter applied before aggregating.'],
  dimensions: ['Dimensions', 'Attributes the measure is broken down by.'],
  link: ['Link to customers', 'How rows of the entity lead to customers.'],
  attributes: ['Attributes', 'The attributes (columns) with their types.'],
  type: ['Type', 'The data type or kind.'],
  key: ['Key attributes', 'The attributes that identify a row.'],
  rowCount: ['Row count', 'Number of rows in the published snapshot.'],
  version: ['Version', 'The snapshot version; it grows with every publish.'],
  format: ['File format', 'parquet or csv.'],
  sizeBytes: ['Size in bytes', 'Size of the file.'],
  url: ['Link', 'An absolute link to open.'],
  token: ['Partition token', 'Pass it to "Retrieve data from a partition" as it is.'],
  expiresAt: ['Expires at', 'When the link stops working (ISO 8601, UTC).'],
  validUntil: ['Valid until', 'When the real-time values expire (ISO 8601, UTC).'],
  record: ['Record', 'The stored record, by attribute.'],
  fields: ['Fields', 'The stored field values, by attribute.'],
  reportType: ['Report type', 'The kind of status report.'],
  instanceId: ['Instance ID', 'The Insightflow instance (environment).'],
  generatedAt: ['Generated at', 'When the report was made (ISO 8601, UTC).'],
  latestJob: ['Latest job', 'The most recent refresh job.'],
  jobs: ['Jobs', 'Recent refresh jobs, newest first.'],
  tasks: ['Tasks', 'The tasks of the job with their statuses.'],
  data: ['Event data', 'What happened, by event type.'],
  dataSourceId: ['Data source ID', 'The data source.'],
  dataSourceName: ['Data source name', 'The name of the data source.'],
  submissionKind: ['Submission kind', 'scheduled or onDemand.'],
  status: ['Status', 'queued, running, succeeded, failed, skipped or canceled.'],
  startedAt: ['Started at', 'When it started (ISO 8601, UTC).'],
  finishedAt: ['Finished at', 'When it ended (ISO 8601, UTC).'],
  durationMs: ['Duration (ms)', 'How long it ran, in milliseconds.'],
  rowsIngested: ['Rows ingested', 'Number of rows read from the data source.'],
  error: ['Error', 'What went wrong, when it failed.'],
  code: ['Error code', 'A stable code naming the kind of error.'],
  message: ['Error message', 'What went wrong, in words.'],
  requestId: ['Request ID', 'Quote it when asking for help with this call.'],
  secret: ['Signing secret', 'The secret that signs deliveries (shown once).'],
  segmentId: ['Segment ID', 'The segment.'],
  segmentName: ['Segment name', 'The name of the segment.'],
  threshold: ['Threshold', 'The threshold that was crossed.'],
  direction: ['Direction', 'above or below: the direction in which the value crossed.'],
  previousValue: ['Previous value', 'The value at the evaluation before.'],
  currentValue: ['Current value', 'The value at this evaluation.'],
  measureId: ['Measure ID', 'The measure.'],
  measureName: ['Measure name', 'The name of the measure.'],
  operationType: ['Operation type', 'ingestion, unification, segment, measure or publish.'],
  identifier: ['Identifier', 'What the task works on (a data source, segment or measure).'],
  friendlyName: ['Friendly name', 'The name of what the task works on.'],
  sourceRecords: ['Source records', 'Number of records read from the source entities.'],
  unifiedProfiles: ['Unified profiles', 'Number of customer profiles after merging.'],
  matchedRecords: ['Matched records', 'Number of records matched to another record.'],
  matchesPerRule: ['Matches per rule', 'Number of matched pairs per match rule.'],
  entered: ['Entered', 'Number of customers who entered the segment.'],
  exited: ['Exited', 'Number of customers who left the segment.'],
  changesLink: ['Changes link', 'Link to the changed customers (Get items on SegmentMembershipChanges).'],
  customerId: ['Customer ID', 'The customer.'],
  change: ['Change', 'entered or exited.'],
  profile: ['Profile', "The customer's unified attributes."],
  truncated: ['Truncated', 'True on the summary that follows a capped series of per-customer events.'],
  time: ['Event time', 'When the event happened (ISO 8601, UTC).'],
  subscriptionId: ['Subscription ID', 'The subscription the event was delivered to.'],
  sequence: ['Sequence', 'Increases by one with every event of the subscription.'],
  callbackUrl: ['Callback URL', 'The URL the events are posted to (filled in by Power Automate).'],
  hysteresis: ['Hysteresis', 'After firing, re-arm only once the value has moved back by this much.'],
  includeManual: ['Include manual refreshes', 'false: scheduled full refreshes only; true: on-demand ones too.'],
  enabled: ['Enabled', 'Whether it is active.'],
  stats: ['Statistics', 'Figures the task recorded.'],
  result: ['Result', 'The outcome.'],
};

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A title from a field name, when the table has none: "segmentName" → "Segment name", "CustomerId" → "Customer ID". */
export function titleOf(name: string): string {
  const words = name
    .replace(/^@odata\./, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((w, i) => (/^id$/i.test(w) ? 'ID' : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w.toLowerCase()));
  return words.join(' ') || name;
}

const textsOf = (name: string): readonly [string, string] => {
  const known = Object.hasOwn(fieldTexts, name) ? fieldTexts[name] : undefined;
  return known ?? [titleOf(name), `The ${titleOf(name).toLowerCase()}.`];
};

/** Gives every property of `schema` (deeply) an x-ms-summary and a description; returns the same schema. */
export function nameFields(schema: unknown): JsonSchema {
  if (!isObject(schema)) return {};
  if (isObject(schema.properties))
    for (const [name, p] of Object.entries(schema.properties)) {
      if (!isObject(p)) continue;
      const [title, sentence] = textsOf(name);
      if (typeof p['x-ms-summary'] !== 'string') p['x-ms-summary'] = title;
      if (typeof p.description !== 'string' || p.description === '') p.description = sentence;
      nameFields(p);
    }
  if (isObject(schema.items)) nameFields(schema.items);
  if (isObject(schema.additionalProperties)) nameFields(schema.additionalProperties);
  if (Array.isArray(schema.allOf)) schema.allOf.forEach(nameFields);
  return schema;
}

/** Gives a parameter its x-ms-summary and description when it has none; body parameters get their fields named. */
export function nameParameter(p: JsonSchema): JsonSchema {
  if (p.in === 'body') {
    nameFields(p.schema);
    if (typeof p['x-ms-summary'] !== 'string') p['x-ms-summary'] = 'Body';
    if (typeof p.description !== 'string') p.description = 'The values to send.';
    return p;
  }
  const [title, sentence] = textsOf(String(p.name));
  if (typeof p['x-ms-summary'] !== 'string') p['x-ms-summary'] = title;
  if (typeof p.description !== 'string' || p.description === '') p.description = sentence;
  return p;
}
