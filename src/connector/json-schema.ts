// Turns the zod schemas of route definitions into the schema dialects of the API descriptions: Swagger 2.0 schema
// objects (a draft-04 subset without anyOf, oneOf, const or null types) for the connector definition, and JSON
// Schema 2020-12 for OpenAPI 3.1.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/** Keywords a Swagger 2.0 schema object may hold (vendor extensions aside). */
const swaggerKeywords = new Set([
  '$ref',
  'format',
  'title',
  'description',
  'default',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'additionalProperties',
  'type',
  'items',
  'allOf',
  'properties',
  'readOnly',
  'example',
]);

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON Schema of a zod schema; `io: 'input'` describes what a client sends (defaults make fields optional). */
export function zodJsonSchema(
  schema: z.ZodType,
  opts: { target: 'draft-04' | 'draft-2020-12'; io: 'input' | 'output' },
): JsonSchema {
  const out = z.toJSONSchema(schema, { target: opts.target, io: opts.io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** Rewrites a draft-04 JSON Schema into a Swagger 2.0 schema object. Nullable types become `x-nullable: true`;
 * unions that are not "T or null" become an untyped schema described in words. */
export function toSwaggerSchema(schema: unknown): JsonSchema {
  if (!isObject(schema)) return {};
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) {
    const nonNull = alternatives.filter((a) => !(isObject(a) && a.type === 'null'));
    const nullable = nonNull.length < alternatives.length;
    const base: JsonSchema =
      nonNull.length === 1 ? toSwaggerSchema(nonNull[0]) : (sameTypeEnum(nonNull) ?? anyOfDescribed(nonNull));
    return {
      ...base,
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      ...(schema.default !== undefined ? { default: schema.default } : {}),
      ...(nullable ? { 'x-nullable': true } : {}),
    };
  }
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-')) out[k] = v;
    else if (!swaggerKeywords.has(k)) continue;
    else if (k === 'properties' && isObject(v))
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, toSwaggerSchema(p)]));
    else if (k === 'items') out.items = toSwaggerSchema(Array.isArray(v) ? v[0] : v);
    else if (k === 'allOf' && Array.isArray(v)) out.allOf = v.map(toSwaggerSchema);
    else if (k === 'additionalProperties') out.additionalProperties = isObject(v) ? toSwaggerSchema(v) : v;
    else if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      if (types.length === 1) out.type = types[0];
      if (types.length < v.length) out['x-nullable'] = true;
    } else if (k === 'type' && v === 'null') out['x-nullable'] = true;
    else if (k === 'required' && Array.isArray(v) && v.length === 0) continue;
    else out[k] = v;
  }
  if ('const' in schema) {
    out.enum = [schema.const];
    if (out.type === undefined && typeof schema.const !== 'object') out.type = typeof schema.const;
  }
  if (typeof out.format === 'string') delete out.pattern;
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined)
    out.additionalProperties = {};
  return out;
}

/** A union of literals of one type (zod enums of mixed literals) as one enum. */
function sameTypeEnum(alternatives: unknown[]): JsonSchema | undefined {
  const values: unknown[] = [];
  let type: unknown;
  for (const a of alternatives) {
    if (!isObject(a) || !('const' in a || Array.isArray(a.enum))) return undefined;
    const vs = 'const' in a ? [a.const] : (a.enum as unknown[]);
    for (const v of vs) {
      if (type !== undefined && typeof v !== type) return undefined;
      type = typeof v;
      values.push(v);
    }
  }
  return { type, enum: values };
}

function anyOfDescribed(alternatives: unknown[]): JsonSchema {
  const types = alternatives.map((a) => (isObject(a) && typeof a.type === 'string' ? a.type : 'object'));
  return { description: `one of: ${[...new Set(types)].join(', ')}` };
}

/** A Swagger 2.0 schema object of a zod schema. */
export const swaggerSchemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema =>
  toSwaggerSchema(zodJsonSchema(schema, { target: 'draft-04', io }));
