// The insightflow command: serve, and more subcommands as they are added.
import { ConfigError, loadConfig } from '../config/index.ts';
import { startRuntime } from '../http/runtime.ts';
import { backupCommand, restoreCommand } from './backup.ts';
import { CliError } from './client.ts';
import { keysCommand, refreshCommand, statusCommand } from './commands.ts';
import { connectorCommand } from './connector.ts';
import { rotateSecretKeyCommand } from './secret-key.ts';

async function serveCommand(): Promise<void> {
  const config = loadConfig();
  const rt = await startRuntime(config);
  process.stdout.write(`Insightflow is running at ${rt.url}  (UI: ${rt.url}/, API: ${rt.url}/v1)\n`);
  if (rt.generatedAdminKey) {
    process.stdout.write(
      `\nSystem administrator key (shown only now; set INSIGHTFLOW_ADMIN_KEY to choose your own):\n  ${rt.generatedAdminKey}\n\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    rt.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const usage = `usage: insightflow <command> [options]

commands:
  serve                         run the server (API, UI, scheduler, job runner, delivery worker)
  refresh [--instance ID] [--operation all|ingestion|unification|segments|measures] [--datasource ID …]
                                start a job on the running server and show its progress per task
  status [--instance ID]        data sources and recent jobs
  keys create --role ROLE [--name NAME] [--instance ID] [--rate-limit N]
                                create a connection and print its key once
  backup <file> [--include-key] take a consistent backup from the running server (embedded default); the secret
                                key only with --include-key
  restore <file>                restore a backup into an empty data directory (INSIGHTFLOW_DATA_DIR)
  rotate-secret-key [--new-key-file FILE] [--force]
                                re-seal every stored secret with a new server key, in one transaction, while no
                                server runs (new key: the file, INSIGHTFLOW_NEW_SECRET_KEY, or generated into
                                secret.key when that file is the key)
  connector swagger [--public-url URL]
                                print the Power Automate connector definition (OpenAPI 2.0)
  connector package <dir> [--public-url URL]
                                write the connector package (definition, properties, icon, readme) into <dir>

The client commands reach the server at INSIGHTFLOW_URL (default from INSIGHTFLOW_HOST/PORT) with the key in
INSIGHTFLOW_KEY (or INSIGHTFLOW_ADMIN_KEY).
`;

const print = (line: string) => process.stdout.write(`${line}\n`);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serveCommand();
        return -1;
      case 'refresh':
        return await refreshCommand(loadConfig(), rest, print, { tty: process.stdout.isTTY === true });
      case 'status':
        return await statusCommand(loadConfig(), rest, print);
      case 'keys':
        return await keysCommand(loadConfig(), rest, print);
      case 'backup':
        return await backupCommand(loadConfig(), rest, print);
      case 'restore':
        return await restoreCommand(loadConfig(), rest, print);
      case 'rotate-secret-key':
        return await rotateSecretKeyCommand(loadConfig(), rest, print);
      case 'connector':
        return await connectorCommand(loadConfig(), rest, (text) => process.stdout.write(text));
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(usage);
        return 0;
      default:
        process.stderr.write(`unknown command "${command}"\n${usage}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      return 2;
    }
    if (
      err instanceof CliError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`insightflow: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

const code = await main(process.argv.slice(2));
// Exit only once stdout has taken everything written (a pipe drains asynchronously; exiting at once cuts it).
if (code >= 0) process.stdout.write('', () => process.exit(code));
