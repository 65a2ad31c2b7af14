// OpenAPI 3.1 description of the whole API, generated from the route definitions (JSON Schema 2020-12 from zod).
import type { Operation } from './operation.ts';
import { payloadSchemas, eventTypes } from '../events/index.ts';
import type { JsonSchema } from './json-schema.ts';
import { zodJsonSchema } from './json-schema.ts';
import { knownParameters } from './parameters.ts';
import { connectorVersion } from './swagger.ts';

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

const schemaOf = (s: Parameters<typeof zodJsonSchema>[0], io: 'input' | 'output'): JsonSchema =>
  zodJsonSchema(s, { target: 'draft-2020-12', io });

export function buildOpenApi(routes: Operation[], opts: { serverUrl?: string } = {}): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) (paths[r.path] ??= {})[r.method] = operationOf(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Insightflow API',
      version: connectorVersion,
      description: 'Every path of the Insightflow HTTP API. Errors use the OData JSON error shape.',
    },
    servers: [{ url: opts.serverUrl ?? 'http://127.0.0.1:8080' }],
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        Error: errorSchema,
        ...Object.fromEntries(eventTypes.map((t) => [`Event_${t.replaceAll('.', '_')}`, eventSchema(t)])),
      },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
  };
}

function eventSchema(type: (typeof eventTypes)[number]): JsonSchema {
  return {
    type: 'object',
    description: `Envelope of a ${type} event as delivered to webhooks.`,
    required: ['id', 'type', 'time', 'instanceId', 'subscriptionId', 'sequence', 'data'],
    properties: {
      id: { type: 'string' },
      type: { const: type },
      time: { type: 'string', format: 'date-time' },
      instanceId: { type: 'string' },
      subscriptionId: { type: 'string' },
      sequence: { type: 'integer' },
      data: schemaOf(payloadSchemas[type], 'output'),
    },
  };
}

function operationOf(r: Operation): JsonSchema {
  const parameters: JsonSchema[] = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(knownParameters[name as string] ? { description: knownParameters[name as string]?.description } : {}),
  }));
  if (r.query) {
    const q = schemaOf(r.query, 'input');
    const required = new Set((q.required ?? []) as string[]);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
      parameters.push({
        name,
        in: 'query',
        required: required.has(name),
        schema,
        ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      });
    }
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = {
      description: res.description,
      ...(res.schema ? { content: { 'application/json': { schema: schemaOf(res.schema, 'output') } } } : {}),
      ...(res.file
        ? { content: Object.fromEntries(res.file.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) }
        : {}),
      ...(status === '201' ? { headers: { Location: { schema: { type: 'string' } } } } : {}),
    };
  }
  responses.default = {
    description: 'An error.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  const body = r.body
    ? { content: { 'application/json': { schema: schemaOf(r.body, 'input') } }, required: true }
    : r.rawBody
      ? {
          content: Object.fromEntries(r.rawBody.contentTypes.map((t) => [t, { schema: {} }])),
          required: true,
        }
      : undefined;
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: r.tags,
    ...(r.access === 'public' ? { security: [] } : {}),
    ...(r.access !== 'public' ? { 'x-insightflow-access': r.access } : {}),
    parameters,
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}
