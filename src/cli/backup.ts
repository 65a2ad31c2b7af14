// insightflow backup <file> [--include-key] (from the running server) and insightflow restore <file> (into an empty
// data directory), both with a progress display.
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { isEmptyDir, placeEntry, unpackArchive, type BackupManifest } from '../backup/index.ts';
import type { Config } from '../config/index.ts';
import { CliError, clientTarget } from './client.ts';

type Out = (line: string) => void;

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Prints progress at most every 10 % (or every 16 MB when the total is unknown). */
function progressPrinter(out: Out, label: string, total?: number): (n: number) => void {
  let last = -1;
  return (n) => {
    const step = total ? Math.floor((n / total) * 10) : Math.floor(n / (16 * 1024 * 1024));
    if (step === last) return;
    last = step;
    out(total ? `${label} ${Math.min(100, step * 10)}% (${mb(n)} of ${mb(total)})` : `${label} ${mb(n)}`);
  };
}

export async function backupCommand(
  config: Readonly<Config>,
  argv: string[],
  out: Out,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'include-key': { type: 'boolean', default: false } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliError('usage: insightflow backup <file> [--include-key]');
  const { base, key } = clientTarget(config, env);
  let res: Response;
  try {
    res = await fetch(`${base}/v1/backup?includeKey=${values['include-key'] ? 'true' : 'false'}`, {
      headers: { authorization: `Bearer ${key}` },
    });
  } catch (err) {
    throw new CliError(`cannot reach Insightflow at ${base}: ${(err as Error).message} (is it running?)`);
  }
  if (!res.ok || !res.body) throw new CliError(`backup refused: ${res.status} ${await res.text()}`);
  const temp = `${file}.part`;
  let received = 0;
  const show = progressPrinter(out, 'received');
  const body = Readable.fromWeb(res.body as never);
  body.on('data', (c: Buffer) => show((received += c.length)));
  try {
    await pipeline(body, createWriteStream(temp, { mode: 0o600 }));
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new CliError(`backup failed: ${(err as Error).message}`);
  }
  out(`backup written to ${file} (${mb(received)})${values['include-key'] ? ', with the secret key' : ''}`);
  return 0;
}

export async function restoreCommand(config: Readonly<Config>, argv: string[], out: Out): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliError('usage: insightflow restore <file>');
  if (!existsSync(file)) throw new CliError(`no file ${file}`);
  if (!isEmptyDir(config.dataDir))
    throw new CliError(`the data directory ${config.dataDir} is not empty: restore into a new or empty one`);
  const { size } = statSync(file);
  let manifest: BackupManifest;
  try {
    manifest = (await unpackArchive(
      file,
      (name) => placeEntry(name, config),
      progressPrinter(out, 'restored', size),
    )) as BackupManifest;
  } catch (err) {
    rmSync(config.dataDir, { recursive: true, force: true });
    throw new CliError(`restore failed: ${(err as Error).message}`);
  }
  if (manifest.format !== 'insightflow-backup') {
    rmSync(config.dataDir, { recursive: true, force: true });
    throw new CliError('this file is not an Insightflow backup');
  }
  out(
    `restored the backup of ${manifest.createdAt} (instances ${manifest.instances.join(', ')}) into ${config.dataDir}`,
  );
  if (!manifest.includesKey && config.secretKey === undefined)
    out('the backup holds no secret key: start the server with the same INSIGHTFLOW_SECRET_KEY as the original');
  return 0;
}
