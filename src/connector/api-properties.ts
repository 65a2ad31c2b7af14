// apiProperties.json for `paconn create`: the API-key and server-URL connection parameters, the policy that points
// each connection at its own Insightflow server, and the one that keeps @odata.nextLink routable through the
// Power Platform gateway (needed by x-ms-pageable).
import { brandColor } from './icon.ts';
import type { JsonSchema } from './json-schema.ts';

export function buildApiProperties(opts: { pageableOperations: string[] }): JsonSchema {
  return {
    properties: {
      iconBrandColor: brandColor,
      publisher: 'Insightflow',
      stackOwner: 'Insightflow',
      capabilities: ['actions', 'triggers'],
      connectionParameters: {
        serverUrl: {
          type: 'string',
          uiDefinition: {
            displayName: 'Server URL',
            description: 'The external URL of your Insightflow server, e.g. https://insights.example.com',
            tooltip: "The server's INSIGHTFLOW_PUBLIC_URL: scheme, host, port and path prefix, if any.",
            constraints: { required: 'true' },
          },
        },
        api_key: {
          type: 'securestring',
          uiDefinition: {
            displayName: 'API key',
            description: 'A connection key (POST /v1/instances/{instanceId}/connections or insightflow keys create).',
            tooltip: 'Sent as the api-key header.',
            constraints: { required: 'true', clearText: false },
          },
        },
      },
      policyTemplateInstances: [
        {
          templateId: 'dynamichosturl',
          title: 'Call the server of the connection',
          parameters: { 'x-ms-apimTemplateParameter.urlTemplate': "@connectionParameters('serverUrl')" },
        },
        {
          templateId: 'updatenextlink',
          title: 'Route @odata.nextLink through the connector',
          parameters: {
            'x-ms-apimTemplate-operationName': opts.pageableOperations,
            'x-ms-apimTemplateParameter.nextLinkPropertyName': '@odata.nextLink',
          },
        },
      ],
    },
  };
}
