// "Retrieve partitions for an entity": the published snapshot of an entity written as Parquet and CSV files
// (DuckDB COPY … TO) into <data dir>/exports/<instance>/, once per entity version, and handed out as expiring
// signed links. "Retrieve data from a partition" is such a link: it streams the file without an API key.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { linkTo } from '../core/public-url.ts';
import { newId } from '../core/ids.ts';
import type { PublishedEntity } from '../datastore/index.ts';
import { getEntity, sqlString } from '../datastore/index.ts';
import type { ReadDeps } from './items.ts';
import type { PartitionClaim } from './signed-link.ts';
import { signPartition } from './signed-link.ts';

/** How long a partition link works: 1 hour (ms). */
export const partitionLinkTtlMs = 3600 * 1000;

export const partitionFormats = ['parquet', 'csv'] as const;
type Format = (typeof partitionFormats)[number];

export interface Partition {
  name: string;
  format: Format;
  entity: string;
  version: number;
  rowCount: number;
  sizeBytes: number;
  url: string;
  /** The signed token in `url`: "Retrieve data from a partition" takes it as its parameter. */
  token: string;
  expiresAt: string;
}

export interface PartitionDeps extends ReadDeps {
  /** The Insightflow data directory. */
  dataDir: string;
  secretKey: Buffer;
}

const exportDir = (dataDir: string, instanceId: string): string => path.join(dataDir, 'exports', instanceId);
const fileName = (entity: string, version: number, format: Format): string => `${entity}__v${version}.${format}`;

/** The file of a partition (it may not exist: never exported, or replaced by a newer version). */
export const partitionFile = (
  dataDir: string,
  c: Pick<PartitionClaim, 'instanceId' | 'entity' | 'version' | 'format'>,
) => path.join(exportDir(dataDir, c.instanceId), fileName(c.entity, c.version, c.format));

const copyOptions: Record<Format, string> = { parquet: '(FORMAT parquet)', csv: '(FORMAT csv, HEADER true)' };

/** Exports in progress, so concurrent requests for one entity version write its files once. */
const inFlight = new Map<string, Promise<void>>();

async function exportVersion(deps: PartitionDeps, instanceId: string, entity: PublishedEntity): Promise<void> {
  const dir = exportDir(deps.dataDir, instanceId);
  const files = partitionFormats.map((f) => path.join(dir, fileName(entity.name, entity.version, f)));
  if (files.every((f) => existsSync(f))) return;
  const data = await deps.dataStore.instance(instanceId);
  mkdirSync(dir, { recursive: true });
  for (const format of partitionFormats) {
    const target = path.join(dir, fileName(entity.name, entity.version, format));
    if (existsSync(target)) continue;
    const tmp = `${target}.${newId('rt')}.tmp`;
    await data.read((conn) =>
      conn.run(`COPY (SELECT * FROM ${entity.table}) TO ${sqlString(tmp)} ${copyOptions[format]}`),
    );
    renameSync(tmp, target);
  }
  const prefix = `${entity.name}__v`;
  for (const f of readdirSync(dir)) {
    const v = f.startsWith(prefix) ? Number(/^__v(\d+)\./.exec(f.slice(entity.name.length))?.[1]) : NaN;
    if (Number.isInteger(v) && v !== entity.version) rmSync(path.join(dir, f), { force: true });
  }
}

/** The partitions of the published snapshot of an entity, with links valid for partitionLinkTtlMs. */
export async function getPartitions(
  deps: PartitionDeps,
  instanceId: string,
  name: string,
  base: string,
): Promise<Partition[]> {
  const entity = await getEntity(deps.db, instanceId, name);
  if (!entity) throw new AppError('NotFound', `entity ${name} not found`);
  const key = `${instanceId}/${name}/${entity.version}`;
  let job = inFlight.get(key);
  if (!job) {
    job = exportVersion(deps, instanceId, entity).finally(() => inFlight.delete(key));
    inFlight.set(key, job);
  }
  await job;
  const expiresAt = deps.clock.now().getTime() + partitionLinkTtlMs;
  return partitionFormats.map((format) => {
    const claim = { instanceId, entity: name, version: entity.version, format, expiresAt };
    const token = signPartition(deps.secretKey, claim);
    return {
      name: fileName(name, entity.version, format),
      format,
      entity: name,
      version: entity.version,
      rowCount: entity.rowCount,
      sizeBytes: statSync(partitionFile(deps.dataDir, claim)).size,
      url: linkTo(base, `/v1/partitions/${token}`),
      token,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  });
}
