// What a data source is, as clients send and receive it, with validation.
import { z } from 'zod';
import { attributeTypes, namePattern } from '../datastore/schema.ts';

export const sourceKinds = ['csv', 'ndjson', 'json', 'parquet'] as const;
export type SourceKind = (typeof sourceKinds)[number];

/** Entities the pipeline itself produces; a data source may not take these names. */
export const reservedEntities = [
  'Customer',
  'ConflationMap',
  'SegmentMembership',
  'SegmentMembershipChanges',
  'CustomerMeasures',
];

const email = z.string().trim().toLowerCase().email('must be an e-mail address');
export const ownersSchema = z.array(email).max(50).default([]);

export const sourceOptionsSchema = z
  .strictObject({
    delimiter: z.string().length(1, 'must be one character').optional(),
    header: z.boolean().optional(),
    types: z.record(z.string(), z.enum(attributeTypes as [string, ...string[]])).optional(),
  })
  .default({});

const entityName = z
  .string()
  .regex(namePattern, 'must start with a letter and hold only letters, digits and underscores (at most 64)')
  .refine((n) => !reservedEntities.includes(n), 'is a name the pipeline uses for its own entities');

export const dataSourceIn = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(sourceKinds, { message: `must be one of ${sourceKinds.join(', ')}` }),
  location: z.string().max(1024).optional(),
  entity: entityName.optional(),
  primaryKey: z.string().min(1).max(64).optional(),
  options: sourceOptionsSchema,
  owners: ownersSchema,
  description: z.string().max(1000).optional(),
});
export type DataSourceIn = z.infer<typeof dataSourceIn>;

export const dataSourcePatch = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  location: z.string().max(1024).optional(),
  primaryKey: z.string().min(1).max(64).nullable().optional(),
  options: sourceOptionsSchema.optional(),
  owners: ownersSchema.optional(),
  description: z.string().max(1000).nullable().optional(),
});
export type DataSourcePatch = z.infer<typeof dataSourcePatch>;

export type DataSourceStatus = 'notStarted' | 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface LastRefresh {
  jobId: string;
  status: 'succeeded' | 'failed' | 'canceled';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  rowsIngested: number;
  error: { code: string; message: string } | null;
}

export interface DataSource {
  id: string;
  instanceId: string;
  name: string;
  kind: SourceKind;
  location: string;
  entity: string;
  primaryKey: string | null;
  options: z.infer<typeof sourceOptionsSchema>;
  owners: string[];
  description: string | null;
  status: DataSourceStatus;
  lastRefresh: LastRefresh | null;
  createdAt: string;
  updatedAt: string;
}

/** Default entity name for a data source name: its letters and digits in PascalCase. */
export function entityNameFor(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[^\w\s]/g, ' ')
    .split(/[\s_]+/)
    .filter(Boolean);
  const pascal = words
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')
    .replace(/[^A-Za-z0-9_]/g, '');
  const candidate = /^[A-Za-z]/.test(pascal) ? pascal : `Source${pascal}`;
  const trimmed = candidate.slice(0, 64);
  return reservedEntities.includes(trimmed) ? `${trimmed}Source` : trimmed;
}
