// The web UI's built files (web/dist, made by `npm run build:web`) served at /: hashed assets cached for a year,
// index.html never cached and answered for every other non-API page path, so that client routes such as
// /admin/status survive a reload. Paths under /v1 are never served from here; file lookups go through Hono's
// serveStatic, which refuses dot segments, backslashes and encoded separators.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono, MiddlewareHandler } from 'hono';

/** Where `npm run build:web` writes the UI. */
export const webDistDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

const assetCache = 'public, max-age=31536000, immutable';
const pageCache = 'no-cache';

const isApi = (p: string) => p === '/v1' || p.startsWith('/v1/');
/** A page path (no file extension in its last segment) gets index.html; a missing file stays a 404. */
const isPage = (p: string) => !p.startsWith('/assets/') && !/\.[^/]*$/.test(p);

export const notBuiltMessage =
  'The Insightflow web UI has not been built. Run `npm run build:web` (npm install does it too), then restart the server. The API is at /v1.';

/** Serves the UI from `dir` on GET and HEAD requests outside /v1; call after the API routes are registered. */
export function serveWebUi(app: Hono, dir: string): void {
  const outsideApi =
    (handler: MiddlewareHandler): MiddlewareHandler =>
    (c, next) =>
      isApi(c.req.path) ? next() : handler(c, next);

  if (!existsSync(path.join(dir, 'index.html'))) {
    app.get(
      '*',
      outsideApi(async (c, next) => (isPage(c.req.path) ? c.text(notBuiltMessage, 503) : next())),
    );
    return;
  }
  const files = serveStatic({
    root: dir,
    onFound: (file, c) => {
      c.header('Cache-Control', file.startsWith(path.join(dir, 'assets') + path.sep) ? assetCache : pageCache);
      c.header('X-Content-Type-Options', 'nosniff');
    },
  });
  const index = serveStatic({
    path: path.join(dir, 'index.html'),
    onFound: (_file, c) => {
      c.header('Cache-Control', pageCache);
      c.header('X-Content-Type-Options', 'nosniff');
    },
  });
  app.get('*', outsideApi(files));
  app.get(
    '*',
    outsideApi(async (c, next) => (isPage(c.req.path) ? index(c, next) : next())),
  );
}
