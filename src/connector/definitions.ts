// The generated API descriptions committed under docs/connector/: the connector definition (swagger.json), its
// paconn properties (apiProperties.json) and the OpenAPI 3.1 description of the whole API (openapi.json).
import type { Operation } from './operation.ts';
import { buildApiProperties } from './api-properties.ts';
import type { JsonSchema } from './json-schema.ts';
import { buildOpenApi } from './openapi.ts';
import { buildSwagger, connectorRoutes } from './swagger.ts';

/** Folder of the committed files, relative to the repository root. */
export const definitionsDir = 'docs/connector';

/** The paconn properties of the connector (apiProperties.json). */
export function connectorApiProperties(routes: Operation[]): JsonSchema {
  const pageable = connectorRoutes(routes)
    .filter((r) => r.connector?.pageable)
    .map((r) => r.operationId);
  return buildApiProperties({ pageableOperations: pageable });
}

export function definitionFiles(routes: Operation[]): Record<string, JsonSchema> {
  return {
    'swagger.json': buildSwagger(routes),
    'apiProperties.json': connectorApiProperties(routes),
    'openapi.json': buildOpenApi(routes),
  };
}
