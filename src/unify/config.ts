// The unification configuration (SPEC §6: map, match, merge): its schema, its validation against the source entities'
// schemas, and the unified attributes (with types) that it yields for the Customer entity.
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import type { Attribute, AttributeType, EntitySchema } from '../datastore/schema.ts';
import { namePattern } from '../datastore/schema.ts';

export const normalizations = [
  'whitespace',
  'lowercase',
  'symbols',
  'numerals',
  'unicodeToAscii',
  'phone',
  'email',
  'name',
  'alias',
] as const;
export type Normalization = (typeof normalizations)[number];

export const precisionLevels = { exact: 1, high: 0.8, medium: 0.6, low: 0.3 } as const;
export type PrecisionLevel = keyof typeof precisionLevels;

export const mergePolicies = ['importance', 'mostRecent', 'leastRecent', 'mostFilled'] as const;
export type MergePolicyName = (typeof mergePolicies)[number];

const attributeName = z
  .string()
  .regex(namePattern, 'must start with a letter and hold only letters, digits and underscores (at most 64)')
  .refine((n) => n !== 'CustomerId', 'CustomerId is produced by unification and cannot be mapped');

const precision = z.union([
  z.enum(['exact', 'high', 'medium', 'low'], { message: 'must be exact, high, medium, low or a number in 0..1' }),
  z.number().gt(0, 'must be a number above 0 and at most 1').max(1, 'must be a number above 0 and at most 1'),
]);

const condition = z.strictObject({
  attribute: z.string().min(1),
  /** Applied in the order given, to matching only (stored values never change). Default: none. */
  normalize: z
    .array(z.enum(normalizations, { message: `must be one of ${normalizations.join(', ')}` }))
    .max(10)
    .default([]),
  /** `exact` (default), `high` 0.8, `medium` 0.6, `low` 0.3, or a similarity in (0, 1]. */
  precision: precision.default('exact'),
});

const rule = z.strictObject({
  name: z.string().trim().min(1).max(100),
  conditions: z.array(condition).min(1, 'a rule needs at least one condition').max(10),
});

const mergePolicy = z.strictObject({
  policy: z.enum(mergePolicies, { message: `must be one of ${mergePolicies.join(', ')}` }),
  /** The date (or number) attribute that `mostRecent` / `leastRecent` order by. */
  by: z.string().min(1).optional(),
});

export const unificationConfigSchema = z.strictObject({
  map: z
    .array(
      z.strictObject({
        entity: z.string().min(1),
        primaryKey: z.string().min(1),
        /** Source column → unified attribute. */
        attributes: z.record(z.string().min(1), attributeName),
      }),
    )
    .min(1, 'map at least one entity')
    .max(50),
  match: z.strictObject({
    /** Entities ranked, most important first; also the `importance` order of merge. */
    order: z.array(z.string()),
    /** Apply the rules within each entity too. Default true. */
    deduplicate: z.boolean().default(true),
    rules: z.array(rule).max(50).default([]),
    /** Extra nickname → canonical given name pairs for the `alias` normalization (case-insensitive). */
    aliases: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** Country calling code (digits, e.g. "49") assumed for phone numbers written without one. Default: none. */
    phoneCountry: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/, 'must be a country calling code of 1 to 3 digits, e.g. "49"')
      .optional(),
    /**
     * Largest block (records sharing one blocking-key value) compared pair by pair for fuzzy conditions; larger
     * blocks are split by the fuzzy values' prefixes and suffixes, and blocks still larger are skipped. Default 1000.
     */
    maxBlockSize: z.number().int().min(2).max(100_000).default(1000),
  }),
  merge: z.strictObject({
    default: mergePolicy.default({ policy: 'importance' }),
    attributes: z.record(z.string(), mergePolicy).default({}),
  }),
});

export type UnificationConfig = z.infer<typeof unificationConfigSchema>;
export type UnificationConfigIn = z.input<typeof unificationConfigSchema>;
export type MatchRule = UnificationConfig['match']['rules'][number];
export type MatchCondition = MatchRule['conditions'][number];
export type MergePolicy = UnificationConfig['merge']['default'];

export interface ConfigIssue {
  path: string;
  message: string;
}

/** The similarity a condition's values must reach: 1 for `exact`. */
export const precisionValue = (p: MatchCondition['precision']): number =>
  typeof p === 'number' ? p : precisionLevels[p];

/** Merge policy of one unified attribute. */
export const policyOf = (config: UnificationConfig, attribute: string): MergePolicy =>
  config.merge.attributes[attribute] ?? config.merge.default;

/** The type of a unified attribute fed by columns of these types: one common type, or the widest sensible one. */
function unifiedType(types: AttributeType[]): AttributeType {
  const set = new Set(types);
  if (set.size === 1) return types[0] as AttributeType;
  if ([...set].every((t) => t === 'integer' || t === 'decimal')) return 'decimal';
  if ([...set].every((t) => t === 'date' || t === 'timestamp')) return 'timestamp';
  return 'string';
}

/**
 * The attributes of `Customer`: `CustomerId` (string) first, then each unified attribute in the order it is first
 * mapped, typed from its source columns (columns missing from `entities` count as strings).
 */
export function unifiedAttributes(config: UnificationConfig, entities: EntitySchema[]): Attribute[] {
  const types = new Map<string, AttributeType[]>();
  for (const m of config.map) {
    const schema = entities.find((e) => e.name === m.entity);
    for (const [column, attr] of Object.entries(m.attributes)) {
      const t = schema?.attributes.find((a) => a.name === column)?.type ?? 'string';
      types.set(attr, [...(types.get(attr) ?? []), t]);
    }
  }
  return [{ name: 'CustomerId', type: 'string' }, ...[...types].map(([name, ts]) => ({ name, type: unifiedType(ts) }))];
}

function zodIssues(err: z.ZodError): ConfigIssue[] {
  return err.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message,
  }));
}

function mapIssues(config: UnificationConfig, entities: EntitySchema[], pending: string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  config.map.forEach((m, i) => {
    const schema = entities.find((e) => e.name === m.entity);
    if (seen.has(m.entity)) issues.push({ path: `map.${i}.entity`, message: `entity "${m.entity}" is mapped twice` });
    seen.add(m.entity);
    if (!schema) {
      if (!pending.includes(m.entity))
        issues.push({ path: `map.${i}.entity`, message: `unknown entity "${m.entity}"` });
      return;
    }
    const has = (c: string) => schema.attributes.some((a) => a.name === c);
    if (!has(m.primaryKey))
      issues.push({ path: `map.${i}.primaryKey`, message: `unknown column "${m.primaryKey}" in entity ${m.entity}` });
    const targets = new Map<string, string>();
    for (const [column, attr] of Object.entries(m.attributes)) {
      if (!has(column))
        issues.push({ path: `map.${i}.attributes.${column}`, message: `unknown column "${column}" in ${m.entity}` });
      const other = targets.get(attr);
      if (other !== undefined)
        issues.push({
          path: `map.${i}.attributes.${column}`,
          message: `columns "${other}" and "${column}" of ${m.entity} both map to ${attr}`,
        });
      targets.set(attr, column);
    }
  });
  return issues;
}

function matchIssues(config: UnificationConfig, attrs: Map<string, AttributeType>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mapped = config.map.map((m) => m.entity);
  const order = config.match.order;
  const missing = mapped.filter((e) => !order.includes(e));
  const extra = order.filter((e) => !mapped.includes(e));
  const dup = order.filter((e, i) => order.indexOf(e) !== i);
  if (missing.length || extra.length || dup.length)
    issues.push({
      path: 'match.order',
      message:
        'must list each mapped entity exactly once' +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (extra.length ? `; not mapped ${extra.join(', ')}` : '') +
        (dup.length ? `; repeated ${dup.join(', ')}` : ''),
    });
  const names = new Set<string>();
  config.match.rules.forEach((r, i) => {
    if (names.has(r.name)) issues.push({ path: `match.rules.${i}.name`, message: `rule name "${r.name}" is repeated` });
    names.add(r.name);
    r.conditions.forEach((c, j) => {
      if (!attrs.has(c.attribute))
        issues.push({
          path: `match.rules.${i}.conditions.${j}.attribute`,
          message: `attribute "${c.attribute}" is not mapped by any entity`,
        });
    });
  });
  return issues;
}

function mergeIssues(
  config: UnificationConfig,
  attrs: Map<string, AttributeType>,
  untyped: Set<string>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (p: MergePolicy, path: string) => {
    const ordered = p.policy === 'mostRecent' || p.policy === 'leastRecent';
    if (ordered && !p.by) issues.push({ path, message: `policy ${p.policy} needs "by", a date attribute` });
    if (!ordered && p.by)
      issues.push({ path: `${path}.by`, message: `"by" applies only to mostRecent and leastRecent` });
    if (ordered && p.by) {
      const t = attrs.get(p.by);
      if (!t) issues.push({ path: `${path}.by`, message: `attribute "${p.by}" is not mapped by any entity` });
      else if ((t === 'string' || t === 'boolean') && !untyped.has(p.by))
        issues.push({ path: `${path}.by`, message: `attribute "${p.by}" is a ${t}; "by" needs a date or a number` });
    }
  };
  check(config.merge.default, 'merge.default');
  for (const [attr, p] of Object.entries(config.merge.attributes)) {
    if (!attrs.has(attr))
      issues.push({ path: `merge.attributes.${attr}`, message: `attribute "${attr}" is not mapped by any entity` });
    check(p, `merge.attributes.${attr}`);
  }
  return issues;
}

/**
 * Parses and checks a unification configuration against the source entities it maps. Entities named in `pending`
 * (a data source's entity that has no data yet) are accepted without their columns, which are checked when the job
 * runs. Throws `AppError('ValidationFailed', message, { errors: [{ path, message }] })` listing every problem found.
 */
export function validateUnificationConfig(
  input: unknown,
  entities: EntitySchema[],
  opts: { pending?: string[] } = {},
): UnificationConfig {
  const pending = opts.pending ?? [];
  const parsed = unificationConfigSchema.safeParse(input);
  const fail = (issues: ConfigIssue[]) => {
    const head = issues
      .slice(0, 5)
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; ');
    return new AppError('ValidationFailed', `invalid unification configuration: ${head}`, { errors: issues });
  };
  if (!parsed.success) throw fail(zodIssues(parsed.error));
  const config = parsed.data;
  const attrs = new Map(unifiedAttributes(config, entities).map((a) => [a.name, a.type]));
  attrs.delete('CustomerId');
  /** Attributes fed only by entities without data: their types are known at run time. */
  const typed = new Set(config.map.filter((m) => !pending.includes(m.entity)));
  const untyped = new Set(
    [...attrs.keys()].filter((a) => ![...typed].some((m) => Object.values(m.attributes).includes(a))),
  );
  const issues = [
    ...mapIssues(config, entities, pending),
    ...matchIssues(config, attrs),
    ...mergeIssues(config, attrs, untyped),
  ];
  if (issues.length) throw fail(issues);
  return config;
}
