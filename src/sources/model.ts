// What a data source is, as clients send and receive it, with validation.
import { z } from 'zod';
import { displayName } from '../core/text.ts';
import { attributeTypes, namePattern } from '../datastore/schema.ts';

export const fileKinds = ['csv', 'ndjson', 'json', 'parquet'] as const;
export const databaseKinds = ['postgres', 'mysql'] as const;
export const sourceKinds = [...fileKinds, ...databaseKinds, 'http'] as const;
export type SourceKind = (typeof sourceKinds)[number];
export type FileKind = (typeof fileKinds)[number];
export type DatabaseKind = (typeof databaseKinds)[number];

export const isFileKind = (k: SourceKind): k is FileKind => (fileKinds as readonly string[]).includes(k);
export const isDatabaseKind = (k: SourceKind): k is DatabaseKind => (databaseKinds as readonly string[]).includes(k);

/** What a client sends instead of a stored secret to keep it unchanged, and what it receives in its place. */
export const maskedSecret = '***';

/** Entities the pipeline itself produces; a data source may not take these names. */
export const reservedEntities = [
  'Customer',
  'ConflationMap',
  'SegmentMembership',
  'CustomerMeasures',
  'SegmentMembershipChanges',
];

/** True when a name is an output entity's name in any case ("customer" would replace Customer). */
export const isReservedEntity = (name: string): boolean =>
  reservedEntities.some((r) => r.toLowerCase() === name.toLowerCase());

const email = z.string().trim().toLowerCase().email('must be an e-mail address');
export const ownersSchema = z.array(email).max(50).default([]);

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name')
  .refine((n) => !['host', 'content-length', 'transfer-encoding', 'connection'].includes(n.toLowerCase()), {
    message: 'is set by the client itself',
  });
const headerValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL');

export const sourceOptionsSchema = z
  .strictObject({
    delimiter: z.string().length(1, 'must be one character').optional(),
    header: z.boolean().optional(),
    types: z.record(z.string(), z.enum(attributeTypes as [string, ...string[]])).optional(),
    // Databases (postgres, mysql).
    table: z
      .string()
      .regex(/^[^.\0]{1,128}(\.[^.\0]{1,128})?$/, 'must be "table" or "schema.table"')
      .optional(),
    query: z.string().trim().min(1).max(100_000).optional(),
    password: z.string().max(1024).optional(),
    sslmode: z.enum(['disable', 'require', 'verify-full']).optional(),
    connectTimeoutMs: z.int().min(100).max(120_000).optional(),
    statementTimeoutMs: z.int().min(100).max(86_400_000).optional(),
    rowLimit: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    // Web APIs (http).
    format: z.enum(['json', 'ndjson']).optional(),
    rowsPath: z.string().min(1).max(200).optional(),
    nextPath: z.string().min(1).max(200).optional(),
    cursorParam: z.string().min(1).max(200).optional(),
    cursorPath: z.string().min(1).max(200).optional(),
    headers: z.record(headerName, headerValue).optional(),
    maxPages: z.int().min(1).max(100_000).optional(),
    maxBytes: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    timeoutMs: z.int().min(100).max(600_000).optional(),
    retries: z.int().min(0).max(10).optional(),
    // Any kind with a primary key.
    incremental: z.strictObject({ column: z.string().min(1).max(128) }).optional(),
  })
  .default({});

const entityName = z
  .string()
  .regex(namePattern, 'must start with a letter and hold only letters, digits and underscores (at most 64)')
  .refine((n) => !isReservedEntity(n), 'is a name the pipeline uses for its own entities (in any case)');

export const dataSourceIn = z.strictObject({
  name: displayName(100),
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
  name: displayName(100).optional(),
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
  /** Incremental refresh: the largest value of options.incremental.column the last successful refresh read. */
  highWaterMark: string | null;
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
  return isReservedEntity(trimmed) ? `${trimmed}Source` : trimmed;
}
