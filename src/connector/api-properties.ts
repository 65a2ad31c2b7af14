// apiProperties.json for `paconn create`: the API-key and server-URL connection parameters, the policy that points
// each connection at its own Insightflow server, and the one that keeps @odata.nextLink routable through the
// Power Platform gateway (needed by x-ms-pageable).
import type { JsonSchema } from './json-schema.ts';

export function buildApiProperties(opts: { pageableOperations: string[] }): JsonSchema {
  return {
    properties: {
      iconBrandColor: '#1f6f8b',
      publisher: 'Insightflow',
      stackOwner: 'Insightflow',
      capabilities: ['actions', 'triggers'],
      connectionParameters: {
        serverUrl: {
          type: 'string',
          uiDefinition: {
            displayName: 'Server URL',
            description: 'Base URL of your Insightflow server, e.g. https://insightflow.example.com',
            tooltip: 'Scheme, host and port; no path.',
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
