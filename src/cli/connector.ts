// insightflow connector swagger [--host HOST[:PORT]] [--scheme http|https]: prints the Power Automate connector
// definition (OpenAPI 2.0), built from the route definitions without a running server.
import { parseArgs } from 'node:util';
import { buildSwagger } from '../connector/swagger.ts';
import { routes } from '../http/routes/index.ts';
import { CliError } from './client.ts';

export async function connectorCommand(argv: string[], out: (text: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'swagger')
    throw new CliError('usage: insightflow connector swagger [--host HOST[:PORT]] [--scheme http|https]');
  const { values } = parseArgs({
    args: rest,
    options: { host: { type: 'string' }, scheme: { type: 'string', default: 'http' } },
  });
  if (values.scheme !== 'http' && values.scheme !== 'https') throw new CliError('--scheme must be http or https');
  if (values.host !== undefined && !/^[^{}/ :\\]+(?::\d+)?$/.test(values.host))
    throw new CliError('--host must be a host name with an optional port, e.g. insightflow.example.com:8443');
  const doc = buildSwagger(routes, { scheme: values.scheme, ...(values.host ? { host: values.host } : {}) });
  out(JSON.stringify(doc, null, 2));
  return 0;
}
