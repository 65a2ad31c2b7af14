// Built-in flows as clients see them: one trigger plus ordered steps; and their runs.
import { z } from 'zod';
import { displayName } from '../core/text.ts';
import { triggerNames } from '../events/index.ts';

const triggerType = z.enum(triggerNames as [string, ...string[]], {
  message: `must be one of ${triggerNames.join(', ')}`,
});

/** A flow's trigger: a trigger name plus the same parameters as a subscription's. */
export const flowTriggerSchema = z.looseObject({ type: triggerType });

/** A step: name, type and the type's own fields (validated by the step registry). */
export const flowStepSchema = z.looseObject({
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must start with a letter and hold only letters, digits and underscores'),
  type: z.string().min(1),
});

export const flowIn = z.strictObject({
  name: displayName(200),
  enabled: z.boolean().default(true),
  trigger: flowTriggerSchema,
  steps: z.array(flowStepSchema).min(1, 'a flow needs at least one step').max(20),
});
export type FlowIn = z.infer<typeof flowIn>;

export const flowPatch = z.strictObject({
  name: displayName(200).optional(),
  enabled: z.boolean().optional(),
  trigger: flowTriggerSchema.optional(),
  steps: z.array(flowStepSchema).min(1).max(20).optional(),
});
export type FlowPatch = z.infer<typeof flowPatch>;

export interface Flow {
  id: string;
  instanceId: string;
  subscriptionId: string;
  name: string;
  enabled: boolean;
  trigger: { type: string } & Record<string, unknown>;
  steps: Array<{ name: string; type: string } & Record<string, unknown>>;
  createdAt: string;
  updatedAt: string;
}

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface StepResult {
  name: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  output: unknown;
  error: { code: string; message: string } | null;
  attempts: number;
}

export interface FlowRun {
  id: string;
  flowId: string;
  eventId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  steps: StepResult[];
}
