// The application shell: sign-in gate, instance picker, left navigation (the current page marked with
// aria-current) and the page for the current URL (see routes.tsx). The instance lives in the URL (?instance=…).
import { Suspense, useEffect, useState } from 'react';
import { api, session, type List } from './api.ts';
import { Link } from './Link.tsx';
import { navigate, urlInstance, useLocation } from './router.ts';
import { homePath, match, routes, sections } from './routes.tsx';
import { SignIn } from './SignIn.tsx';
import { useLoad } from './use-load.ts';
import { Empty, Progress } from './widgets.tsx';

export function App() {
  const [signedIn, setSignedIn] = useState(session.key() !== null);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return <Shell onSignOut={() => setSignedIn(false)} />;
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { path, visit } = useLocation();
  const instance = urlInstance() ?? session.instance() ?? 'default';
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
        <button
          type="button"
          className="signout"
          onClick={() => {
            session.signOut();
            onSignOut();
          }}
        >
          Sign out
        </button>
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
