// Creating, changing and deleting data sources, and receiving uploaded file content.
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AllowList } from '../core/address-policy.ts';
import type { Clock } from '../core/clock.ts';
import { AppError, refuseIfDependents } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { triggerDependents } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import {
  deleteDataSource,
  getDataSource,
  insertDataSource,
  listDataSources,
  updateDataSource,
} from './datasources.sql.ts';
import { sealSecrets } from './credentials.ts';
import { checkLocation } from './import-path.ts';
import type { DataSource, DataSourceIn, DataSourcePatch, FileKind } from './model.ts';
import { entityNameFor, isFileKind } from './model.ts';
import { checkRemoteLocation, checkSourceOptions } from './remote-location.ts';

/** What saving a data source needs besides the store: the key that seals credentials, the target policy. */
export interface SourceDeps {
  secretKey: Buffer;
  allowList: AllowList;
}

const extensions: Record<FileKind, string> = {
  csv: 'csv',
  ndjson: 'ndjson',
  json: 'json',
  parquet: 'parquet',
};

/** Uploaded files live under uploads/<instance>/ in the import directory; no instance may name another's. */
const uploadLocation = (instanceId: string, dsId: string, kind: FileKind) =>
  `uploads/${instanceId}/${dsId}.${extensions[kind]}`;

type Saved = Pick<DataSource, 'kind' | 'location' | 'options' | 'primaryKey'>;

/** Validates what is about to be stored (location, options for the kind) and seals its secrets. */
export function prepareSource(
  deps: SourceDeps,
  instanceId: string,
  src: Saved,
  previous: DataSource['options'] | null,
): Pick<DataSource, 'location' | 'options'> {
  checkSourceOptions(src);
  const sealed = sealSecrets(deps.secretKey, src, previous);
  const location = isFileKind(src.kind)
    ? checkOwnLocation(instanceId, sealed.location)
    : checkRemoteLocation({ ...src, location: sealed.location }, deps.allowList);
  return { location, options: sealed.options };
}

function checkOwnLocation(instanceId: string, location: string): string {
  if (/^https?:\/\//i.test(location)) {
    throw new AppError(
      'ValidationFailed',
      'location: http(s) URLs are not supported yet; upload the file with PUT …/content or place it in the import directory',
    );
  }
  const rel = checkLocation(location);
  const parts = rel.split('/');
  if (parts[0] === 'uploads' && parts[1] !== instanceId)
    throw new AppError('ValidationFailed', 'location: uploads of other instances cannot be read');
  return rel;
}

export async function createDataSource(
  db: Db,
  clock: Clock,
  instanceId: string,
  input: DataSourceIn,
  deps: SourceDeps,
): Promise<DataSource> {
  const id = newId('ds');
  const now = clock.now().toISOString();
  const primaryKey = input.primaryKey ?? null;
  const { location, options } =
    input.location || !isFileKind(input.kind)
      ? prepareSource(
          deps,
          instanceId,
          { kind: input.kind, location: input.location ?? '', options: input.options, primaryKey },
          null,
        )
      : { location: uploadLocation(instanceId, id, input.kind), options: input.options };
  if (isFileKind(input.kind) && !input.location) checkSourceOptions({ ...input, location: '', primaryKey });
  const ds: DataSource = {
    id,
    instanceId,
    name: input.name,
    kind: input.kind,
    location,
    entity: input.entity ?? entityNameFor(input.name),
    primaryKey,
    options,
    owners: input.owners,
    description: input.description ?? null,
    status: 'notStarted',
    lastRefresh: null,
    highWaterMark: null,
    createdAt: now,
    updatedAt: now,
  };
  const existing = await listDataSources(db, instanceId);
  if (existing.some((d) => d.name === ds.name))
    throw new AppError('Conflict', `a data source named "${ds.name}" already exists`);
  const clash = existing.find((d) => d.entity.toLowerCase() === ds.entity.toLowerCase());
  if (clash)
    throw new AppError(
      'ValidationFailed',
      `entity: "${ds.entity}" is already used by data source "${clash.name}" (entity names are unique in any case); set "entity"`,
    );
  await insertDataSource(db, ds);
  return ds;
}

export async function patchDataSource(
  db: Db,
  clock: Clock,
  instanceId: string,
  id: string,
  patch: DataSourcePatch,
  deps: SourceDeps,
): Promise<DataSource> {
  const ds = await requireDataSource(db, instanceId, id);
  const changesSource = patch.location !== undefined || patch.options !== undefined || patch.primaryKey !== undefined;
  const source = changesSource
    ? prepareSource(
        deps,
        instanceId,
        {
          kind: ds.kind,
          location: patch.location ?? ds.location,
          options: patch.options ?? ds.options,
          primaryKey: patch.primaryKey === undefined ? ds.primaryKey : patch.primaryKey,
        },
        ds.options,
      )
    : {};
  const next: DataSource = {
    ...ds,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...source,
    ...(patch.primaryKey !== undefined ? { primaryKey: patch.primaryKey } : {}),
    ...(patch.owners !== undefined ? { owners: patch.owners } : {}),
    // What the mark measured changed: the next refresh reads everything.
    ...(changesSource ? { highWaterMark: null } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    updatedAt: clock.now().toISOString(),
  };
  if (
    patch.name !== undefined &&
    (await listDataSources(db, instanceId)).some((d) => d.id !== id && d.name === patch.name)
  ) {
    throw new AppError('Conflict', `a data source named "${patch.name}" already exists`);
  }
  await updateDataSource(db, next);
  return next;
}

export async function requireDataSource(db: Db, instanceId: string, id: string): Promise<DataSource> {
  const ds = await getDataSource(db, instanceId, id);
  if (!ds) throw new AppError('NotFound', `data source ${id} not found`);
  return ds;
}

/** Deletes a data source, and its upload file when it has one (a file it reads by path stays); refused (409) while a
 * subscription or flow triggers on it. */
export async function removeDataSource(
  db: Db,
  opts: { instanceId: string; id: string; importDir: string },
): Promise<DataSource> {
  const ds = await requireDataSource(db, opts.instanceId, opts.id);
  if (ds.status === 'queued' || ds.status === 'running')
    throw new AppError('Conflict', 'the data source is being refreshed; cancel the job first');
  const dependents = await triggerDependents(db, opts.instanceId, 'dataSourceId', ds.id);
  refuseIfDependents(`data source "${ds.name}"`, dependents, 'delete');
  await deleteDataSource(db, opts.instanceId, opts.id);
  const upload = isFileKind(ds.kind) ? uploadLocation(opts.instanceId, ds.id, ds.kind) : undefined;
  if (upload && ds.location === upload)
    db.afterCommit(() => rmSync(path.join(opts.importDir, upload), { force: true }));
  return ds;
}

/** Streams an uploaded body into the data source's upload file (atomically: a temp file renamed at the end), at most
 * maxBytes. The location becomes the upload file. */
export async function receiveContent(
  db: Db,
  clock: Clock,
  opts: {
    instanceId: string;
    id: string;
    importDir: string;
    body: ReadableStream<Uint8Array> | null;
    maxBytes: number;
  },
): Promise<DataSource & { bytes: number }> {
  const ds = await requireDataSource(db, opts.instanceId, opts.id);
  if (!isFileKind(ds.kind))
    throw new AppError('BadRequest', `a ${ds.kind} data source reads from its location; it takes no uploaded content`);
  if (!opts.body) throw new AppError('BadRequest', 'the request has no body; send the file content');
  const location = uploadLocation(opts.instanceId, ds.id, ds.kind);
  const target = path.join(opts.importDir, location);
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${newId('req')}.part`;
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes)
        done(new AppError('PayloadTooLarge', `the file is larger than ${opts.maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(opts.body as import('node:stream/web').ReadableStream),
      counter,
      createWriteStream(temp),
    );
    if (bytes === 0) throw new AppError('BadRequest', 'the uploaded file is empty');
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const next = { ...ds, location, updatedAt: clock.now().toISOString() };
  await updateDataSource(db, next);
  return { ...next, bytes };
}
