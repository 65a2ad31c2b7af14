// teams.postMessage (an Adaptive Card through a Teams incoming-webhook or Workflows URL) and slack.postMessage (an
// incoming webhook with text and a mrkdwn section block). Anything but a 2xx answer fails the step.
import { z } from 'zod';
import type { StepContext } from './context.ts';
import { postJson } from './context.ts';

const webhookUrl = z.string().min(1, 'is required').max(2048);

export const teamsSchema = z.strictObject({
  name: z.string(),
  type: z.literal('teams.postMessage'),
  webhookUrl,
  title: z.string().min(1, 'is required').max(1000),
  text: z.string().min(1, 'is required').max(20_000),
});
export type TeamsConfig = z.infer<typeof teamsSchema>;

const maxFacts = 20;

/** The event's key facts: type, time and its scalar data fields (lists of scalars joined). */
export function eventFacts(event: unknown): Array<{ title: string; value: string }> {
  const e = (event ?? {}) as { type?: string; time?: string; data?: unknown };
  const facts = [
    { title: 'Event', value: e.type ?? '' },
    { title: 'Time', value: e.time ?? '' },
  ];
  const data = e.data && typeof e.data === 'object' ? (e.data as Record<string, unknown>) : {};
  for (const [title, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      facts.push({ title, value: String(v) });
    } else if (Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x !== 'object')) {
      facts.push({ title, value: v.join(', ') });
    }
  }
  return facts.slice(0, maxFacts);
}

/** The Teams message: one Adaptive Card 1.4 attachment with the title, the text and the event's facts. */
export function teamsMessage(title: string, text: string, event: unknown): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text, wrap: true },
            { type: 'FactSet', facts: eventFacts(event) },
          ],
        },
      },
    ],
  };
}

export async function teamsPostMessage(config: TeamsConfig, ctx: StepContext) {
  const title = ctx.render(config.title);
  const text = ctx.render(config.text);
  const r = await postJson(ctx, ctx.render(config.webhookUrl), teamsMessage(title, text, ctx.event));
  return { output: { statusCode: r.statusCode, title, text } };
}

export const slackSchema = z.strictObject({
  name: z.string(),
  type: z.literal('slack.postMessage'),
  webhookUrl,
  text: z.string().min(1, 'is required').max(40_000),
});
export type SlackConfig = z.infer<typeof slackSchema>;

/** Slack limits a section's text to 3,000 characters; the plain `text` (the notification) carries all of it. */
const maxSectionText = 3000;

export async function slackPostMessage(config: SlackConfig, ctx: StepContext) {
  const text = ctx.render(config.text);
  const section = text.length > maxSectionText ? `${text.slice(0, maxSectionText - 1)}…` : text;
  const r = await postJson(ctx, ctx.render(config.webhookUrl), {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: section } }],
  });
  return { output: { statusCode: r.statusCode, text } };
}
