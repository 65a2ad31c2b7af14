// insightflow connector swagger|package: the Power Automate connector definition (OpenAPI 2.0) printed, or the whole
// package written into a folder, built from the route definitions without a running server. The base URL is
// --public-url, else INSIGHTFLOW_PUBLIC_URL, else the listen address.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config/index.ts';
import { connectorDefinition, connectorPackage, definitionText } from '../connector/package.ts';
import { routes } from '../http/routes/index.ts';
import { CliError } from './client.ts';

const usage = 'usage: insightflow connector swagger [--public-url URL] | connector package <dir> [--public-url URL]';

function baseUrl(config: Readonly<Config>, given: string | undefined): string {
  if (given === undefined)
    return config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  let u: URL;
  try {
    u = new URL(given);
  } catch {
    throw new CliError(`--public-url "${given}" is not a URL such as https://insights.example.com`);
  }
  if (!['http:', 'https:'].includes(u.protocol) || u.search || u.hash)
    throw new CliError('--public-url must be an http(s) URL without query, e.g. https://insights.example.com/cx');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export async function connectorCommand(
  config: Readonly<Config>,
  argv: string[],
  out: (text: string) => void,
): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { 'public-url': { type: 'string' } },
  });
  const base = baseUrl(config, values['public-url']);
  if (sub === 'swagger' && positionals.length === 0) {
    out(definitionText(connectorDefinition(routes, base)));
    return 0;
  }
  if (sub === 'package' && positionals.length === 1) {
    const dir = path.resolve(positionals[0] as string);
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(connectorPackage(routes, base))) {
      writeFileSync(path.join(dir, name), content);
      out(`wrote ${path.join(dir, name)}\n`);
    }
    if (!base.startsWith('https://'))
      out(`warning: ${base} is not HTTPS; Power Automate reaches custom connectors only over HTTPS\n`);
    return 0;
  }
  throw new CliError(usage);
}
