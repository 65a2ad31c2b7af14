// The application shell: sign-in gate, who is signed in with sign-out, instance picker, left navigation (the current
// page marked with aria-current) and the page for the current URL (see routes.tsx). The instance lives in the URL
// (?instance=…).
import { Suspense, useCallback, useEffect, useState } from 'react';
import { api, ApiError, call, session, type List } from './api.ts';
import { Link } from './Link.tsx';
import { navigate, urlInstance, useLocation } from './router.ts';
import { homePath, match, routes, sections } from './routes.tsx';
import { SignIn } from './SignIn.tsx';
import { useLoad } from './use-load.ts';
import { Empty, Progress } from './widgets.tsx';

/** GET /v1/me: who is signed in. */
export interface Me {
  email: string | null;
  name: string | null;
  systemAdmin: boolean;
  instances: Array<{ id: string; role: string }>;
  csrfToken: string | null;
}

type Gate = { kind: 'checking' } | { kind: 'signin'; oidc: boolean } | { kind: 'in'; me: Me };

/** Whether this server signs people in through an identity provider (else with a connection key). */
async function offersOidc(): Promise<boolean> {
  try {
    const res = await fetch('/auth/status');
    return res.ok && ((await res.json()) as { oidc?: boolean }).oidc === true;
  } catch {
    return false;
  }
}

export function App() {
  const [gate, setGate] = useState<Gate>({ kind: 'checking' });
  const check = useCallback(async () => {
    const oidc = await offersOidc();
    if (session.key() === null && !oidc) return setGate({ kind: 'signin', oidc });
    try {
      const me = await api.get<Me>('/v1/me');
      session.setCsrfToken(me.csrfToken);
      setGate({ kind: 'in', me });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
      session.signOut();
      setGate({ kind: 'signin', oidc });
    }
  }, []);
  useEffect(() => {
    void check();
  }, [check]);
  if (gate.kind === 'checking') return <Progress label="Signing in" />;
  if (gate.kind === 'signin') return <SignIn oidc={gate.oidc} onSignedIn={() => void check()} />;
  return <Shell me={gate.me} onSignOut={() => void check()} />;
}

/** Ends the session on the server (identity provider sign-in) or forgets the key; the gate then checks again. */
async function signOut(): Promise<void> {
  try {
    if (session.key() === null) await call('POST', '/auth/logout');
  } finally {
    session.signOut();
  }
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const { path, visit } = useLocation();
  const instance = urlInstance() ?? session.instance() ?? me.instances[0]?.id ?? 'default';
  const instances = useLoad(() => api.get<List<{ id: string; name: string }>>('/v1/instances'), []);
  // A URL without an instance (or `/`) is completed in place, so that it can be shared as it is.
  useEffect(() => {
    if (path === '/' || !urlInstance())
      navigate(path === '/' ? homePath : path + window.location.search, {
        replace: true,
        instance,
      });
    session.setInstance(instance);
  }, [path, instance]);
  const found = match(path);
  const Page = found?.route.page;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Insightflow</div>
        <div className="account">
          <span>Signed in as</span>
          <strong title={me.email ?? undefined}>{me.name ?? me.email ?? 'a connection key'}</strong>
          <button type="button" className="signout" onClick={() => void signOut().finally(onSignOut)}>
            Sign out
          </button>
        </div>
        <label className="instance">
          <span>Instance</span>
          <select
            value={instance}
            onChange={(e) => navigate(found?.route.path ?? homePath, { instance: e.target.value })}
          >
            {(instances.data?.value ?? [{ id: instance, name: instance }]).map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        {sections.map((s) => (
          <div key={s} className="nav-section">
            <div className="nav-title">{s}</div>
            {routes
              .filter((r) => r.section === s)
              .map((r) => (
                <Link
                  key={r.path}
                  to={r.path}
                  instance={instance}
                  aria-current={r === found?.route ? 'page' : undefined}
                >
                  {r.label}
                </Link>
              ))}
          </div>
        ))}
      </nav>
      <main className="content" key={instance}>
        <Suspense fallback={<Progress label="Loading the page" />}>
          {Page ? (
            // A new visit starts the page afresh, even when a page still loading left the previous one in place.
            <Page key={`${path}#${visit}`} item={found.item} />
          ) : path === '/' ? null : (
            <Empty>
              There is no page at <span className="mono">{path}</span>. <Link to={homePath}>Go to the status page</Link>
            </Empty>
          )}
        </Suspense>
      </main>
    </div>
  );
}
