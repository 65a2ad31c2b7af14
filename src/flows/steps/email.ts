// email.send: recipients rendered from templates (a list renders comma-separated), split on commas and semicolons,
// each checked as an address; sent over the instance's SMTP settings.
import { z } from 'zod';
import type { StepContext } from './context.ts';
import { StepError } from './context.ts';

export const emailSchema = z.strictObject({
  name: z.string(),
  type: z.literal('email.send'),
  to: z.string().min(1, 'is required').max(5000),
  cc: z.string().max(5000).optional(),
  subject: z.string().min(1).max(1000),
  body: z.string().min(1).max(100_000),
});

const address = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

export function recipients(text: string, field: string): string[] {
  const list = text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of list)
    if (!address.test(a)) throw new StepError('ValidationFailed', `${field}: "${a}" is not an e-mail address`);
  return list;
}

export async function emailSend(config: z.infer<typeof emailSchema>, ctx: StepContext) {
  const to = recipients(ctx.render(config.to), 'to');
  if (to.length === 0) throw new StepError('ValidationFailed', 'to: no recipients');
  const cc = config.cc ? recipients(ctx.render(config.cc), 'cc') : [];
  const subject = ctx.render(config.subject);
  const text = ctx.render(config.body);
  const sent = await ctx.sendMail({ to, ...(cc.length ? { cc } : {}), subject, text });
  return { output: { messageId: sent.messageId, accepted: sent.accepted, to, cc, subject } };
}
