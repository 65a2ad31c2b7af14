// What the API descriptions need of an operation: method, path, texts, access, schemas and connector extensions.
// The HTTP route definitions (src/http/route.ts) extend it with what the server needs, so the generators of the
// connector definition and of OpenAPI 3.1 depend on this type only, never on the HTTP layer.
import type { z } from 'zod';
import type { Role } from '../tenancy/index.ts';

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
  /** Rows typed per entity (x-ms-dynamic-schema backed by GetEntitySchema): the rows of the response's `value`,
   * the response itself, or the request body; `entity` fixes the entity, else the `entity` parameter names it. */
  rowSchema?: { in: 'responseRows' | 'response' | 'body'; entity?: string };
}

export interface ConnectorParameter {
  /** x-ms-summary: the title the designer shows. */
  summary?: string;
  description?: string;
  visibility?: 'important' | 'advanced' | 'internal';
  /** Literal arguments added to the drop-down's call (x-ms-dynamic-values parameters), e.g. { writable: 'true' }. */
  pickerArguments?: Record<string, string>;
}

export interface Operation {
  method: Method;
  /** OpenAPI-style path, e.g. /v1/instances/{instanceId}/jobs/{jobId}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  body?: z.ZodType;
  /** Raw bodies (uploads) are read by the handler itself. */
  rawBody?: { contentTypes: string[] };
  query?: z.ZodType;
  /** `file`: the body is a file of these content types instead of JSON. */
  responses: Record<number, { description: string; schema?: z.ZodType; file?: string[] }>;
  connector?: ConnectorInfo;
}
