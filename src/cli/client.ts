// The CLI's HTTP client for a running server: INSIGHTFLOW_URL (default http://<host>:<port> from the config) and a
// key from INSIGHTFLOW_KEY, else INSIGHTFLOW_ADMIN_KEY.
import type { Config } from '../config/index.ts';

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

export class CliError extends Error {}

/** The running server's base URL and the key to call it with. */
export function clientTarget(
  config: Readonly<Config>,
  env: Record<string, string | undefined> = process.env,
): { base: string; key: string } {
  const base = (
    env.INSIGHTFLOW_URL ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`
  ).replace(/\/$/, '');
  const key = env.INSIGHTFLOW_KEY ?? config.adminKey;
  if (!key) throw new CliError('set INSIGHTFLOW_KEY (or INSIGHTFLOW_ADMIN_KEY) to an API key');
  return { base, key };
}

export function createClient(
  config: Readonly<Config>,
  env: Record<string, string | undefined> = process.env,
): ApiClient {
  const { base, key } = clientTarget(config, env);
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new CliError(
        `cannot reach Insightflow at ${base}: ${(err as Error).message} (is it running? set INSIGHTFLOW_URL)`,
      );
    }
    const text = await res.text();
    const json = (text ? JSON.parse(text) : undefined) as
      (T & { error?: { code: string; message: string } }) | undefined;
    if (!res.ok)
      throw new CliError(`${method} ${path}: ${res.status} ${json?.error?.code ?? ''} ${json?.error?.message ?? text}`);
    return json as T;
  };
  return { get: <T>(p: string) => call<T>('GET', p), post: <T>(p: string, b?: unknown) => call<T>('POST', p, b) };
}
