// The UI's only way to the server: calls to the HTTP API (/v1) with the signed-in connection key — or, for a person
// signed in through the identity provider, with the session cookie and its CSRF token on changes — errors turned
// into ApiError carrying the OData error's code and message. Paths starting "~/" go to the instance of the URL.
import { urlInstance } from './router.ts';

const keyItem = 'insightflow.key';
const instanceItem = 'insightflow.instance';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The CSRF token of a session cookie (GET /v1/me gives it); kept in memory only. */
let csrfToken: string | null = null;

export const session = {
  key: (): string | null => sessionStorage.getItem(keyItem),
  setCsrfToken(token: string | null): void {
    csrfToken = token;
  },
  instance: (): string | null => sessionStorage.getItem(instanceItem),
  signIn(key: string): void {
    sessionStorage.setItem(keyItem, key);
  },
  setInstance(id: string): void {
    sessionStorage.setItem(instanceItem, id);
  },
  signOut(): void {
    csrfToken = null;
    sessionStorage.removeItem(keyItem);
    sessionStorage.removeItem(instanceItem);
  },
};

/** A list response of the API. */
export interface List<T> {
  value: T[];
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new ApiError(res.status, body.error.code ?? 'Error', body.error.message);
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(res.status, 'HttpError', `${res.status} ${res.statusText || 'error'}${text ? `: ${text}` : ''}`);
}

/** Calls the API; a path relative to the instance starts with "~/" (e.g. "~/jobs"). */
export async function call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  const headers: Record<string, string> = {};
  const key = session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  else if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
    headers['content-type'] = contentType ?? (body.type || 'application/octet-stream');
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(resolve(path), { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function resolve(path: string): string {
  if (!path.startsWith('~/')) return path;
  const instance = urlInstance() ?? session.instance() ?? 'default';
  return `/v1/instances/${encodeURIComponent(instance)}/${path.slice(2)}`;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown, contentType?: string) => call<T>('PUT', path, body, contentType),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  del: (path: string) => call<void>('DELETE', path),
};

/** Reads a list, answering an empty one when the route does not exist (yet) in this server. */
export async function listOrEmpty<T>(path: string): Promise<{ value: T[]; missing: boolean }> {
  try {
    return { value: (await api.get<List<T>>(path)).value, missing: false };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { value: [], missing: true };
    throw err;
  }
}

/** The message to show for any failure. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** OData string literal: quotes doubled. */
export const odataString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
