// Connector action "Sends the status report": the latest job and task statuses of the instance.
import { z } from 'zod';
import { statusReport, statusReportIn } from '../../connector/status-report.ts';
import { ok, route } from '../route.ts';

export const statusReportRoutes = [
  route({
    method: 'post',
    path: '/v1/instances/{instanceId}/statusreport',
    operationId: 'SendStatusReport',
    audit: false,
    summary: 'Sends the status report',
    description: 'Returns the latest job and the latest status of every task of the instance.',
    tags: ['Jobs'],
    access: 'viewer',
    body: statusReportIn,
    responses: {
      200: {
        description: 'The report.',
        schema: z.object({
          reportType: z.string(),
          instanceId: z.string(),
          generatedAt: z.string(),
          latestJob: z.record(z.string(), z.unknown()).nullable(),
          jobs: z.array(z.record(z.string(), z.unknown())).optional(),
          tasks: z.array(z.record(z.string(), z.unknown())).optional(),
        }),
      },
    },
    connector: { parameters: { reportType: { summary: 'Report type' } } },
    handler: async ({ services, params, body }) =>
      ok(await statusReport(services.db, params.instanceId as string, body.reportType, services.clock.now())),
  }),
];
