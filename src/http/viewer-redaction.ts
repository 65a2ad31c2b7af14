// What a viewer may not see: target URLs' credentials (user info, query strings, the secret path of a Teams or Slack
// webhook URL) and flow step headers (they carry tokens). Contributors and administrators, who can change these
// settings anyway, see them whole. Signing secrets and SMTP passwords are never returned to anyone.
import type { Flow } from '../flows/model.ts';
import type { Principal } from '../tenancy/index.ts';

export const hidden = '(hidden)';

/** True when the caller may see credentials in settings: a contributor or an administrator. */
export const seesCredentials = (p: Principal | null): boolean => p !== null && (p.systemAdmin || p.role !== 'viewer');

/** The URL without user info and query string; "(hidden)" when it cannot be parsed. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return hidden;
  }
}

/** Scheme, host and port only: for webhook URLs whose path is the secret. */
function originOnly(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return hidden;
  }
}

export function flowForViewer(flow: Flow): Flow {
  return {
    ...flow,
    steps: flow.steps.map((s) => {
      const out: Flow['steps'][number] = { ...s };
      if (typeof s.webhookUrl === 'string') out.webhookUrl = originOnly(s.webhookUrl);
      if (typeof s.url === 'string') out.url = withoutCredentials(s.url);
      if (s.headers && typeof s.headers === 'object')
        out.headers = Object.fromEntries(Object.keys(s.headers).map((k) => [k, hidden]));
      return out;
    }),
  };
}
