// A consistent backup of the embedded default, taken while the server runs. Every instance's DuckDB writer is held
// (so no table is created or dropped), each DuckDB database is checkpointed and copied, and SQLite's online backup
// copies the control store inside that window: every version the catalog names is in the copied data files.
// Uploads are added as they are (each is replaced whole, never written in place), the secret key only on request.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { DataStore, InstanceData } from '../datastore/index.ts';
import type { Db } from '../store/index.ts';
import type { ArchiveFile } from './archive.ts';

export interface BackupManifest {
  format: 'insightflow-backup';
  version: 1;
  createdAt: string;
  instances: string[];
  includesKey: boolean;
}

export interface StagedBackup {
  manifest: BackupManifest;
  files: ArchiveFile[];
  /** Removes the staged copies. */
  cleanup(): void;
}

export interface BackupSources {
  db: Db;
  dataStore: DataStore;
  dataDir: string;
  importDir: string;
  /** The secret key's text (INSIGHTFLOW_SECRET_KEY or the generated key file); undefined = leave it out. */
  secretKeyText: string | undefined;
  now: Date;
}

/** Holds the writers of every instance, in order, while `fn` runs. */
async function holdingWriters<T>(stores: Array<{ id: string; data: InstanceData }>, fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = stores;
  if (!first) return fn();
  return first.data.write(async (conn) => {
    await conn.run('CHECKPOINT');
    return holdingWriters(rest, fn);
  });
}

function filesUnder(dir: string, prefix: string): ArchiveFile[] {
  if (!existsSync(dir)) return [];
  const out: ArchiveFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, `${prefix}${entry.name}/`));
    else if (entry.isFile() && !entry.name.endsWith('.part'))
      out.push({ name: `${prefix}${entry.name}`, source: full });
  }
  return out;
}

export async function stageBackup(src: BackupSources): Promise<StagedBackup> {
  if (!src.db.backup) throw new Error('backup of the control store needs the embedded SQLite store');
  const stage = mkdtempSync(path.join(src.dataDir, 'backup-'));
  const cleanup = () => rmSync(stage, { recursive: true, force: true });
  try {
    const instances = (await src.db.all<{ id: string }>('SELECT id FROM instances ORDER BY id')).map((r) => r.id);
    const stores = await Promise.all(instances.map(async (id) => ({ id, data: await src.dataStore.instance(id) })));
    const files: ArchiveFile[] = [{ name: 'control.sqlite', source: path.join(stage, 'control.sqlite') }];
    await holdingWriters(stores, async () => {
      await src.db.backup?.(path.join(stage, 'control.sqlite'));
      for (const id of instances)
        for (const suffix of ['.duckdb', '.duckdb.wal']) {
          const from = path.join(src.dataDir, 'data', `${id}${suffix}`);
          if (!existsSync(from)) continue;
          copyFileSync(from, path.join(stage, `${id}${suffix}`));
          files.push({ name: `data/${id}${suffix}`, source: path.join(stage, `${id}${suffix}`) });
        }
    });
    files.push(...filesUnder(path.join(src.importDir, 'uploads'), 'uploads/'));
    if (src.secretKeyText !== undefined) {
      writeFileSync(path.join(stage, 'secret.key'), src.secretKeyText, { mode: 0o600 });
      files.push({ name: 'secret.key', source: path.join(stage, 'secret.key') });
    }
    const manifest: BackupManifest = {
      format: 'insightflow-backup',
      version: 1,
      createdAt: src.now.toISOString(),
      instances,
      includesKey: src.secretKeyText !== undefined,
    };
    return { manifest, files, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** The secret key's text as the server uses it. */
export function secretKeyText(dataDir: string, configured: string | undefined): string | undefined {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, 'secret.key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** Where each entry of a backup goes in a new data directory; undefined skips unknown entries. */
export function placeEntry(name: string, dirs: { dataDir: string; importDir: string }): string | undefined {
  if (name === 'control.sqlite' || name === 'secret.key') return path.join(dirs.dataDir, name);
  if (/^data\/[A-Za-z0-9_-]+\.duckdb(\.wal)?$/.test(name)) return path.join(dirs.dataDir, name);
  if (name.startsWith('uploads/')) return path.join(dirs.importDir, name);
  return undefined;
}

/** A data directory may receive a restore when it does not exist or holds nothing. */
export function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || (statSync(dir).isDirectory() && readdirSync(dir).length === 0);
}
