// Route definitions: one object per operation, holding what the server needs (method, path, role, validation,
// handler) and what the API descriptions need (summary, schemas, connector extensions). The OpenAPI 3.1 document
// and the Power Automate connector definition are generated from these.
import type { Context } from 'hono';
import type { z } from 'zod';
import type { Principal, Role } from '../tenancy/index.ts';
import type { Services } from './services.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call: anyone, any valid key, a role on the instance in the path, or the system administrator. */
export type Access = 'public' | 'authenticated' | Role | 'systemAdmin';

export interface ConnectorInfo {
  /** Trigger operations (subscription create) get x-ms-trigger. */
  trigger?: { eventType: string; triggerName: string };
  /** x-ms-visibility of the operation: important, advanced or internal. */
  visibility?: 'important' | 'advanced' | 'internal';
  pageable?: boolean;
  /** Display details of path, query and body parameters by name (x-ms-summary, description, visibility). */
  parameters?: Record<string, ConnectorParameter>;
}

export interface ConnectorParameter {
  /** x-ms-summary: the title the designer shows. */
  summary?: string;
  description?: string;
  visibility?: 'important' | 'advanced' | 'internal';
}

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

export interface Route<B = unknown, Q = unknown> {
  method: Method;
  /** OpenAPI-style path, e.g. /v1/instances/{instanceId}/jobs/{jobId}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  body?: z.ZodType<B>;
  /** Raw bodies (uploads) are read by the handler itself. */
  rawBody?: { contentTypes: string[] };
  query?: z.ZodType<Q>;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  connector?: ConnectorInfo;
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
