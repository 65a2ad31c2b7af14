// The API descriptions, generated from the route definitions on each request: the Power Automate connector
// definition (OpenAPI 2.0) pointing at this server with its paconn properties, and the OpenAPI 3.1 description of
// the whole API.
import { connectorApiProperties } from '../../connector/definitions.ts';
import { buildOpenApi } from '../../connector/openapi.ts';
import { connectorDefinition, connectorPackage, definitionText } from '../../connector/package.ts';
import { zip } from '../../connector/zip.ts';
import { ok, route, type Route } from '../route.ts';

const jsonText = (doc: unknown): Response =>
  new Response(definitionText(doc), { headers: { 'content-type': 'application/json; charset=utf-8' } });

/** The routes that describe the API; `all` gives every route (these included) when a description is asked for. */
export const describingRoutes = (all: () => Route[]): Route[] => [
  route({
    method: 'get',
    path: '/v1/connector/swagger.json',
    operationId: 'GetConnectorDefinition',
    summary: 'Get the connector definition',
    description: 'OpenAPI 2.0 with the Power Platform extensions; import it as a custom connector.',
    tags: ['Connector'],
    access: 'public',
    responses: { 200: { description: 'The connector definition, with host set to this server.' } },
    handler: async ({ base }) => jsonText(connectorDefinition(all(), base)),
  }),
  route({
    method: 'get',
    path: '/v1/connector/package.zip',
    operationId: 'GetConnectorPackage',
    summary: 'Get the connector package',
    description:
      'A ZIP of apiDefinition.swagger.json, apiProperties.json, icon.png and readme.md for paconn, pac or the maker portal, pointing at this server.',
    tags: ['Connector'],
    access: 'public',
    responses: { 200: { description: 'The connector package.', file: ['application/zip'] } },
    handler: async ({ base }) =>
      new Response(new Uint8Array(zip(connectorPackage(all(), base))), {
        headers: {
          'content-type': 'application/zip',
          'content-disposition': 'attachment; filename="insightflow-connector.zip"',
        },
      }),
  }),
  route({
    method: 'get',
    path: '/v1/connector/apiProperties.json',
    operationId: 'GetConnectorProperties',
    summary: 'Get the connector properties',
    description:
      'apiProperties.json for `paconn create`: the API-key connection parameter and the connector policies (paging).',
    tags: ['Connector'],
    access: 'public',
    responses: { 200: { description: 'The connector properties.' } },
    handler: async () => ok(connectorApiProperties(all())),
  }),
  route({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'GetOpenApi',
    summary: 'Get the OpenAPI description',
    description: 'OpenAPI 3.1 of every path of the API.',
    tags: ['Connector'],
    access: 'public',
    responses: { 200: { description: 'The OpenAPI 3.1 document.' } },
    handler: async ({ base }) => ok(buildOpenApi(all(), { serverUrl: base })),
  }),
];
