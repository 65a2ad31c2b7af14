// The $skiptoken of an @odata.nextLink: the data store's position token wrapped in a claim signed with the server
// secret. It binds the instance, the entity, the entity version (snapshot) the walk started on, the query options
// and the connection, and expires after INSIGHTFLOW_PAGE_LINK_TTL; so a nextLink carries its own authority (it works
// without the API key, as its connection) and cannot be altered, replayed after expiry or pointed elsewhere.
// Everything it binds is shared by all nodes (the secret key and ids), so any node honours any node's link.
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import type { ItemsQueryInput } from '../datastore/odata/index.ts';
import { seal, unseal } from './signed-link.ts';

export interface PageClaim {
  instanceId: string;
  entity: string;
  /** The entity version the walk reads; a newer one ends the walk (ADR 0007). */
  version: number;
  /** Hash of the query options ($filter, $select, $orderby, $top, $skip, $count). */
  query: string;
  connectionId: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
  /** The data store's position token. */
  position: string;
}

const invalid = (message: string) => new AppError('InvalidSkipToken', message);

/** Hash of the query options a page link binds (everything but the position). */
export function queryBinding(input: ItemsQueryInput): string {
  const options = [input.filter, input.select, input.orderby, input.top, input.skip, input.count];
  return createHash('sha256')
    .update(JSON.stringify(options.map((o) => o ?? null)))
    .digest('base64url')
    .slice(0, 22);
}

export const signPage = (key: Buffer, c: PageClaim): string =>
  seal(key, 'page', [c.instanceId, c.entity, c.version, c.query, c.connectionId, c.expiresAt, c.position]);

/** The claim of a page token after checking its signature and expiry (not yet what it is used for). */
export function openPage(key: Buffer, token: string, nowMs: number): PageClaim {
  const opened = unseal(key, 'page', token, 12_000);
  if ('problem' in opened)
    throw invalid(
      opened.problem === 'signature'
        ? '$skiptoken was altered or was not issued by this deployment; follow @odata.nextLink exactly as given'
        : '$skiptoken is not a token this server issued; follow @odata.nextLink exactly as given',
    );
  const [instanceId, entity, version, query, connectionId, expiresAt, position] = opened.claim as [
    string,
    string,
    number,
    string,
    string,
    number,
    string,
  ];
  if (expiresAt <= nowMs)
    throw invalid(`this page link expired at ${new Date(expiresAt).toISOString()}; start again from the first page`);
  return { instanceId, entity, version, query, connectionId, expiresAt, position };
}

/** Checks that a page claim is used for the read it was issued for. */
export function checkPageUse(
  claim: PageClaim,
  use: { instanceId: string; entity: string; query: string; connectionId: string | undefined },
): void {
  if (claim.instanceId !== use.instanceId || claim.entity !== use.entity)
    throw invalid(
      `$skiptoken belongs to a read of ${claim.entity}, not of ${use.entity} in instance ${use.instanceId}`,
    );
  if (claim.query !== use.query)
    throw invalid('$skiptoken belongs to other query options; follow @odata.nextLink exactly as given');
  if (use.connectionId !== undefined && claim.connectionId !== use.connectionId)
    throw invalid('$skiptoken belongs to another connection');
}
