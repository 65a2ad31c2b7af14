// The connector package: the folder `insightflow connector package <dir>` writes and the UI offers as a ZIP —
// apiDefinition.swagger.json, apiProperties.json (connection parameters, brand colour, policy templates), icon.png
// and readme.md — ready for `paconn create`, `pac connector create` and the maker portal's import.
import { connectorApiProperties } from './definitions.ts';
import { iconPng } from './icon.ts';
import type { JsonSchema } from './json-schema.ts';
import type { Operation } from './operation.ts';
import { buildSwagger, swaggerTarget } from './swagger.ts';

/** The text of a served or printed JSON description: two-space indented, one final newline. The HTTP route and the
 * CLI both use it, so their bytes are the same. */
export const definitionText = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

/** The connector definition for an external base URL (host, schemes and basePath from it). */
export const connectorDefinition = (operations: Operation[], base: string): JsonSchema =>
  buildSwagger(operations, swaggerTarget(base));

export function connectorPackage(operations: Operation[], base: string): Record<string, Buffer> {
  const definition = connectorDefinition(operations, base);
  return {
    'apiDefinition.swagger.json': Buffer.from(definitionText(definition)),
    'apiProperties.json': Buffer.from(definitionText(connectorApiProperties(operations))),
    'icon.png': iconPng(),
    'readme.md': Buffer.from(readme(definition, base)),
  };
}

type Op = { operationId: string; summary: string; description?: string; 'x-ms-visibility'?: string };

function readme(definition: JsonSchema, base: string): string {
  const ops = Object.values(definition.paths as Record<string, Record<string, Op>>).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([, op]) => op as Op & { 'x-ms-trigger'?: string }),
  );
  const line = (o: Op) => `- **${o.summary}** — ${o.description ?? ''}`.trimEnd();
  const visible = ops.filter((o) => o['x-ms-visibility'] !== 'internal');
  return `# Insightflow

Read customer-insights entities with OData queries, write real-time records, export snapshots, and start flows when
data sources refresh, unification completes, a full refresh ends, or a segment or measure crosses a threshold.

## Publisher: Insightflow

## Prerequisites

- An Insightflow server reachable from Microsoft's cloud over HTTPS. This package was made for
  \`${base}\` (set \`INSIGHTFLOW_PUBLIC_URL\` on the server to the same URL).
- A connection key: in Insightflow open *Export destinations › Power Automate › Set up*, or run
  \`insightflow keys create --role contributor\`. Triggers need \`contributor\` (they create subscriptions); a
  \`viewer\` key can only read.

## Obtaining credentials

The connector signs in with the connection's API key (header \`api-key\`). When you create a connection in Power
Automate, enter the server URL (\`${base}\`) and the key.

## Supported operations

### Triggers

${visible
  .filter((o) => (o as { 'x-ms-trigger'?: string })['x-ms-trigger'])
  .map(line)
  .join('\n')}

### Actions

${visible
  .filter((o) => !(o as { 'x-ms-trigger'?: string })['x-ms-trigger'])
  .map(line)
  .join('\n')}

## Deployment instructions

Import with the Power Platform CLI (\`pac connector create --api-definition-file apiDefinition.swagger.json
--api-properties-file apiProperties.json --icon-file icon.png\`), with \`paconn create --api-def
apiDefinition.swagger.json --api-prop apiProperties.json --icon icon.png\`, or in the maker portal (*Custom
connectors › New custom connector › Import an OpenAPI file*, then on the *Definition* tab check that the policy
"Route @odata.nextLink through the connector" is present). Page links work without the key either way.

## Known issues and limitations

- Page links (\`@odata.nextLink\`) expire after \`INSIGHTFLOW_PAGE_LINK_TTL\` (default 1 hour), and a refresh that
  publishes a new snapshot of the entity during a walk ends it with a clear error: start again from the first page.
- Calls count against the connection's rate limit (default 100 per rolling 60 s); over it, 429 with Retry-After.
`;
}
