// The read actions: "Get entities", "Get items from an entity" (OData query → one page with a signed
// @odata.nextLink) and "Get item" (one row by primary key); the built-in flow step data.getItems reads through
// readItemsPage too. The entity is resolved from the catalog once per request, so a read never mixes two
// snapshots; if a publish drops that snapshot's table mid-request, the read starts again on the new one.
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { linkTo } from '../core/public-url.ts';
import type { DataStore, PublishedEntity, ServedSnapshot, SnapshotFollower } from '../datastore/index.ts';
import { duckTypeOf, isStoredInKeyOrder, listEntities, quoteIdent, runPrepared } from '../datastore/index.ts';
import type { ItemsPage, ItemsQueryInput } from '../datastore/odata/index.ts';
import { compileItemsQuery, executeItemsQuery, toJsonRow } from '../datastore/odata/index.ts';
import { checkSegmentReferences, relatedEntities } from '../insights/index.ts';
import { definitionScope } from '../jobs/index.ts';
import type { Db } from '../store/index.ts';
import { liveState, withLiveData, type LiveState } from './entity-source.ts';
import { checkPageUse, openPage, queryBinding, signPage, type PageClaim } from './page-link.ts';
import { readThrough } from './read-cache.ts';

export interface ReadDeps {
  db: Db;
  dataStore: DataStore;
  /** The snapshots this node serves: reads resolve entities from the one it serves now. */
  snapshots: Pick<SnapshotFollower, 'snapshot'>;
  clock: Clock;
}

/** Times a read starts again after its snapshot was replaced under it. */
const snapshotRetries = 3;

const isDroppedTable = (err: unknown): boolean =>
  err instanceof Error && /Catalog Error: Table with name .* does not exist/.test(err.message);

/** Runs `fn` on the entity as published now (with its live data), again on the new snapshot if one replaced it. */
async function onSnapshot<T>(
  deps: ReadDeps,
  instanceId: string,
  name: string,
  fn: (entity: PublishedEntity, published: PublishedEntity, at: ServedSnapshot, live: LiveState) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const at = await deps.snapshots.snapshot(instanceId);
    const published = at.entities.get(name);
    if (!published) throw new AppError('NotFound', `entity ${name} not found (GET …/manage/entities lists them)`);
    const now = deps.clock.now();
    const live = await liveState(deps.db, instanceId, name, now);
    const entity = withLiveData(published, live, now);
    try {
      return await fn(entity, published, at, live);
    } catch (err) {
      if (!isDroppedTable(err) || attempt >= snapshotRetries) throw err;
    }
  }
}

const hasLiveData = (live: LiveState): boolean => live.created || live.overlay;

/** Query parameters as a cache key (values of filters are strings, numbers, booleans or null). */
const keyOf = (parts: unknown[]): string =>
  JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

export interface EntityInfo {
  name: string;
  kind: string;
  attributes: Array<{ name: string; type: string }>;
  key: string[];
  rowCount: number;
  version: number;
}

export async function getEntities(db: Db, instanceId: string): Promise<EntityInfo[]> {
  return (await listEntities(db, instanceId)).map((e) => ({
    name: e.name,
    kind: e.kind,
    attributes: e.attributes,
    key: e.key,
    rowCount: e.rowCount,
    version: e.version,
  }));
}

export interface ItemsResponse {
  '@odata.context': string;
  '@odata.count'?: number;
  value: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
}

/** One page of an entity's items and the entity version it was read from: the one read path of "Get items from
 * an entity" and of the built-in flow step data.getItems. `version`: read only that version (a page link's). */
export async function readItemsPage(
  deps: ReadDeps,
  instanceId: string,
  name: string,
  input: ItemsQueryInput,
  opts: { version?: number } = {},
): Promise<ItemsPage & { version: number }> {
  // As on save: IsMemberOfSegment of a segment the instance does not have is a mistake (400), not an empty answer.
  if (name === 'Customer' && input.filter?.includes('IsMemberOfSegment'))
    await checkSegmentReferences(deps.db, instanceId, input.filter, { field: '$filter' });
  // any/all over the entities that reach customers, as in segment queries (only a navigation has a "/").
  const related =
    name === 'Customer' && input.filter?.includes('/')
      ? relatedEntities(await definitionScope(deps.db, instanceId))
      : undefined;
  return onSnapshot(deps, instanceId, name, async (entity, published, at, live) => {
    if (opts.version !== undefined && published.version !== opts.version)
      throw new AppError(
        'InvalidSkipToken',
        `${name} was republished (version ${opts.version} → ${published.version}) after this walk began; ` +
          'start again from the first page',
      );
    const membership = name === 'Customer' ? at.entities.get('SegmentMembership') : undefined;
    const read = () =>
      at.data.read(async (conn) => {
        const storedInKeyOrder = await isStoredInKeyOrder(conn, instanceId, entity);
        const q = compileItemsQuery(input, entity, { membershipTable: membership?.table, related, storedInKeyOrder });
        return executeItemsQuery(conn, q);
      });
    // A page of a published snapshot never changes: kept for the next identical read unless live data is mixed in.
    const page = hasLiveData(live)
      ? await read()
      : await readThrough(at, keyOf(['items', name, input, related]), read, (p) => p.value.length);
    return { ...page, version: published.version };
  });
}

export interface PageLinkDeps extends ReadDeps {
  secretKey: Buffer;
  /** How long a nextLink stays valid, ms. */
  pageLinkTtlMs: number;
}

/** The page link's claim behind a $skiptoken, checked for signature and expiry only (authentication uses it before
 * the read checks what it binds). */
export const pageLinkClaim = (deps: PageLinkDeps, token: string): PageClaim =>
  openPage(deps.secretKey, token, deps.clock.now().getTime());

/** "Get items from an entity": one page, with @odata.nextLink (a signed $skiptoken) when more rows exist.
 * `links.url` is the request's external URL; the next link keeps its other parameters. */
export async function getItems(
  deps: PageLinkDeps,
  instanceId: string,
  name: string,
  input: ItemsQueryInput,
  links: { base: string; url: URL; connectionId: string },
): Promise<ItemsResponse> {
  let position: string | undefined;
  let version: number | undefined;
  if (input.skiptoken !== undefined) {
    const claim = pageLinkClaim(deps, input.skiptoken);
    checkPageUse(claim, { instanceId, entity: name, query: queryBinding(input), connectionId: links.connectionId });
    position = claim.position;
    version = claim.version;
  }
  const page = await readItemsPage(
    deps,
    instanceId,
    name,
    { ...input, skiptoken: position },
    version === undefined ? {} : { version },
  );
  const out: ItemsResponse = {
    '@odata.context': linkTo(links.base, `/v1/instances/${encodeURIComponent(instanceId)}/$metadata#${name}`),
    ...(page.count !== null ? { '@odata.count': page.count } : {}),
    value: page.value,
  };
  if (page.nextSkiptoken) {
    const token = signPage(deps.secretKey, {
      instanceId,
      entity: name,
      version: page.version,
      query: queryBinding({ ...input, skip: undefined }),
      connectionId: links.connectionId,
      expiresAt: deps.clock.now().getTime() + deps.pageLinkTtlMs,
      position: page.nextSkiptoken,
    });
    const next = new URL(links.url);
    next.searchParams.delete('$skip');
    next.searchParams.set('$skiptoken', token);
    out['@odata.nextLink'] = next.toString();
  }
  return out;
}

/** One item by its primary key (a single key attribute, e.g. CustomerId). */
export async function getItem(
  deps: ReadDeps,
  instanceId: string,
  name: string,
  key: string,
): Promise<Record<string, unknown>> {
  return onSnapshot(deps, instanceId, name, async (entity, _published, at, live) => {
    const keyName = entity.key[0];
    if (entity.key.length !== 1 || keyName === undefined)
      throw new AppError('BadRequest', `${name} has no single key attribute; read its items with a $filter instead`);
    const type = duckTypeOf((entity.attributes.find((a) => a.name === keyName) ?? { type: 'string' as const }).type);
    const sql = `SELECT * FROM ${entity.table} AS t WHERE t.${quoteIdent(keyName)} = TRY_CAST(? AS ${type}) LIMIT 1`;
    const read = async () => {
      const row = (await at.data.read(async (conn) => (await runPrepared(conn, sql, [key])).getRowObjectsJS()))[0];
      return row ? toJsonRow(row, entity.attributes) : null;
    };
    const item = hasLiveData(live) ? await read() : await readThrough(at, keyOf(['item', name, key]), read, () => 1);
    if (!item) throw new AppError('NotFound', `${name} ${key} not found`);
    return item;
  });
}
