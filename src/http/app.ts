// The HTTP application: request ids, authentication, per-connection rate limits, instance scoping, validation of
// bodies and queries, and error mapping — applied uniformly to every route definition.
import { Hono, type Context } from 'hono';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { createBaseUrlResolver, createClientResolver, type BaseUrl, type IncomingRequest } from '../core/public-url.ts';
import { allows, getInstance, roleIn, type Principal } from '../tenancy/index.ts';
import { toErrorResponse, zodMessage } from './errors.ts';
import type { Reply, Route } from './route.ts';
import { isAudited, runAudited } from './audit-seam.ts';
import { checkJsonBody, checkPathParams, checkQueryValues } from './input-guard.ts';
import { mountMetrics } from './metrics-endpoint.ts';
import type { Services } from './services.ts';
import { mountSignIn, sessionTokenOf } from './sign-in.ts';
import { serveWebUi } from './static.ts';
import { answer, answerHeader, finishAnswer, headerOf, startAnswer } from './wire.ts';

const honoPath = (p: string): string => p.replace(/\{(\w+)\}/g, ':$1');

const bearer = /^Bearer\s+(\S+)\s*$/i;

function extractKey(c: Context): string | undefined {
  const auth = headerOf(c, 'authorization');
  if (auth) return bearer.exec(auth)?.[1];
  return headerOf(c, 'api-key');
}

const requestIdPattern = /^[\w.-]{1,64}$/;

interface NodeSocketEnv {
  incoming?: { socket?: { remoteAddress?: string; localAddress?: string; localPort?: number } };
}

/** A Hono request as the resolvers of src/core/public-url.ts see it. */
function incomingOf(c: {
  env: unknown;
  req: { url: string; header(name: string): string | undefined };
}): IncomingRequest {
  const socket = (c.env as NodeSocketEnv | undefined)?.incoming?.socket;
  return {
    url: c.req.url,
    header: (name) => c.req.header(name),
    remoteAddress: socket?.remoteAddress,
    localAddress: socket?.localAddress,
    localPort: socket?.localPort,
  };
}

/** The request's own URL as the outside sees it: the external base, then the path and query received. */
const externalUrl = (base: BaseUrl, c: Context): URL => {
  const received = new URL(c.req.url);
  return new URL(`${base}${received.pathname}${received.search}`);
};

/** `webDir`: serve the built web UI from this folder at / (see static.ts); left out, only the API is served. */
export function createApp(services: Services, routes: Route[], opts: { webDir?: string } = {}): Hono {
  const app = new Hono();
  const { log } = services;
  const resolveBase = createBaseUrlResolver(services.config);
  const resolveClient = createClientResolver(services.config);

  app.onError((err, c) => {
    const requestId = (c.get('requestId' as never) as string | undefined) ?? newId('req');
    const { status, body, unexpected } = toErrorResponse(err, requestId);
    if (unexpected)
      log.error('unexpected error', {
        requestId,
        path: c.req.path,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    return answer(c, status, body);
  });
  app.notFound((c) =>
    answer(c, 404, { error: { code: 'NotFound', message: `no route for ${c.req.method} ${c.req.path}` } }),
  );

  app.use('*', async (c: Context, next) => {
    const incoming = headerOf(c, 'x-request-id');
    const requestId = incoming && requestIdPattern.test(incoming) ? incoming : newId('req');
    c.set('requestId' as never, requestId as never);
    startAnswer(c, { 'x-request-id': requestId });
    const t0 = performance.now();
    await next();
    finishAnswer(c, c.res);
    const ms = performance.now() - t0;
    const route = (c.get('route' as never) as string | undefined) ?? 'other';
    services.metrics.httpRequest(route, c.req.method, c.res.status, ms / 1000);
    const level = c.res.status >= 500 ? 'warn' : 'debug';
    if (!log.enabled(level)) return;
    log[level]('request', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms: Math.round(ms),
      client: resolveClient(incomingOf(c)),
    });
  });
  mountMetrics(app, services);
  mountSignIn(app, services, (c) => resolveBase(incomingOf(c)));
  // Instances are never deleted, so one that was found once exists for good (no control-store query per request).
  const knownInstances = new Set<string>();

  for (const r of routes) {
    app.on(r.method.toUpperCase(), honoPath(r.path), async (c) => {
      c.set('route' as never, r.path as never);
      const requestId = c.get('requestId' as never) as string;
      const principal = r.access === 'public' ? null : await authenticate(services, r, c);
      const params = c.req.param() as Record<string, string>;
      checkPathParams(params);
      const queries = c.req.url.includes('?') ? c.req.queries() : {};
      checkQueryValues(queries);
      const lookup = principal ? enforceScope(services, r, principal, params, knownInstances) : undefined;
      if (lookup) await lookup;
      const query = parseQuery(r, queries);
      const body = r.rawBody || !r.body ? undefined : await parseBody(services, r.body, c);
      // The external base and URL are worked out only for the handlers and replies that use them.
      let base: BaseUrl | undefined;
      let url: URL | undefined;
      const baseOf = () => (base ??= resolveBase(incomingOf(c)));
      const ctx = {
        params,
        query,
        body,
        principal,
        services,
        requestId,
        get base() {
          return baseOf();
        },
        get url() {
          return (url ??= externalUrl(baseOf(), c));
        },
        hono: c,
      };
      const reply = isAudited(r) ? await runAudited(services.db, r, ctx, () => r.handler(ctx)) : await r.handler(ctx);
      if (reply instanceof Response) return reply;
      return send(c, reply, baseOf);
    });
  }
  if (opts.webDir) serveWebUi(app, opts.webDir);
  return app;
}

/** Sends a reply; a Location given as a path ("/v1/…") becomes absolute under the external base. */
function send(c: Context, reply: Reply, base: () => BaseUrl): Response {
  for (const [k, v] of Object.entries(reply.headers ?? {})) {
    const name = k.toLowerCase();
    answerHeader(c, name, name === 'location' && v.startsWith('/') ? `${base()}${v}` : v);
  }
  return answer(c, reply.status, reply.status === 204 ? undefined : reply.body);
}

async function authenticate(services: Services, r: Route, c: Context): Promise<Principal> {
  const principal = await principalOf(services, r, c);
  const limit = principal.rateLimit ?? services.config.rateLimit;
  const hit = services.rateLimiter.hit(principal.connectionId, limit, services.clock.now().getTime());
  const d = hit instanceof Promise ? await hit : hit;
  if (d.revoked) {
    services.principals.evict(principal.connectionId);
    throw new AppError('Unauthorized', 'the API key is not valid');
  }
  answerHeader(c, 'ratelimit-policy', `"default";q=${limit};w=60`);
  answerHeader(c, 'ratelimit', `"default";r=${d.remaining};t=${d.resetSeconds}`);
  if (!d.allowed) {
    services.metrics.rateLimited();
    answerHeader(c, 'retry-after', String(d.resetSeconds));
    throw new AppError(
      'TooManyRequests',
      `rate limit of ${limit} calls per 60 seconds exceeded; retry in ${d.resetSeconds} s`,
    );
  }
  return principal;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who a request acts as: its API key's connection, else the person of its session cookie (changes need the
 * session's CSRF token in X-CSRF-Token), else the connection a keyless credential (a page link) names. */
async function principalOf(services: Services, r: Route, c: Context): Promise<Principal> {
  const key = extractKey(c);
  if (key) {
    const cached = services.principals.byKey(key);
    const p = cached instanceof Promise ? await cached : cached;
    if (!p) throw new AppError('Unauthorized', 'the API key is not valid');
    const write = services.lastUsed.touch(p.connectionId, services.clock.now());
    if (write) await write;
    return p;
  }
  const token = services.signIn ? sessionTokenOf(c) : undefined;
  const active = token ? await services.signIn?.resolve(token) : undefined;
  if (active) {
    if (!safeMethods.has(c.req.method) && headerOf(c, 'x-csrf-token') !== active.csrfToken)
      throw new AppError(
        'Forbidden',
        'a change made with a session cookie needs the X-CSRF-Token header given as csrfToken by GET /v1/me',
      );
    c.set('csrfToken' as never, active.csrfToken as never);
    return active.principal;
  }
  const connectionId = r.keylessConnection?.(services, c);
  if (connectionId === undefined)
    throw new AppError(
      'Unauthorized',
      token
        ? 'your session has ended: sign in again'
        : 'an API key is required: send "Authorization: Bearer <key>" or "api-key: <key>"',
    );
  const p = await services.principals.byConnectionId(connectionId);
  if (!p) throw new AppError('Unauthorized', 'the connection this link was issued to was deleted');
  return p;
}

/** Refuses a principal without the route's role in its instance; returns the look-up of an instance not yet known to
 * exist when there is one to wait for. */
function enforceScope(
  services: Services,
  r: Route,
  p: Principal,
  params: Record<string, string>,
  knownInstances: Set<string>,
): Promise<void> | undefined {
  if (r.access === 'systemAdmin') {
    if (!p.systemAdmin) throw new AppError('Forbidden', 'only the system administrator may do this');
    return undefined;
  }
  const instanceId = params.instanceId;
  if (instanceId === undefined || r.access === 'authenticated' || r.access === 'public') return undefined;
  const has = roleIn(p, instanceId);
  if (has === undefined) throw new AppError('NotFound', `instance ${instanceId} not found`);
  const access = r.access;
  const allowed = () => {
    if (!allows(p, instanceId, access))
      throw new AppError(
        'Forbidden',
        `this needs the ${access} role; ${p.user ? 'you have' : 'the connection has'} ${has}`,
      );
  };
  if (knownInstances.has(instanceId)) {
    allowed();
    return undefined;
  }
  return getInstance(services.db, instanceId).then((found) => {
    if (!found) throw new AppError('NotFound', `instance ${instanceId} not found`);
    knownInstances.add(instanceId);
    allowed();
  });
}

function parseQuery(r: Route, raw: Record<string, string[]>): unknown {
  if (!r.query) return {};
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v.length > 1) throw new AppError('BadRequest', `query parameter ${k} is given more than once`);
    flat[k] = v[0] as string;
  }
  const parsed = r.query.safeParse(flat);
  if (!parsed.success) throw new AppError('ValidationFailed', zodMessage(parsed.error, 'query'));
  return parsed.data;
}

async function parseBody(services: Services, schema: NonNullable<Route['body']>, c: Context): Promise<unknown> {
  const type = headerOf(c, 'content-type') ?? '';
  const length = Number(headerOf(c, 'content-length') ?? '0');
  if (length > services.config.maxBodyBytes)
    throw new AppError('PayloadTooLarge', `the request body is larger than ${services.config.maxBodyBytes} bytes`);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > services.config.maxBodyBytes)
    throw new AppError('PayloadTooLarge', `the request body is larger than ${services.config.maxBodyBytes} bytes`);
  let json: unknown = {};
  if (text.trim() !== '') {
    if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type))
      throw new AppError('BadRequest', `the body must be JSON (content-type application/json), got ${type}`);
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AppError('BadRequest', `the request body is not valid JSON: ${(err as Error).message}`);
    }
    checkJsonBody(json);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new AppError('ValidationFailed', zodMessage(parsed.error, 'body'));
  return parsed.data;
}
