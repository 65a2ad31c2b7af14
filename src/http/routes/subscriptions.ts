// Subscriptions: the Power Automate / REST hook protocol (subscribe per trigger, unsubscribe by the Location URL),
// generic webhooks (list, create, read, change, enable/disable, rotate the secret), and their deliveries (log,
// retry, replay). Secrets are returned only when created or rotated.
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { triggers, type TriggerName } from '../../events/index.ts';
import { bodyViewLimit, getDeliveryDetail, listDeliveries } from '../../delivery/deliveries.sql.ts';
import { deliveryBody } from '../../delivery/payload.ts';
import {
  paramsOf,
  subscriptionView,
  triggerSubscribeIn,
  webhookIn,
  webhookPatch,
} from '../../delivery/subscription-model.ts';
import {
  createWebhook,
  listWebhooks,
  patchWebhook,
  removeWebhook,
  replay,
  requireWebhook,
  retryDelivery,
  rotateSecret,
} from '../../delivery/webhook-subscriptions.ts';
import type { Subscription } from '../../events/index.ts';
import type { Principal } from '../../tenancy/index.ts';
import { accepted, created, list, noContent, ok, route } from '../route.ts';
import { seesCredentials, withoutCredentials } from '../viewer-redaction.ts';

const base = '/v1/instances/{instanceId}/subscriptions';
const subscriptionPath = (instanceId: string, id: string) =>
  `/v1/instances/${encodeURIComponent(instanceId)}/subscriptions/${id}`;

/** A subscription as the caller may see it: a viewer gets its URL without credentials. */
function viewFor(principal: Principal | null, s: Subscription): Record<string, unknown> {
  const view = subscriptionView(s);
  return seesCredentials(principal) ? view : { ...view, url: withoutCredentials(s.url) };
}

export const subscriptionRoutes = [
  route({
    method: 'post',
    path: '/v1/instances/{instanceId}/triggers/{trigger}/subscriptions',
    operationId: 'SubscribeToTrigger',
    summary: 'Subscribe to a trigger',
    description:
      'Power Automate / Logic Apps webhook trigger protocol (and Zapier-style REST hooks): the events of the trigger are posted to callbackUrl (or target_url). The Location header is the URL to DELETE to unsubscribe.',
    tags: ['Triggers'],
    access: 'contributor',
    body: triggerSubscribeIn,
    responses: { 201: { description: 'Subscribed; the body holds the id and the signing secret (shown once).' } },
    connector: { visibility: 'internal' },
    handler: async ({ services, params, body, principal }) => {
      const instanceId = params.instanceId as string;
      const type = triggers[params.trigger as TriggerName];
      if (!Object.hasOwn(triggers, params.trigger as string))
        throw new AppError('NotFound', `no trigger ${params.trigger}; triggers: ${Object.keys(triggers).join(', ')}`);
      const { subscription, secret } = await createWebhook(services.webhooks, instanceId, {
        url: (body.callbackUrl ?? body.target_url) as string,
        eventTypes: [type],
        format: 'standard',
        enabled: true,
        params: paramsOf(body),
        style: 'powerautomate',
        connectionId: principal?.connectionId ?? null,
      });
      return created({ ...subscriptionView(subscription), secret }, subscriptionPath(instanceId, subscription.id));
    },
  }),
  route({
    method: 'get',
    path: base,
    operationId: 'GetSubscriptions',
    summary: 'List webhook subscriptions',
    tags: ['Subscriptions'],
    access: 'viewer',
    responses: { 200: { description: 'Webhook and Power Automate subscriptions of the instance (without secrets).' } },
    handler: async ({ services, params, principal }) =>
      list((await listWebhooks(services.db, params.instanceId as string)).map((s) => viewFor(principal, s))),
  }),
  route({
    method: 'post',
    path: base,
    operationId: 'CreateSubscription',
    summary: 'Create a webhook subscription',
    description:
      'Events of the given types that match the trigger parameters are posted, signed per Standard Webhooks, to url in the standard envelope or as CloudEvents 1.0.',
    tags: ['Subscriptions'],
    access: 'contributor',
    body: webhookIn,
    responses: { 201: { description: 'The subscription with its signing secret (shown once).' } },
    handler: async ({ services, params, body, principal }) => {
      const instanceId = params.instanceId as string;
      const { subscription, secret } = await createWebhook(services.webhooks, instanceId, {
        url: body.url,
        eventTypes: body.eventTypes,
        format: body.format,
        enabled: body.enabled,
        ...(body.description !== undefined ? { description: body.description } : {}),
        params: paramsOf(body),
        style: 'webhook',
        connectionId: principal?.connectionId ?? null,
      });
      return created({ ...subscriptionView(subscription), secret }, subscriptionPath(instanceId, subscription.id));
    },
  }),
  route({
    method: 'get',
    path: `${base}/{subscriptionId}`,
    operationId: 'GetSubscription',
    summary: 'Get a webhook subscription',
    tags: ['Subscriptions'],
    access: 'viewer',
    responses: { 200: { description: 'The subscription (without its secret).' } },
    handler: async ({ services, params, principal }) =>
      ok(
        viewFor(
          principal,
          await requireWebhook(services.db, params.instanceId as string, params.subscriptionId as string),
        ),
      ),
  }),
  route({
    method: 'patch',
    path: `${base}/{subscriptionId}`,
    operationId: 'UpdateSubscription',
    summary: 'Change a webhook subscription',
    description: 'Change the URL, event types, format or trigger parameters (null removes one); enable or disable it.',
    tags: ['Subscriptions'],
    access: 'contributor',
    body: webhookPatch,
    responses: { 200: { description: 'The changed subscription.' } },
    handler: async ({ services, params, body }) =>
      ok(
        subscriptionView(
          await patchWebhook(services.webhooks, params.instanceId as string, params.subscriptionId as string, body),
        ),
      ),
  }),
  route({
    method: 'delete',
    path: `${base}/{subscriptionId}`,
    operationId: 'DeleteSubscription',
    summary: 'Delete a subscription',
    description: 'Unsubscribes (the Power Automate trigger protocol calls this when a flow is turned off or deleted).',
    tags: ['Subscriptions'],
    access: 'contributor',
    responses: { 204: { description: 'Deleted, with its deliveries.' } },
    connector: { visibility: 'internal' },
    handler: async ({ services, params }) => {
      await removeWebhook(services.db, params.instanceId as string, params.subscriptionId as string);
      return noContent();
    },
  }),
  route({
    method: 'post',
    path: `${base}/{subscriptionId}/rotate-secret`,
    operationId: 'RotateSubscriptionSecret',
    summary: 'Rotate the signing secret',
    description: 'A new secret signs from now on; the previous one signs too (two signatures) for 24 hours.',
    tags: ['Subscriptions'],
    access: 'contributor',
    responses: { 200: { description: 'The subscription with its new secret (shown once).' } },
    handler: async ({ services, params }) => {
      const { subscription, secret } = await rotateSecret(
        services.webhooks,
        params.instanceId as string,
        params.subscriptionId as string,
      );
      return ok({ ...subscriptionView(subscription), secret });
    },
  }),
  route({
    method: 'get',
    path: `${base}/{subscriptionId}/deliveries`,
    operationId: 'GetSubscriptionDeliveries',
    summary: 'List the deliveries of a subscription',
    tags: ['Subscriptions'],
    access: 'viewer',
    query: z.strictObject({
      status: z.enum(['pending', 'succeeded', 'failed']).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    responses: { 200: { description: 'Deliveries, newest first, each with its attempts.' } },
    handler: async ({ services, params, query }) => {
      const sub = await requireWebhook(services.db, params.instanceId as string, params.subscriptionId as string);
      return list(await listDeliveries(services.db, sub.id, { limit: query.limit, status: query.status }));
    },
  }),
  route({
    method: 'get',
    path: `${base}/{subscriptionId}/deliveries/{deliveryId}`,
    operationId: 'GetSubscriptionDelivery',
    summary: 'Get a delivery with its request and response bodies',
    description: `The delivery, its request body as sent (the first ${bodyViewLimit} bytes; request.bytes is its whole size, request.truncated says it was cut) and each attempt's response body (the first ${bodyViewLimit} bytes).`,
    tags: ['Subscriptions'],
    access: 'viewer',
    responses: { 200: { description: 'The delivery with bodies.' } },
    handler: async ({ services, params }) => {
      const sub = await requireWebhook(services.db, params.instanceId as string, params.subscriptionId as string);
      const d = await getDeliveryDetail(services.db, sub.id, params.deliveryId as string, (payload) =>
        deliveryBody(payload, sub.format),
      );
      if (!d) throw new AppError('NotFound', `delivery ${params.deliveryId} not found`);
      return ok(d);
    },
  }),
  route({
    method: 'post',
    path: `${base}/{subscriptionId}/deliveries/{deliveryId}/retry`,
    operationId: 'RetryDelivery',
    summary: 'Retry a pending or failed delivery now',
    description:
      'A failed delivery is queued again, due now, with a fresh retry schedule; a pending one is made due now (its retry schedule goes on). 409 for a succeeded delivery or one being sent at this moment.',
    tags: ['Subscriptions'],
    access: 'contributor',
    responses: { 202: { description: 'Queued.' } },
    handler: async ({ services, params }) => {
      const instanceId = params.instanceId as string;
      const subId = params.subscriptionId as string;
      await retryDelivery(services.webhooks, instanceId, subId, params.deliveryId as string);
      return accepted(
        { id: params.deliveryId, status: 'pending' },
        `/v1/instances/${instanceId}/subscriptions/${subId}/deliveries`,
      );
    },
  }),
  route({
    method: 'post',
    path: `${base}/{subscriptionId}/replay`,
    operationId: 'ReplaySubscription',
    summary: 'Replay events to a subscription',
    description:
      'Sends the events of the subscription (its types and trigger parameters) since a time again, as new deliveries with the same event ids (at most 10,000 per call, oldest first).',
    tags: ['Subscriptions'],
    access: 'contributor',
    body: z.strictObject({ since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }) }),
    responses: { 202: { description: 'The number of deliveries queued.' } },
    handler: async ({ services, params, body }) => {
      const instanceId = params.instanceId as string;
      const subId = params.subscriptionId as string;
      const since = new Date(body.since).toISOString();
      const count = await replay(services.webhooks, instanceId, subId, since);
      return accepted({ count, since }, `/v1/instances/${instanceId}/subscriptions/${subId}/deliveries`);
    },
  }),
];
