// Route definitions: one object per operation, holding what the server needs (method, path, role, validation,
// handler) and what the API descriptions need (summary, schemas, connector extensions). The OpenAPI 3.1 document
// and the Power Automate connector definition are generated from these.
import type { Context } from 'hono';
import type { z } from 'zod';
import type { Operation } from '../connector/operation.ts';
import type { Principal } from '../tenancy/index.ts';
import type { Services } from './services.ts';

export type { Access, ConnectorInfo, ConnectorParameter, Method } from '../connector/operation.ts';

export interface RequestContext<B, Q> {
  params: Record<string, string>;
  query: Q;
  body: B;
  principal: Principal | null;
  services: Services;
  requestId: string;
  /** The external base URL (src/core/public-url.ts): every absolute link a handler emits starts with it. */
  base: string;
  /** The request's own URL as the outside sees it: base, then the path and query received. */
  url: URL;
  hono: Context;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route<B = unknown, Q = unknown> extends Omit<Operation, 'body' | 'query'> {
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** false: not recorded in the audit log (data, not configuration: real-time items; a mailed report). Default: every
   * call that is not a GET is recorded (src/http/audit-seam.ts). */
  audit?: false;
  /** A request without an API key may still act as a connection when this names one (a signed page link); it
   * throws when the request carries a credential that is not valid. */
  keylessConnection?: (services: Services, c: Context) => string | undefined;
  handler: (ctx: RequestContext<B, Q>) => Promise<Reply | Response>;
}

/** Keeps the body and query types of a route definition. */
export const route = <B = unknown, Q = unknown>(r: Route<B, Q>): Route => r as unknown as Route;

/** Reply helpers. */
export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({
  status: 200,
  body,
  ...(headers ? { headers } : {}),
});
export const created = (body: unknown, location: string): Reply => ({ status: 201, body, headers: { location } });
export const accepted = (body: unknown, location?: string): Reply => ({
  status: 202,
  body,
  ...(location ? { headers: { location } } : {}),
});
export const noContent = (): Reply => ({ status: 204 });
export const list = (value: unknown[]): Reply => ok({ value });
