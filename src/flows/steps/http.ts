// http.request (any endpoint, through the guarded sender) and data.getItems (an OData query on an entity of the
// instance; later steps can use its value, e.g. {{ steps.items.output.value.size }}).
import { z } from 'zod';
import type { StepContext } from './context.ts';
import { StepError } from './context.ts';

export const httpSchema = z.strictObject({
  name: z.string(),
  type: z.literal('http.request'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().min(1, 'is required').max(2048),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and dashes'), z.string().max(4096))
    .optional(),
  body: z.string().max(100_000).optional(),
});

export async function httpRequest(config: z.infer<typeof httpSchema>, ctx: StepContext) {
  const headers = Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k, ctx.render(v)]));
  const body = config.body === undefined ? undefined : ctx.render(config.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const r = await ctx.send({
    method: config.method,
    url: ctx.render(config.url),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  if (r.statusCode === null)
    throw new StepError(r.error?.code ?? 'ConnectionFailed', r.error?.message ?? 'no response');
  if (r.statusCode < 200 || r.statusCode >= 300)
    throw new StepError('HttpError', `answered ${r.statusCode}${r.body ? `: ${r.body.slice(0, 200)}` : ''}`);
  let json: unknown;
  try {
    json = r.body ? JSON.parse(r.body) : null;
  } catch {
    json = undefined;
  }
  return { output: { statusCode: r.statusCode, body: r.body, ...(json !== undefined ? { json } : {}) } };
}

export const itemsSchema = z.strictObject({
  name: z.string(),
  type: z.literal('data.getItems'),
  entity: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an entity name'),
  filter: z.string().max(16_384).optional(),
  select: z.string().max(4096).optional(),
  top: z.number().int().min(1).max(1000).optional(),
});

export async function getItems(config: z.infer<typeof itemsSchema>, ctx: StepContext) {
  const result = await ctx.readItems({
    entity: config.entity,
    ...(config.filter ? { filter: ctx.render(config.filter) } : {}),
    ...(config.select ? { select: config.select } : {}),
    ...(config.top ? { top: config.top } : {}),
  });
  return { output: result };
}
