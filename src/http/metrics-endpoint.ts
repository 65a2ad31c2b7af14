// GET /metrics: Prometheus text for scrapers. It needs `Authorization: Bearer <INSIGHTFLOW_METRICS_TOKEN>` or the
// system administrator's key; it is not part of the /v1 API (no rate limit, not in the API descriptions).
import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import type { Services } from './services.ts';

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

async function mayScrape(services: Services, authorization: string | undefined): Promise<boolean> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return false;
  if (services.config.metricsToken !== undefined && sameSecret(token, services.config.metricsToken)) return true;
  const principal = await services.principals.byKey(token);
  return principal?.systemAdmin === true;
}

export function mountMetrics(app: Hono, services: Services): void {
  app.get('/metrics', async (c) => {
    c.set('route' as never, '/metrics' as never);
    if (!(await mayScrape(services, c.req.header('authorization'))))
      return c.json(
        {
          error: {
            code: 'Unauthorized',
            message: 'send "Authorization: Bearer <INSIGHTFLOW_METRICS_TOKEN>" or the system administrator\'s key',
          },
        },
        401,
      );
    // The snapshot version this node serves (it loads newer ones from the shared directory as they are published).
    for (const [instanceId, version] of Object.entries(services.snapshots.servedVersions()))
      services.metrics.snapshotVersion(services.nodeId, instanceId, version);
    const body = await services.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': services.metrics.registry.contentType });
  });
}
