// Built-in flows: CRUD, runs, re-run, a test run on a sample event; and the instance's SMTP settings for e-mail steps.
import { z } from 'zod';
import { getItem, readItemsPage, type ReadDeps } from '../../connector/items.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { odataString } from '../../datastore/odata/index.ts';
import { emailSettingsIn, emailSettingsView, putEmailSettings } from '../../flows/email-settings.ts';
import { getRun, insertRun, listFlows, listRuns, type RunRecord } from '../../flows/flows.sql.ts';
import { flowIn, flowPatch } from '../../flows/model.ts';
import { createFlow, patchFlow, removeFlow, requireFlow } from '../../flows/service.ts';
import { sampleEvent } from '../../flows/sample-event.ts';
import { initialSteps } from '../../flows/worker.ts';
import { changesLinkOf } from '../../jobs/tasks/membership-changes.ts';
import { accepted, created, list, noContent, ok, route } from '../route.ts';
import { flowForViewer, seesCredentials } from '../viewer-redaction.ts';

const base = '/v1/instances/{instanceId}/flows';

/** A served profile for a made-up per-profile event: the first member of the segment, else the first customer; null
 * while the instance has no published Customer. */
async function sampleProfile(
  deps: ReadDeps,
  instanceId: string,
  segmentId: string,
): Promise<Record<string, unknown> | null> {
  const first = async (entity: string, filter?: string) =>
    (await readItemsPage(deps, instanceId, entity, { filter, top: '1' })).value[0];
  try {
    const member = await first('SegmentMembership', `SegmentId eq ${odataString(segmentId)}`);
    if (typeof member?.CustomerId === 'string') return await getItem(deps, instanceId, 'Customer', member.CustomerId);
    return (await first('Customer')) ?? null;
  } catch (err) {
    if (err instanceof AppError && err.code === 'NotFound') return null;
    throw err;
  }
}

const runView = ({ instanceId: _i, envelope, ...run }: RunRecord) => ({ ...run, event: envelope });

export const flowRoutes = [
  route({
    method: 'get',
    path: base,
    operationId: 'GetFlows',
    summary: 'List built-in flows',
    tags: ['Flows'],
    access: 'viewer',
    responses: { 200: { description: 'Flows of the instance.' } },
    handler: async ({ services, params, principal }) => {
      const flows = await listFlows(services.db, params.instanceId as string);
      return list(seesCredentials(principal) ? flows : flows.map(flowForViewer));
    },
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'CreateFlow',
    summary: 'Create a built-in flow',
    description:
      'A trigger (a trigger name and its parameters) plus ordered steps: teams.postMessage, slack.postMessage, email.send, http.request, data.getItems.',
    tags: ['Flows'],
    access: 'contributor',
    body: flowIn,
    responses: { 201: { description: 'The flow.' } },
    handler: async ({ services, params, body }) => {
      const flow = await createFlow(services.flowDeps, params.instanceId as string, body);
      return created(flow, `${base.replace('{instanceId}', flow.instanceId)}/${flow.id}`);
    },
  }),
  route({
    method: 'get',
    path: `${base}/{flowId}`,
    operationId: 'GetFlow',
    summary: 'Get a built-in flow',
    tags: ['Flows'],
    access: 'viewer',
    responses: { 200: { description: 'The flow.' } },
    handler: async ({ services, params, principal }) => {
      const flow = await requireFlow(services.db, params.instanceId as string, params.flowId as string);
      return ok(seesCredentials(principal) ? flow : flowForViewer(flow));
    },
  }),
  route({
    method: 'patch',
    path: `${base}/{flowId}`,
    operationId: 'UpdateFlow',
    summary: 'Change a built-in flow',
    tags: ['Flows'],
    access: 'contributor',
    body: flowPatch,
    responses: { 200: { description: 'The changed flow.' } },
    handler: async ({ services, params, body }) =>
      ok(await patchFlow(services.flowDeps, params.instanceId as string, params.flowId as string, body)),
  }),
  route({
    method: 'delete',
    path: `${base}/{flowId}`,
    operationId: 'DeleteFlow',
    summary: 'Delete a built-in flow',
    tags: ['Flows'],
    access: 'contributor',
    responses: { 204: { description: 'Deleted, with its runs.' } },
    handler: async ({ services, params }) => {
      await removeFlow(services.db, params.instanceId as string, params.flowId as string);
      return noContent();
    },
  }),
  route({
    method: 'get',
    path: `${base}/{flowId}/runs`,
    operationId: 'GetFlowRuns',
    summary: 'List the runs of a flow',
    tags: ['Flows'],
    access: 'viewer',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
    responses: { 200: { description: 'Runs, newest first, with each step status, output and error.' } },
    handler: async ({ services, params, query }) => {
      const instanceId = params.instanceId as string;
      await requireFlow(services.db, instanceId, params.flowId as string);
      return list(
        (await listRuns(services.db, instanceId, params.flowId as string, query.limit)).map((r) =>
          runView(r as RunRecord),
        ),
      );
    },
  }),
  route({
    method: 'post',
    path: `${base}/{flowId}/runs/{runId}/rerun`,
    operationId: 'RerunFlowRun',
    summary: 'Re-run a flow run',
    description: 'Starts a new run of the flow with the same event.',
    tags: ['Flows'],
    access: 'contributor',
    responses: { 202: { description: 'The new run.' } },
    handler: async ({ services, params }) => {
      const instanceId = params.instanceId as string;
      const flow = await requireFlow(services.db, instanceId, params.flowId as string);
      const old = await getRun(services.db, instanceId, flow.id, params.runId as string);
      if (!old) throw new AppError('NotFound', `run ${params.runId} not found`);
      const now = services.clock.now().toISOString();
      const run: RunRecord = {
        ...old,
        id: newId('run'),
        status: 'running',
        startedAt: now,
        finishedAt: null,
        attempts: 0,
        nextAttemptAt: now,
        steps: initialSteps(flow),
      };
      await insertRun(services.db, run);
      services.flowWorker.wake();
      return accepted(runView(run), `${base.replace('{instanceId}', instanceId)}/${flow.id}/runs`);
    },
  }),
  route({
    method: 'post',
    path: `${base}/{flowId}/test`,
    operationId: 'TestFlow',
    summary: 'Test a built-in flow',
    description:
      'Runs the flow once, now, on a sample event of its trigger: the newest stored event of that trigger in the ' +
      'instance, or one made up from the trigger parameters. The steps really execute (messages are sent); the run ' +
      'is not kept in the run history.',
    tags: ['Flows'],
    access: 'contributor',
    responses: { 200: { description: "The test run: each step's status, output and error, and the event used." } },
    handler: async ({ services, params, base: external }) => {
      const flow = await requireFlow(services.db, params.instanceId as string, params.flowId as string);
      const now = services.clock.now();
      const sample = await sampleEvent(services.db, flow, now, {
        changesLink: (segmentId, jobId) => changesLinkOf(external, flow.instanceId, segmentId, jobId),
        profile: (segmentId) => sampleProfile(services, flow.instanceId, segmentId),
      });
      const run = await services.flowWorker.test({
        id: newId('run'),
        instanceId: flow.instanceId,
        flowId: flow.id,
        eventId: sample.envelope.id,
        status: 'running',
        startedAt: now.toISOString(),
        finishedAt: null,
        attempts: 0,
        nextAttemptAt: null,
        steps: initialSteps(flow),
        envelope: sample.envelope,
      });
      return ok({ ...runView(run), eventSource: sample.source });
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/manage/settings/email',
    operationId: 'GetEmailSettings',
    summary: 'Get the SMTP settings',
    tags: ['Flows'],
    access: 'admin',
    responses: { 200: { description: 'The settings without the password (hasPassword says whether one is stored).' } },
    handler: async ({ services, params }) => {
      const view = await emailSettingsView(services.db, params.instanceId as string);
      if (!view) throw new AppError('NotFound', 'no e-mail settings have been set');
      return ok(view);
    },
  }),
  route({
    method: 'put',
    path: '/v1/instances/{instanceId}/manage/settings/email',
    operationId: 'SetEmailSettings',
    summary: 'Set the SMTP settings',
    description:
      'The password is stored encrypted and never returned; omit it to keep the stored one, send null to remove it. The SMTP host obeys the target address policy.',
    tags: ['Flows'],
    access: 'admin',
    body: emailSettingsIn,
    responses: { 200: { description: 'The stored settings without the password.' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      await services.checkSmtpHost(body.host);
      await putEmailSettings(services.db, services.secretKey, instanceId, body, services.clock.now());
      return ok(await emailSettingsView(services.db, instanceId));
    },
  }),
];
