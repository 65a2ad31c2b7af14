// "GetEntitySchema": the JSON Schema of one row of an entity, each attribute with its type, format and a title, so
// that the flow designer types the rows of Get items, Get item, Create item and Update item (x-ms-dynamic-schema).
// Key attributes are required, except on Customer, whose rows are only updated (the key is in the path).
import { AppError } from '../core/errors.ts';
import type { AttributeType } from '../datastore/index.ts';
import { getEntity } from '../datastore/index.ts';
import type { Db } from '../store/index.ts';
import type { JsonSchema } from './json-schema.ts';
import { profileEntity } from './entity-source.ts';

const typeOf: Record<AttributeType, JsonSchema> = {
  integer: { type: 'integer', format: 'int64' },
  decimal: { type: 'number', format: 'double' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  timestamp: { type: 'string', format: 'date-time' },
  string: { type: 'string' },
};

const words: Record<AttributeType, string> = {
  integer: 'a whole number',
  decimal: 'a number',
  boolean: 'true or false',
  date: 'a date (YYYY-MM-DD)',
  timestamp: 'a time (ISO 8601)',
  string: 'text',
};

/** Entities that take "Create item": source entities (Customer and other output entities are computed). */
export const isWritable = (kind: string): boolean => kind === 'source';

export async function entitySchema(db: Db, instanceId: string, name: string): Promise<JsonSchema> {
  const entity = await getEntity(db, instanceId, name);
  if (!entity) throw new AppError('NotFound', `entity ${name} not found (GET …/manage/entities lists them)`);
  const properties = Object.fromEntries(
    entity.attributes.map((a) => [
      a.name,
      {
        ...typeOf[a.type],
        'x-ms-summary': a.name,
        description: `${a.name} of ${entity.name}: ${words[a.type]}${entity.key.includes(a.name) ? ' (key)' : ''}.`,
      },
    ]),
  );
  const required = name === profileEntity ? [] : entity.key;
  return {
    type: 'object',
    title: entity.name,
    properties,
    ...(required.length ? { required } : {}),
  };
}
