// Types that describe the entities of the data store: what the API can read and what queries are checked against.

/** Attribute types. Numbers and booleans come back as JSON numbers and booleans; dates and timestamps as ISO strings. */
export type AttributeType = 'integer' | 'decimal' | 'boolean' | 'date' | 'timestamp' | 'string';

export const attributeTypes: readonly AttributeType[] = [
  'integer',
  'decimal',
  'boolean',
  'date',
  'timestamp',
  'string',
];

export interface Attribute {
  name: string;
  type: AttributeType;
}

export type EntityKind =
  'source' | 'unified' | 'conflation' | 'segmentMembership' | 'segmentMembershipChanges' | 'measure' | 'realtime';

export interface EntitySchema {
  name: string;
  kind: EntityKind;
  attributes: Attribute[];
  /** Primary-key attribute names (one for most entities); the keyset-paging tiebreak. */
  key: string[];
}

/** A published entity: its schema plus the physical DuckDB table that currently holds it. */
export interface PublishedEntity extends EntitySchema {
  /** Quoted, fully qualified physical table, safe to splice into SQL (e.g. "t_CrmContacts_v3"). */
  table: string;
  rowCount: number;
  version: number;
}

/** Quote an SQL identifier for DuckDB. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A SQL string literal: single quotes doubled. */
/** A SQL string literal. A NUL would end the statement text that DuckDB reads, so it is spliced in as chr(0). */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''").replaceAll('\0', "' || chr(0) || '")}'`;

/** Entity and attribute names: letters, digits and underscores, starting with a letter, at most 64 characters. */
export const namePattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The name inside a quoted identifier; anything else as it is. */
export const unquoteIdent = (table: string): string =>
  /^"(?:[^"]|"")+"$/.test(table) ? table.slice(1, -1).replaceAll('""', '"') : table;

/** The physical table behind part of an entity version: `"Entity__vN"` and `members` → `"Entity__vN__members"`.
 * Such backing tables belong to their version and are dropped with it (dropEntityVersion). */
export const backingName = (table: string, part: string): string => quoteIdent(`${unquoteIdent(table)}__${part}`);

/** Names of backing tables: the version's name, `__`, a lower-case word of two letters or more, optional digits. */
export const backingPattern = '__v[0-9]+__[a-z]{2,}[0-9]*$';

/** Names of log parts: `<Entity>__logN`, tables that several versions of a view read (SegmentMembershipChanges,
 * each job's rows in a part of their own). They belong to no version: a part goes when no view reads it. */
export const logPartPattern = '__log[0-9]*$';

/** The log parts (unquoted names) that a view's definition reads. */
export const logPartsRead = (viewSql: string, entity: string): string[] => [
  ...new Set([...viewSql.matchAll(new RegExp(`\\b${entity}__log[0-9]+\\b`, 'g'))].map((m) => m[0])),
];
