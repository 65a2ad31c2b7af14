// Every route of the API, in the order they appear in the API descriptions.
import type { Route } from '../route.ts';
import { auditRoutes } from './audit.ts';
import { backupRoutes } from './backup.ts';
import { describingRoutes } from './connector.ts';
import { dataRoutes } from './data.ts';
import { dataSourceRoutes } from './datasources.ts';
import { eventRoutes } from './events.ts';
import { entityRoutes } from './entities.ts';
import { flowRoutes } from './flows.ts';
import { jobRoutes } from './jobs.ts';
import { measureRoutes } from './measures.ts';
import { memberRoutes } from './members.ts';
import { scheduleRoutes } from './schedule.ts';
import { segmentRoutes } from './segments.ts';
import { subscriptionRoutes } from './subscriptions.ts';
import { triggerRoutes } from './triggers.ts';
import { statusReportRoutes } from './status-report.ts';
import { unificationRoutes } from './unification.ts';
import { systemRoutes } from './system.ts';

export const routes: Route[] = [
  ...systemRoutes,
  ...auditRoutes,
  ...backupRoutes,
  ...memberRoutes,
  ...dataSourceRoutes,
  ...jobRoutes,
  ...scheduleRoutes,
  ...unificationRoutes,
  ...segmentRoutes,
  ...measureRoutes,
  ...flowRoutes,
  ...subscriptionRoutes,
  ...triggerRoutes,
  ...eventRoutes,
  ...entityRoutes,
  ...dataRoutes,
  ...statusReportRoutes,
  ...describingRoutes(() => routes),
];
