// The pages of the UI, by URL, in the order of the navigation. Each page is its own chunk, loaded when first opened,
// so the first page loads fast. A page gets the rest of its URL as `item` (/segments/seg_1 → "seg_1",
// /segments/new → "new"). To add a page, add an entry here; it appears in the navigation of its section.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export interface PageProps {
  /** The decoded path segment after the page's path, if any: an item id, "new", or a sub-view. */
  item: string | undefined;
}

export interface PageRoute {
  path: string;
  label: string;
  section: string;
  page: LazyExoticComponent<ComponentType<PageProps>>;
}

/** A lazily loaded page: `load` imports its module, `name` is the exported component. */
function page<M>(load: () => Promise<M>, name: keyof M) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType<PageProps> }));
}

export const sections = ['Data', 'Insights', 'Automation', 'Admin'] as const;

export const routes: PageRoute[] = [
  {
    path: '/datasources',
    label: 'Data sources',
    section: 'Data',
    page: page(() => import('./DataSourcesPage.tsx'), 'DataSourcesPage'),
  },
  { path: '/unify', label: 'Unify', section: 'Data', page: page(() => import('./UnifyPage.tsx'), 'UnifyPage') },
  {
    path: '/customers',
    label: 'Customers',
    section: 'Data',
    page: page(() => import('./CustomersPage.tsx'), 'CustomersPage'),
  },
  {
    path: '/segments',
    label: 'Segments',
    section: 'Insights',
    page: page(() => import('./SegmentsPage.tsx'), 'SegmentsPage'),
  },
  {
    path: '/measures',
    label: 'Measures',
    section: 'Insights',
    page: page(() => import('./MeasuresPage.tsx'), 'MeasuresPage'),
  },
  { path: '/flows', label: 'Flows', section: 'Automation', page: page(() => import('./FlowsPage.tsx'), 'FlowsPage') },
  {
    path: '/deliveries',
    label: 'Deliveries',
    section: 'Automation',
    page: page(() => import('./DeliveriesPage.tsx'), 'DeliveriesPage'),
  },
  {
    path: '/admin/status',
    label: 'System › Status',
    section: 'Admin',
    page: page(() => import('./StatusPage.tsx'), 'StatusPage'),
  },
  {
    path: '/admin/members',
    label: 'Members',
    section: 'Admin',
    page: page(() => import('./MembersPage.tsx'), 'MembersPage'),
  },
  {
    path: '/admin/audit',
    label: 'Audit log',
    section: 'Admin',
    page: page(() => import('./AuditPage.tsx'), 'AuditPage'),
  },
  {
    path: '/admin/export-destinations',
    label: 'Export destinations',
    section: 'Admin',
    page: page(() => import('./ExportDestinationsPage.tsx'), 'ExportDestinationsPage'),
  },
];

/** Where `/` leads. */
export const homePath = '/admin/status';

/** The page for a path and the rest of the path after it (decoded), or null for an unknown path. */
export function match(path: string): { route: PageRoute; item: string | undefined } | null {
  for (const route of routes) {
    if (path === route.path) return { route, item: undefined };
    if (path.startsWith(`${route.path}/`)) {
      const rest = path.slice(route.path.length + 1).replace(/\/$/, '');
      try {
        return { route, item: rest ? decodeURIComponent(rest) : undefined };
      } catch {
        return null;
      }
    }
  }
  return null;
}
