// The generated API descriptions: the connector definition validates against Microsoft's connector schema and as
// Swagger 2.0, apiProperties.json against the paconn schema, openapi.json as OpenAPI 3.1; the committed copies under
// docs/connector/ are what the route definitions generate (run `npm run generate` when this fails).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv } from 'ajv';
import AjvDraft04Export from 'ajv-draft-04';
import { parse } from 'jsonc-parser';
import { formatJson } from '../src/cli/generate.ts';
import { definitionFiles, definitionsDir } from '../src/connector/definitions.ts';
import { triggerNames } from '../src/events/index.ts';
import { routes } from '../src/http/routes/index.ts';

// ajv-draft-04's types describe its CommonJS build; under Node's ESM loader the class is its default export.
const AjvDraft04 = (AjvDraft04Export as unknown as { default: typeof Ajv }).default;

const root = path.resolve(import.meta.dirname, '..');
const schemas = path.resolve(root, '../shared/schemas');
const files = definitionFiles(routes);
const swagger = files['swagger.json'] as any;

test('the connector definition validates against apiDefinition.swagger.schema.json', () => {
  const schema = parse(readFileSync(path.join(schemas, 'apiDefinition.swagger.schema.json'), 'utf8'));
  const ajv = new AjvDraft04({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(swagger), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
});

test('the connector definition is valid Swagger 2.0 and openapi.json valid OpenAPI 3.1', async () => {
  await SwaggerParser.validate(structuredClone(swagger));
  const openapi = files['openapi.json'] as any;
  assert.equal(openapi.openapi, '3.1.0');
  await SwaggerParser.validate(structuredClone(openapi));
});

test('apiProperties.json validates against paconn-apiProperties.schema.json', () => {
  const schema = parse(readFileSync(path.join(schemas, 'paconn-apiProperties.schema.json'), 'utf8'));
  // A draft-07 schema that names itself with draft-04's "id"; Ajv 8 wants "$id".
  schema.$id = schema.id;
  delete schema.id;
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(files['apiProperties.json']), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
});

const operations = (): Array<{ path: string; method: string; op: any; item: any }> =>
  Object.entries(swagger.paths).flatMap(([p, item]: [string, any]) =>
    Object.entries(item)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([method, op]) => ({ path: p, method, op, item })),
  );

test('every action of the original connector is an operation whose summary is its name', () => {
  const summaries = new Map(operations().map((o) => [o.op.summary, `${o.method} ${o.path}`]));
  const expected: Record<string, string> = {
    'Get entities': 'get /v1/instances/{instanceId}/manage/entities',
    'Get items from an entity': 'get /v1/instances/{instanceId}/data/{entity}',
    'Get item': 'get /v1/instances/{instanceId}/data/{entity}/{key}',
    'Create item': 'post /v1/instances/{instanceId}/data/{entity}',
    'Update item': 'patch /v1/instances/{instanceId}/data/Customer/{key}',
    'Retrieve partitions for an entity': 'get /v1/instances/{instanceId}/manage/entities/{entity}/partitions',
    'Retrieve data from a partition': 'get /v1/partitions/{token}',
    'Sends the status report': 'post /v1/instances/{instanceId}/statusreport',
  };
  for (const [summary, where] of Object.entries(expected)) assert.equal(summaries.get(summary), where, summary);
  const items = operations().find((o) => o.op.operationId === 'GetItems')?.op;
  assert.deepEqual(items['x-ms-pageable'], { nextLinkName: '@odata.nextLink' });
  assert.deepEqual(
    items.parameters.map((p: any) => p.name),
    ['instanceId', 'entity', '$filter', '$select', '$orderby', '$top', '$skip', '$count', '$skiptoken'],
  );
  for (const p of items.parameters) assert.ok(p['x-ms-summary'], `x-ms-summary on ${p.name}`);
  const entity = items.parameters.find((p: any) => p.name === 'entity');
  assert.equal(entity['x-ms-dynamic-values'].operationId, 'GetEntities');
  assert.deepEqual(entity['x-ms-dynamic-values'].parameters, { instanceId: { parameter: 'instanceId' } });
  assert.equal(items.parameters[0]['x-ms-dynamic-values'].operationId, 'GetInstances');
  assert.equal(operations().find((o) => o.op.operationId === 'GetPartitionData')?.op.security.length, 0);
});

test('six triggers: x-ms-trigger, internal notification URL, parameters, 201 with Location, notification content', () => {
  for (const name of triggerNames) {
    const item = swagger.paths[`/v1/instances/{instanceId}/triggers/${name}/subscriptions`];
    assert.ok(item, name);
    assert.equal(item.post['x-ms-trigger'], 'single');
    const body = item.post.parameters.find((p: any) => p.in === 'body').schema;
    assert.equal(body.properties.callbackUrl['x-ms-notification-url'], true);
    assert.equal(body.properties.callbackUrl['x-ms-visibility'], 'internal');
    assert.ok(body.required.includes('callbackUrl'));
    assert.ok(item.post.responses['201'].headers.Location);
    const envelope = item['x-ms-notification-content'].schema;
    assert.deepEqual(Object.keys(envelope.properties), [
      'id',
      'type',
      'time',
      'instanceId',
      'subscriptionId',
      'sequence',
      'data',
    ]);
  }
  const segment = swagger.paths['/v1/instances/{instanceId}/triggers/segment-threshold-crossed/subscriptions'].post;
  const props = segment.parameters.find((p: any) => p.in === 'body').schema.properties;
  assert.deepEqual(props.direction.enum, ['above', 'below', 'both']);
  assert.ok(props.threshold && props.hysteresis && props.segmentId);
  const measure = swagger.paths['/v1/instances/{instanceId}/triggers/measure-threshold-crossed/subscriptions'].post;
  assert.ok(measure.parameters.find((p: any) => p.in === 'body').schema.properties.dimension);
  const refresh = swagger.paths['/v1/instances/{instanceId}/triggers/full-refresh-completed/subscriptions'].post;
  assert.equal(refresh.parameters.find((p: any) => p.in === 'body').schema.properties.includeManual.default, false);
  const unsubscribe = operations().find((o) => o.method === 'delete' && /\/subscriptions\/\{\w+\}$/.test(o.path));
  assert.equal(unsubscribe?.op['x-ms-visibility'], 'internal');
  assert.deepEqual(swagger.securityDefinitions.api_key, { type: 'apiKey', in: 'header', name: 'api-key' });
  assert.ok(swagger['x-ms-connector-metadata'].length > 0);
});

/** Every property of every schema (responses, bodies, notification content, definitions) and every parameter that
 * has no x-ms-summary or no description, by where it is. */
function unnamedFields(doc: any): string[] {
  const missing: string[] = [];
  const walk = (schema: any, where: string) => {
    if (!schema || typeof schema !== 'object') return;
    for (const [name, p] of Object.entries<any>(schema.properties ?? {})) {
      if (typeof p['x-ms-summary'] !== 'string' || !p['x-ms-summary']) missing.push(`${where}.${name} x-ms-summary`);
      if (typeof p.description !== 'string' || !p.description) missing.push(`${where}.${name} description`);
      walk(p, `${where}.${name}`);
    }
    walk(schema.items, `${where}[]`);
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${where}{}`);
  };
  for (const [name, d] of Object.entries<any>(doc.definitions ?? {})) walk(d, `#/definitions/${name}`);
  for (const [p, item] of Object.entries<any>(doc.paths)) {
    walk(item['x-ms-notification-content']?.schema, `${p} notification`);
    for (const [method, op] of Object.entries<any>(item)) {
      if (!Array.isArray(op?.parameters)) continue;
      for (const param of op.parameters) {
        if (param.in === 'body') walk(param.schema, `${method} ${p} body`);
        else if (!param['x-ms-summary'] || !param.description) missing.push(`${method} ${p} parameter ${param.name}`);
      }
      for (const [status, res] of Object.entries<any>(op.responses)) walk(res.schema, `${method} ${p} ${status}`);
    }
  }
  return missing;
}

test('no field reaches the designer without a name: x-ms-summary and description everywhere (count = 0)', () => {
  assert.deepEqual(unnamedFields(swagger), []);
});

test('every operation has a response schema and declares 400, 401, 403, 404 and 429 with the error shape', () => {
  assert.ok(swagger.definitions.Error.properties.error.properties.code);
  for (const { path: p, method, op } of operations()) {
    for (const status of ['400', '401', '403', '404', '429'])
      assert.ok(op.responses[status]?.schema, `${method} ${p} declares ${status}`);
    const success = Object.entries<any>(op.responses).find(([status]) => status.startsWith('2'));
    assert.ok(success, `${method} ${p} has a success response`);
    if (success[0] !== '204') assert.ok(success[1].schema, `${method} ${p} ${success[0]} has a schema`);
  }
});

test('rows are typed per entity through GetEntitySchema; pickers feed entities, writable entities and dimensions', () => {
  const op = (id: string) => operations().find((o) => o.op.operationId === id)?.op;
  const dynamic = (schema: any) => schema['x-ms-dynamic-schema'];
  const items = op('GetItems');
  assert.equal(dynamic(items.responses['200'].schema.properties.value.items).operationId, 'GetEntitySchema');
  assert.deepEqual(dynamic(op('GetItem').responses['200'].schema).parameters, {
    instanceId: { parameter: 'instanceId' },
    entity: { parameter: 'entity' },
  });
  const bodyOf = (id: string) => op(id).parameters.find((p: any) => p.in === 'body').schema;
  assert.equal(dynamic(bodyOf('CreateItem')).operationId, 'GetEntitySchema');
  assert.equal(dynamic(bodyOf('UpdateItem')).parameters.entity, 'Customer');
  assert.equal(bodyOf('UpdateItem')['x-ms-dynamic-properties'].parameters.entity.value, 'Customer');
  const schemaOp = op('GetEntitySchema');
  assert.equal(schemaOp['x-ms-visibility'], 'internal');
  const createEntity = op('CreateItem').parameters.find((p: any) => p.name === 'entity');
  assert.equal(createEntity['x-ms-dynamic-values'].parameters.writable, 'true');
  const measure = swagger.paths['/v1/instances/{instanceId}/triggers/measure-threshold-crossed/subscriptions'].post;
  const props = measure.parameters.find((p: any) => p.in === 'body').schema.properties;
  assert.equal(props.measureId['x-ms-dynamic-values'].operationId, 'GetMeasures');
  assert.equal(dynamic(props.dimension).operationId, 'GetMeasureDimensionSchema');
  const refresh = swagger.paths['/v1/instances/{instanceId}/triggers/datasource-refresh-failed/subscriptions'].post;
  const ds = refresh.parameters.find((p: any) => p.in === 'body').schema.properties.dataSourceId;
  assert.equal(ds['x-ms-dynamic-values'].operationId, 'GetDataSources');
  const partitions = op('GetPartitions').responses['200'].schema.properties.value.items.properties;
  assert.equal(partitions.token['x-ms-summary'], 'Partition token');
  assert.ok(op('GetPartitionData').parameters.some((p: any) => p.name === 'token' && p.in === 'path'));
});

test('the committed files under docs/connector are current (regenerate with npm run generate)', async () => {
  for (const [name, value] of Object.entries(files)) {
    const committed = readFileSync(path.join(root, definitionsDir, name), 'utf8');
    assert.ok(committed === (await formatJson(value)), `${definitionsDir}/${name} is stale: run npm run generate`);
  }
});
