// Webhook and Power Automate subscriptions: create (target address and trigger parameters checked, a whsec_ secret
// made and shown once), change, rotate the secret (the previous one keeps signing for 24 h), retry a failed delivery,
// replay a subscription's events since a time. Built-in flows' subscriptions belong to their flows and are not
// reachable here.
import { encryptText } from '../core/secrets.ts';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { MeasureDimensionCheck, Subscription, TriggerParams } from '../events/index.ts';
import {
  deleteSubscription,
  eventsSince,
  getSubscription,
  insertSubscription,
  listSubscriptions,
  matchesSubscription,
  takeSequences,
  updateSubscription,
  validateTriggerParams,
} from '../events/index.ts';
import type { Db } from '../store/index.ts';
import type { AllowList } from '../core/address-policy.ts';
import { checkTargetUrl } from '../core/address-policy.ts';
import { getDeliveryStatus, hurryDelivery, insertDelivery, requeueDelivery, sequencesOf } from './deliveries.sql.ts';
import { generateSecret } from './signature.ts';
import type { WebhookIn, WebhookPatch } from './subscription-model.ts';
import { paramKeys } from './subscription-model.ts';

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  /** INSIGHTFLOW_ALLOWED_TARGETS, parsed. */
  allowList: AllowList;
  /** Wakes the delivery worker (after a retry or replay commits). */
  wake: () => void;
  checkMeasureDimension?: MeasureDimensionCheck;
  /** The server key: signing secrets are stored encrypted with it (src/core/secrets.ts). */
  secretKey: Buffer;
}

/** How long the previous secret keeps signing after a rotation, ms. */
export const rotationOverlapMs = 24 * 3_600_000;
/** Most events one replay re-sends. */
export const replayLimit = 10_000;

const webhookStyles = ['webhook', 'powerautomate'] as const;

async function checkSubscription(deps: WebhookDeps, instanceId: string, s: Subscription): Promise<void> {
  checkTargetUrl(s.url, deps.allowList);
  await validateTriggerParams(
    deps.db,
    instanceId,
    s.eventTypes,
    s.params,
    deps.checkMeasureDimension ? { checkMeasureDimension: deps.checkMeasureDimension } : {},
  );
}

export async function createWebhook(
  deps: WebhookDeps,
  instanceId: string,
  input: Omit<WebhookIn, keyof TriggerParams> & {
    params: TriggerParams;
    style: 'webhook' | 'powerautomate';
    connectionId: string | null;
  },
): Promise<{ subscription: Subscription; secret: string }> {
  const now = deps.clock.now().toISOString();
  const secret = generateSecret();
  const sub: Subscription = {
    id: newId('sub'),
    instanceId,
    connectionId: input.connectionId,
    style: input.style,
    url: input.url,
    eventTypes: [...new Set(input.eventTypes)],
    params: input.params,
    format: input.format,
    enabled: input.enabled,
    secret: encryptText(deps.secretKey, secret),
    previousSecret: null,
    previousSecretUntil: null,
    description: input.description ?? null,
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
  };
  await checkSubscription(deps, instanceId, sub);
  await insertSubscription(deps.db, sub);
  return { subscription: sub, secret };
}

export async function requireWebhook(db: Db, instanceId: string, id: string): Promise<Subscription> {
  const s = await getSubscription(db, instanceId, id);
  if (!s || s.style === 'flow') throw new AppError('NotFound', `subscription ${id} not found`);
  return s;
}

export const listWebhooks = (db: Db, instanceId: string): Promise<Subscription[]> =>
  listSubscriptions(db, instanceId, { styles: [...webhookStyles] });

export async function patchWebhook(
  deps: WebhookDeps,
  instanceId: string,
  id: string,
  patch: WebhookPatch,
): Promise<Subscription> {
  const old = await requireWebhook(deps.db, instanceId, id);
  const params: Record<string, unknown> = { ...old.params };
  for (const k of paramKeys) {
    if (patch[k] === null) delete params[k];
    else if (patch[k] !== undefined) params[k] = patch[k];
  }
  const next: Subscription = {
    ...old,
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.eventTypes !== undefined ? { eventTypes: [...new Set(patch.eventTypes)] } : {}),
    ...(patch.format !== undefined ? { format: patch.format } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    ...(patch.enabled === true ? { disabledReason: null } : {}),
    ...(patch.enabled === false ? { disabledReason: 'disabled through the API' } : {}),
    params: params,
    updatedAt: deps.clock.now().toISOString(),
  };
  await checkSubscription(deps, instanceId, next);
  await updateSubscription(deps.db, next);
  return next;
}

export async function removeWebhook(db: Db, instanceId: string, id: string): Promise<void> {
  await requireWebhook(db, instanceId, id);
  await deleteSubscription(db, instanceId, id);
}

/** A new secret; the old one keeps signing (both signatures are sent) for rotationOverlapMs. */
export async function rotateSecret(
  deps: WebhookDeps,
  instanceId: string,
  id: string,
): Promise<{ subscription: Subscription; secret: string }> {
  const old = await requireWebhook(deps.db, instanceId, id);
  const now = deps.clock.now();
  const secret = generateSecret();
  const next: Subscription = {
    ...old,
    secret: encryptText(deps.secretKey, secret),
    previousSecret: old.secret,
    previousSecretUntil: new Date(now.getTime() + rotationOverlapMs).toISOString(),
    updatedAt: now.toISOString(),
  };
  await updateSubscription(deps.db, next);
  return { subscription: next, secret };
}

/** Puts a failed delivery back in the queue, due now. */
export async function retryDelivery(deps: WebhookDeps, instanceId: string, subId: string, deliveryId: string) {
  await requireWebhook(deps.db, instanceId, subId);
  const status = await getDeliveryStatus(deps.db, subId, deliveryId);
  if (!status) throw new AppError('NotFound', `delivery ${deliveryId} not found`);
  const now = deps.clock.now().toISOString();
  if (status === 'succeeded')
    throw new AppError(
      'Conflict',
      `delivery ${deliveryId} succeeded; only a pending or failed delivery can be retried`,
    );
  // A failed delivery starts a new round of the retry schedule; a pending one is due now, keeping its round.
  const changed =
    status === 'failed'
      ? await requeueDelivery(deps.db, subId, deliveryId, now)
      : await hurryDelivery(deps.db, subId, deliveryId, now);
  if (changed === 0)
    throw new AppError('Conflict', `delivery ${deliveryId} is being sent right now; look again in a moment`);
  deps.wake();
}

/** Sends the subscription's matching events since `since` again, as new deliveries with the same event ids (and
 * the sequence numbers they had, when they were delivered before). Returns how many. */
export async function replay(deps: WebhookDeps, instanceId: string, subId: string, since: string): Promise<number> {
  const sub = await requireWebhook(deps.db, instanceId, subId);
  if (!sub.enabled) throw new AppError('Conflict', `subscription ${subId} is disabled; enable it first`);
  const events = (await eventsSince(deps.db, instanceId, since, 1_000_000)).filter((e) =>
    matchesSubscription(sub, e.type, e.data, e.subject),
  );
  const chosen = events.slice(0, replayLimit);
  const count = await deps.db.tx(async (tx) => {
    const known = await sequencesOf(
      tx,
      sub.id,
      chosen.map((e) => e.id),
    );
    const now = deps.clock.now().toISOString();
    for (const e of chosen) {
      const sequence = known.get(e.id) ?? (await takeSequences(tx, sub.id, 1));
      await insertDelivery(tx, {
        id: newId('dlv'),
        now,
        envelope: { id: e.id, type: e.type, time: e.time, instanceId, subscriptionId: sub.id, sequence, data: e.data },
      });
    }
    tx.afterCommit(deps.wake);
    return chosen.length;
  });
  return count;
}

/** Encrypts signing secrets stored in clear by earlier versions; at start. Returns how many subscriptions changed. */
export async function encryptStoredSecrets(db: Db, secretKey: Buffer): Promise<number> {
  const rows = await db.all<{ id: string; secret: string; previous_secret: string | null }>(
    `SELECT id, secret, previous_secret FROM subscriptions WHERE secret LIKE 'whsec%' OR previous_secret LIKE 'whsec%'`,
  );
  const seal = (s: string | null) => (s === null || !s.startsWith('whsec') ? s : encryptText(secretKey, s));
  for (const r of rows)
    await db.run('UPDATE subscriptions SET secret = ?, previous_secret = ? WHERE id = ?', [
      seal(r.secret),
      seal(r.previous_secret),
      r.id,
    ]);
  return rows.length;
}
