// The Power Automate / Logic Apps custom connector definition (OpenAPI 2.0 with the Power Platform extensions),
// generated from the route definitions: every route with connector info is an action, the routes behind the
// drop-downs are internal operations, and the six triggers come from the event catalog.
import type { Route } from '../http/route.ts';
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
export function connectorRoutes(routes: Route[]): Route[] {
  return routes.filter(
    (r) => (r.connector !== undefined || dynamicSourceOperations.has(r.operationId)) && !r.path.includes('{trigger}'),
  );
}

export function buildSwagger(routes: Route[], opts: SwaggerOptions = {}): JsonSchema {
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
    responses: { 204: { description: 'Unsubscribed.' }, 404: { description: 'No such subscription.' } },
  };
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
    securityDefinitions: { api_key: { type: 'apiKey', in: 'header', name: 'api-key' } },
    security: [{ api_key: [] }],
    'x-ms-connector-metadata': [
      { propertyName: 'Website', propertyValue: 'https://github.com/insightflow/insightflow' },
      { propertyName: 'Privacy policy', propertyValue: 'https://github.com/insightflow/insightflow#privacy' },
      { propertyName: 'Categories', propertyValue: 'Data;Marketing' },
    ],
  };
}

function operationOf(r: Route, available: Set<string>): JsonSchema {
  const visibility = r.connector?.visibility ?? (r.connector ? undefined : 'internal');
  const overrides = r.connector?.parameters ?? {};
  const parameters: JsonSchema[] = [...pathParameters(r.path, available, overrides), ...queryParameters(r, overrides)];
  if (r.body) parameters.push({ name: 'body', in: 'body', required: true, schema: swaggerSchemaOf(r.body, 'input') });
  const responses: Record<string, JsonSchema> = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = {
      description: res.description,
      ...(res.schema ? { schema: swaggerSchemaOf(res.schema, 'output') } : {}),
      ...(status === '201'
        ? { headers: { Location: { type: 'string', description: 'URL of the new resource.' } } }
        : {}),
    };
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
    parameters,
    responses,
  };
}

type Overrides = NonNullable<NonNullable<Route['connector']>['parameters']>;

const display = (o: Overrides[string] | undefined): JsonSchema => ({
  ...(o?.summary ? { 'x-ms-summary': o.summary } : {}),
  ...(o?.description ? { description: o.description } : {}),
  ...(o?.visibility ? { 'x-ms-visibility': o.visibility } : {}),
});

function pathParameters(path: string, available: Set<string>, overrides: Overrides = {}): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const n = name as string;
    const base = n === 'instanceId' ? instancePathParameter(available) : pathParameter(n, available);
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

function queryParameters(r: Route, overrides: Overrides): JsonSchema[] {
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
