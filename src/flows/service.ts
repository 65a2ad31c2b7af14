// Creating, changing and deleting flows. A flow subscribes to its trigger through a subscription of style "flow",
// so flows are fed by exactly the same events and trigger parameters (thresholds included) as webhooks.
import type { AllowList } from '../core/address-policy.ts';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { EventType, MeasureDimensionCheck, Subscription, TriggerName, TriggerParams } from '../events/index.ts';
import {
  deleteSubscription,
  getSubscription,
  insertSubscription,
  triggerParamsSchema,
  triggers,
  updateSubscription,
  validateTriggerParams,
} from '../events/index.ts';
import type { Db } from '../store/index.ts';
import { zodMessage } from '../core/zod-message.ts';
import { deleteFlow, getFlow, insertFlow, updateFlow } from './flows.sql.ts';
import type { Flow, FlowIn, FlowPatch } from './model.ts';
import { checkStepTargets } from './step-targets.ts';
import { validateSteps } from './validation.ts';

export interface FlowDeps {
  db: Db;
  clock: Clock;
  checkMeasureDimension?: MeasureDimensionCheck;
  /** INSIGHTFLOW_ALLOWED_TARGETS, parsed: step targets are checked against it on save. */
  allowList: AllowList;
}

async function triggerOf(
  deps: FlowDeps,
  instanceId: string,
  trigger: FlowIn['trigger'],
): Promise<{ type: EventType; params: TriggerParams }> {
  const { type, ...rest } = trigger;
  const parsed = triggerParamsSchema.safeParse(rest);
  if (!parsed.success) throw new AppError('ValidationFailed', zodMessage(parsed.error, 'trigger'));
  const eventType = triggers[type as TriggerName];
  await validateTriggerParams(
    deps.db,
    instanceId,
    [eventType],
    parsed.data,
    deps.checkMeasureDimension ? { checkMeasureDimension: deps.checkMeasureDimension } : {},
  ).catch((err: unknown) => {
    throw err instanceof AppError ? new AppError(err.code, `trigger: ${err.message}`) : err;
  });
  return { type: eventType, params: parsed.data };
}

export async function createFlow(deps: FlowDeps, instanceId: string, input: FlowIn): Promise<Flow> {
  validateSteps(input.steps);
  await checkStepTargets(input.steps, deps.allowList);
  const trig = await triggerOf(deps, instanceId, input.trigger);
  const now = deps.clock.now().toISOString();
  const id = newId('flow');
  const sub: Subscription = {
    id: newId('sub'),
    instanceId,
    connectionId: null,
    style: 'flow',
    url: `flow:${id}`,
    eventTypes: [trig.type],
    params: trig.params,
    format: 'standard',
    enabled: input.enabled,
    secret: '',
    previousSecret: null,
    previousSecretUntil: null,
    description: `built-in flow ${input.name}`,
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
  };
  const flow: Flow = {
    id,
    instanceId,
    subscriptionId: sub.id,
    name: input.name,
    enabled: input.enabled,
    trigger: input.trigger,
    steps: input.steps,
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.tx(async (tx) => {
    await insertSubscription(tx, sub);
    await insertFlow(tx, flow);
  });
  return flow;
}

export async function requireFlow(db: Db, instanceId: string, id: string): Promise<Flow> {
  const f = await getFlow(db, instanceId, id);
  if (!f) throw new AppError('NotFound', `flow ${id} not found`);
  return f;
}

export async function patchFlow(deps: FlowDeps, instanceId: string, id: string, patch: FlowPatch): Promise<Flow> {
  const flow = await requireFlow(deps.db, instanceId, id);
  if (patch.steps) {
    validateSteps(patch.steps);
    await checkStepTargets(patch.steps, deps.allowList);
  }
  const trig = patch.trigger ? await triggerOf(deps, instanceId, patch.trigger) : undefined;
  const now = deps.clock.now().toISOString();
  const next: Flow = {
    ...flow,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    ...(patch.trigger ? { trigger: patch.trigger } : {}),
    ...(patch.steps ? { steps: patch.steps } : {}),
    updatedAt: now,
  };
  await deps.db.tx(async (tx) => {
    const sub = await getSubscription(tx, instanceId, flow.subscriptionId);
    if (sub) {
      await updateSubscription(tx, {
        ...sub,
        enabled: next.enabled,
        ...(trig ? { eventTypes: [trig.type], params: trig.params } : {}),
        updatedAt: now,
      });
    }
    await updateFlow(tx, next);
  });
  return next;
}

export async function removeFlow(db: Db, instanceId: string, id: string): Promise<void> {
  const flow = await requireFlow(db, instanceId, id);
  await db.tx(async (tx) => {
    await deleteFlow(tx, instanceId, id);
    await deleteSubscription(tx, instanceId, flow.subscriptionId);
  });
}
