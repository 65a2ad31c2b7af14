// The application shell: sign-in gate, instance picker, left navigation and the page for the current path.
import { useState, type ReactNode } from 'react';
import { api, session, type List } from './api.ts';
import { CustomersPage } from './CustomersPage.tsx';
import { DataSourcesPage } from './DataSourcesPage.tsx';
import { DeliveriesPage } from './DeliveriesPage.tsx';
import { ExportDestinationsPage } from './ExportDestinationsPage.tsx';
import { FlowsPage } from './FlowsPage.tsx';
import { MeasuresPage } from './MeasuresPage.tsx';
import { navigate, usePath } from './router.ts';
import { SegmentsPage } from './SegmentsPage.tsx';
import { SignIn } from './SignIn.tsx';
import { StatusPage } from './StatusPage.tsx';
import { UnifyPage } from './UnifyPage.tsx';
import { useLoad } from './use-load.ts';

interface NavItem {
  path: string;
  label: string;
  page: () => ReactNode;
}

const sections: Array<{ title: string; items: NavItem[] }> = [
  {
    title: 'Data',
    items: [
      { path: '/datasources', label: 'Data sources', page: () => <DataSourcesPage /> },
      { path: '/unify', label: 'Unify', page: () => <UnifyPage /> },
      { path: '/customers', label: 'Customers', page: () => <CustomersPage /> },
    ],
  },
  {
    title: 'Insights',
    items: [
      { path: '/segments', label: 'Segments', page: () => <SegmentsPage /> },
      { path: '/measures', label: 'Measures', page: () => <MeasuresPage /> },
    ],
  },
  {
    title: 'Automation',
    items: [
      { path: '/flows', label: 'Flows', page: () => <FlowsPage /> },
      { path: '/deliveries', label: 'Deliveries', page: () => <DeliveriesPage /> },
    ],
  },
  {
    title: 'Admin',
    items: [
      { path: '/admin/status', label: 'System › Status', page: () => <StatusPage /> },
      { path: '/admin/export-destinations', label: 'Export destinations', page: () => <ExportDestinationsPage /> },
    ],
  },
];

const allItems = sections.flatMap((s) => s.items);

export function App() {
  const [signedIn, setSignedIn] = useState(session.key() !== null);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return <Shell onSignOut={() => setSignedIn(false)} />;
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  const [instance, setInstance] = useState(session.instance() ?? 'default');
  const instances = useLoad(() => api.get<List<{ id: string; name: string }>>('/v1/instances'), []);
  const current = allItems.find((i) => path === i.path || path.startsWith(`${i.path}/`)) ?? allItems.at(-2);
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Insightflow</div>
        <label className="instance">
          <span>Instance</span>
          <select
            aria-label="Instance"
            value={instance}
            onChange={(e) => {
              session.setInstance(e.target.value);
              setInstance(e.target.value);
            }}
          >
            {(instances.data?.value ?? [{ id: instance, name: instance }]).map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        {sections.map((s) => (
          <div key={s.title} className="nav-section">
            <div className="nav-title">{s.title}</div>
            {s.items.map((i) => (
              <a
                key={i.path}
                href={i.path}
                className={i === current ? 'active' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(i.path);
                }}
              >
                {i.label}
              </a>
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
        {current?.page()}
      </main>
    </div>
  );
}
