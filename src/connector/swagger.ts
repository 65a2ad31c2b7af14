// The Power Automate / Logic Apps custom connector definition (OpenAPI 2.0 with the Power Platform extensions),
// generated from the route definitions: every route with connector info is an action, the routes behind the
// drop-downs are internal operations, and the six triggers come from the event catalog.
import type { Operation } from './operation.ts';
import { nameFields, nameParameter } from './field-texts.ts';
import type { JsonSchema } from './json-schema.ts';
import { swaggerSchemaOf, zodJsonSchema } from './json-schema.ts';
import { connectorExtensions, dynamicSourceOperations } from './parameters.ts';
import { instancePathParameter, triggerPaths } from './triggers.ts';

/** Version of the connector definition; bump it when operations change in a way flows notice. */
export const connectorVersion = '1.0.0';

export interface SwaggerOptions {
  /** host[:port] the connector calls; default 127.0.0.1:8080 (the dynamichosturl policy in apiProperties.json
   * replaces it per connection). */
  host?: string;
  /** http or https; default http. */
  scheme?: 'http' | 'https';
  /** Path prefix of the server ("/" when none). */
  basePath?: string;
}

/** host, scheme and basePath of the connector for an external base URL (src/core/public-url.ts). */
export function swaggerTarget(base: string): Required<SwaggerOptions> {
  const u = new URL(base);
  return { host: u.host, scheme: u.protocol === 'https:' ? 'https' : 'http', basePath: u.pathname || '/' };
}

const subscriptionDeletePath = /^\/v1\/instances\/\{instanceId\}\/subscriptions\/\{\w+\}$/;

/** Routes the connector describes: actions (routes with connector info), drop-down sources, and not the generic
 * trigger route (the six concrete trigger operations replace it). */
export function connectorRoutes(routes: Operation[]): Operation[] {
  return routes.filter(
    (r) => (r.connector !== undefined || dynamicSourceOperations.has(r.operationId)) && !r.path.includes('{trigger}'),
  );
}

export function buildSwagger(routes: Operation[], opts: SwaggerOptions = {}): JsonSchema {
  const included = connectorRoutes(routes);
  const available = new Set(included.map((r) => r.operationId));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of included) {
    const item = (paths[r.path] ??= {});
    item[r.method] = operationOf(r, available);
  }
  Object.assign(paths, triggerPaths(available));
  const unsubscribe = routes.find((r) => r.method === 'delete' && subscriptionDeletePath.test(r.path));
  const deletePath = unsubscribe?.path ?? '/v1/instances/{instanceId}/subscriptions/{subscriptionId}';
  (paths[deletePath] ??= {}).delete = {
    operationId: unsubscribe?.operationId ?? 'DeleteSubscription',
    summary: 'Delete a trigger subscription',
    description: 'Removes a subscription; Power Automate calls it when a flow is turned off or deleted.',
    tags: ['Triggers'],
    'x-ms-visibility': 'internal',
    parameters: pathParameters(deletePath, available),
    responses: { 204: { description: 'Unsubscribed.' } },
  };
  designerReady(paths);
  return {
    swagger: '2.0',
    info: {
      title: 'Insightflow',
      description:
        'Read customer-insights entities with OData queries, write real-time records, export snapshots and react ' +
        'to data source refreshes, unification, full refreshes and segment or measure thresholds.',
      version: connectorVersion,
      contact: { name: 'Insightflow', url: 'https://github.com/insightflow/insightflow' },
    },
    host: opts.host ?? '127.0.0.1:8080',
    basePath: opts.basePath ?? '/',
    schemes: [opts.scheme ?? 'http'],
    consumes: ['application/json'],
    produces: ['application/json'],
    paths,
    definitions: { Error: nameFields(structuredClone(errorSchema)) },
    securityDefinitions: { api_key: { type: 'apiKey', in: 'header', name: 'api-key' } },
    security: [{ api_key: [] }],
    'x-ms-connector-metadata': [
      { propertyName: 'Website', propertyValue: 'https://github.com/insightflow/insightflow' },
      { propertyName: 'Privacy policy', propertyValue: 'https://github.com/insightflow/insightflow#privacy' },
      { propertyName: 'Categories', propertyValue: 'Data;Marketing' },
    ],
  };
}

function operationOf(r: Operation, available: Set<string>): JsonSchema {
  const visibility = r.connector?.visibility ?? (r.connector ? undefined : 'internal');
  const overrides = r.connector?.parameters ?? {};
  const parameters: JsonSchema[] = [...pathParameters(r.path, available, overrides), ...queryParameters(r, overrides)];
  if (r.body) parameters.push({ name: 'body', in: 'body', required: true, schema: swaggerSchemaOf(r.body, 'input') });
  const responses: Record<string, JsonSchema> = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = {
      description: res.description,
      ...(res.schema ? { schema: swaggerSchemaOf(res.schema, 'output') } : {}),
      ...(res.file ? { schema: { type: 'file' } } : {}),
      ...(status === '201'
        ? { headers: { Location: { type: 'string', description: 'URL of the new resource.' } } }
        : {}),
    };
  }
  const files = Object.values(r.responses).flatMap((res) => res.file ?? []);
  const rows = r.connector?.rowSchema;
  if (rows && available.has('GetEntitySchema')) {
    const dynamic = rowSchemaExtensions(rows.entity);
    const ok = Object.keys(responses).find((s) => s.startsWith('2')) as string;
    if (rows.in === 'body') {
      const body = parameters.find((p) => p.in === 'body') as JsonSchema;
      body.schema = { type: 'object', ...dynamic };
    } else if (rows.in === 'response') responses[ok] = { ...responses[ok], schema: { type: 'object', ...dynamic } };
    else {
      const value = ((responses[ok]?.schema as JsonSchema).properties as Record<string, JsonSchema>).value;
      (value as JsonSchema).items = { type: 'object', ...dynamic };
    }
  }
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: r.tags,
    ...(visibility ? { 'x-ms-visibility': visibility } : {}),
    ...(r.connector?.pageable ? { 'x-ms-pageable': { nextLinkName: '@odata.nextLink' } } : {}),
    ...(r.access === 'public' ? { security: [] } : {}),
    ...(r.rawBody ? { consumes: r.rawBody.contentTypes } : {}),
    ...(files.length ? { produces: files } : {}),
    parameters,
    responses,
  };
}

type Overrides = NonNullable<NonNullable<Operation['connector']>['parameters']>;

const display = (o: Overrides[string] | undefined): JsonSchema => ({
  ...(o?.summary ? { 'x-ms-summary': o.summary } : {}),
  ...(o?.description ? { description: o.description } : {}),
  ...(o?.visibility ? { 'x-ms-visibility': o.visibility } : {}),
});

function pathParameters(path: string, available: Set<string>, overrides: Overrides = {}): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const n = name as string;
    const base = n === 'instanceId' ? instancePathParameter(available) : pathParameter(n, available);
    const picker = base['x-ms-dynamic-values'] as JsonSchema | undefined;
    const extra = overrides[n]?.pickerArguments;
    if (picker && extra) picker.parameters = { ...(picker.parameters as JsonSchema), ...extra };
    return { ...base, ...display(overrides[n]) };
  });
}

const pathParameter = (name: string, available: Set<string>): JsonSchema => ({
  name,
  in: 'path',
  required: true,
  type: 'string',
  ...connectorExtensions(name, available),
});

const primitive = new Set(['string', 'number', 'integer', 'boolean']);
const parameterKeywords = ['format', 'enum', 'default', 'minimum', 'maximum', 'maxLength', 'minLength', 'pattern'];

function queryParameters(r: Operation, overrides: Overrides): JsonSchema[] {
  if (!r.query) return [];
  const schema = zodJsonSchema(r.query, { target: 'draft-04', io: 'input' });
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => {
    const type = typeof p.type === 'string' && primitive.has(p.type) ? p.type : 'string';
    const extra = Object.fromEntries(parameterKeywords.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
    return {
      name,
      in: 'query',
      required: required.has(name),
      type,
      ...extra,
      ...(typeof p.description === 'string' ? { description: p.description } : {}),
      ...display(overrides[name]),
    };
  });
}

/** The error shape every operation answers with (OData JSON error). */
const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } },
    },
  },
};

const errorRef = '#/definitions/Error';

const errorResponses: Record<string, string> = {
  400: 'The request is not valid; the message says what is wrong and where.',
  401: 'No API key, a key that is not valid, or a page link whose connection was deleted.',
  403: "The connection's role does not allow this, or the link expired.",
  404: 'No such instance, entity, item or resource.',
  429: 'Too many calls for this connection; retry after the Retry-After seconds.',
};

/** x-ms-dynamic-schema (v1) and x-ms-dynamic-properties (v2) of a row of an entity, from GetEntitySchema. */
function rowSchemaExtensions(entity: string | undefined): JsonSchema {
  return {
    'x-ms-summary': 'Item',
    description: "One item, typed by the entity's attributes.",
    'x-ms-dynamic-schema': {
      operationId: 'GetEntitySchema',
      parameters: { instanceId: { parameter: 'instanceId' }, entity: entity ?? { parameter: 'entity' } },
    },
    'x-ms-dynamic-properties': {
      operationId: 'GetEntitySchema',
      parameters: {
        instanceId: { parameterReference: 'instanceId' },
        entity: entity ? { value: entity } : { parameterReference: 'entity' },
      },
    },
  };
}

/** What the designer needs of every operation: its error responses, and a title and sentence on every parameter
 * and every property of every schema (field-texts.ts). */
function designerReady(paths: Record<string, Record<string, unknown>>): void {
  for (const item of Object.values(paths)) {
    const notification = item['x-ms-notification-content'] as JsonSchema | undefined;
    if (notification) nameFields(notification.schema);
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const o = op as { parameters: JsonSchema[]; responses: Record<string, JsonSchema> };
      o.parameters.forEach(nameParameter);
      for (const [status, description] of Object.entries(errorResponses)) {
        const declared = o.responses[status];
        if (!declared?.schema)
          o.responses[status] = { description: declared?.description ?? description, schema: { $ref: errorRef } };
      }
      for (const res of Object.values(o.responses)) if (res.schema) nameFields(res.schema);
    }
  }
}
