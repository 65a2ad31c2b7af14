// The registry of step types: each with its schema (checked when a flow is saved) and its executor.
import type { z } from 'zod';
import type { StepContext } from './context.ts';
import { emailSchema, emailSend } from './email.ts';
import { getItems, httpRequest, httpSchema, itemsSchema } from './http.ts';
import { slackPostMessage, slackSchema, teamsPostMessage, teamsSchema } from './messages.ts';

export type { MailMessage, StepContext } from './context.ts';
export { StepError } from './context.ts';

export interface StepType {
  schema: z.ZodType<Record<string, unknown>>;
  execute: (config: never, ctx: StepContext & { event?: unknown }) => Promise<{ output: unknown }>;
}

export const stepTypes: Record<string, StepType> = {
  'teams.postMessage': { schema: teamsSchema, execute: teamsPostMessage },
  'slack.postMessage': { schema: slackSchema, execute: slackPostMessage },
  'email.send': { schema: emailSchema, execute: emailSend },
  'http.request': { schema: httpSchema, execute: httpRequest },
  'data.getItems': { schema: itemsSchema, execute: getItems },
};
