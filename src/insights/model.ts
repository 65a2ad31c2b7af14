// What segments and measures are, as clients send and receive them, with validation of their shape. Whether a query
// or an attribute fits the data is checked separately (check.ts), against the attributes queries can see.
import { displayName } from '../core/text.ts';
import { z } from 'zod';
import { maxQueryLength } from '../datastore/odata/index.ts';
import { namePattern } from '../datastore/schema.ts';

export const segmentStates = ['active', 'inactive'] as const;
export type SegmentState = (typeof segmentStates)[number];

export const measureKinds = ['business', 'customer'] as const;
export type MeasureKind = (typeof measureKinds)[number];

export const aggregations = ['sum', 'avg', 'count', 'countDistinct', 'min', 'max'] as const;
export type Aggregation = (typeof aggregations)[number];

/** At most this many dimensions per measure, and history points per response. */
export const maxDimensions = 5;
export const historyLimit = 100;

const email = z.string().trim().toLowerCase().email('must be an e-mail address');
const owners = z.array(email).max(50);
const name = displayName(100);
const description = z.string().max(1000).nullable();
const attributeName = z.string().min(1).max(64);
const query = z
  .string()
  .trim()
  .min(1, "must not be empty: an OData $filter over Customer, e.g. Country eq 'DE'")
  .max(maxQueryLength);

export const segmentIn = z.strictObject({
  name,
  description: description.optional(),
  /** OData $filter over Customer. */
  query,
  /** inactive segments are skipped in refreshes. Default active. */
  state: z.enum(segmentStates, { message: 'must be active or inactive' }).default('active'),
  owners: owners.default([]),
});
export type SegmentIn = z.infer<typeof segmentIn>;

export const segmentPatch = z.strictObject({
  name: name.optional(),
  description: description.optional(),
  query: query.optional(),
  state: z.enum(segmentStates, { message: 'must be active or inactive' }).optional(),
  owners: owners.optional(),
});
export type SegmentPatch = z.infer<typeof segmentPatch>;

const link = z.strictObject({
  /** A source entity mapped in unification, whose records ConflationMap ties to customers. */
  entity: attributeName,
  /** The attribute of the measure's entity holding that entity's primary key. */
  attribute: attributeName,
});

const measureFields = {
  description: description.optional(),
  kind: z.enum(measureKinds, { message: 'must be business or customer' }),
  entity: z.string().min(1).max(64),
  aggregation: z.enum(aggregations, { message: `must be one of ${aggregations.join(', ')}` }),
  attribute: attributeName.nullable().optional(),
  filter: z.string().max(maxQueryLength).nullable().optional(),
  dimensions: z.array(attributeName).max(maxDimensions, `at most ${maxDimensions} dimensions`),
  /** How rows of a source entity that is not mapped in unification reach customers (default: inferred). */
  link: link.nullable().optional(),
  owners,
};

export const measureIn = z.strictObject({
  name,
  ...measureFields,
  kind: measureFields.kind.default('business'),
  dimensions: measureFields.dimensions.default([]),
  owners: owners.default([]),
});
export type MeasureIn = z.infer<typeof measureIn>;

export const measurePatch = z.strictObject({
  name: name.optional(),
  description: measureFields.description,
  kind: measureFields.kind.optional(),
  entity: measureFields.entity.optional(),
  aggregation: measureFields.aggregation.optional(),
  attribute: measureFields.attribute,
  filter: measureFields.filter,
  dimensions: measureFields.dimensions.optional(),
  link: measureFields.link,
  owners: owners.optional(),
});
export type MeasurePatch = z.infer<typeof measurePatch>;

/** What a measure computes, as stored in measures.definition. */
export interface MeasureDefinition {
  kind: MeasureKind;
  entity: string;
  aggregation: Aggregation;
  attribute: string | null;
  filter: string | null;
  dimensions: string[];
  link: { entity: string; attribute: string } | null;
}

export interface Segment {
  id: string;
  instanceId: string;
  name: string;
  description: string | null;
  query: string;
  state: SegmentState;
  owners: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Measure extends MeasureDefinition {
  id: string;
  instanceId: string;
  name: string;
  description: string | null;
  owners: string[];
  createdAt: string;
  updatedAt: string;
}

/** One value of a measure with dimensions. */
export interface DimensionValue {
  dimension: Record<string, unknown>;
  value: number | null;
}

/** One evaluation, as history shows it. */
export interface HistoryPoint {
  evaluatedAt: string;
  jobId: string;
  memberCount?: number;
  value?: number | null;
  values?: DimensionValue[];
  /** Customer measures: customers with a value. */
  customers?: number;
}

/** A customer measure's column in CustomerMeasures is named after the measure. */
export const isColumnName = (n: string): boolean => namePattern.test(n) && n !== 'CustomerId';
