// The polling feed: an instance's events oldest first, after an opaque cursor. 200 with events and the next cursor,
// or 202 when nothing is new; Location is the next poll's URL and Retry-After how long to wait (the Logic Apps /
// Power Automate polling trigger pattern).
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { getEvent } from '../../events/feed.ts';
import { eventTypes, isEventType, readEvents, type EventType } from '../../events/index.ts';
import { linkTo } from '../../core/public-url.ts';
import { ok, route, type Reply } from '../route.ts';

/** Events per page. */
export const feedPageSize = 100;
/** Seconds a client should wait before polling again when it has caught up. */
export const feedIdleRetryAfter = 5;

const nextPoll = (base: string, instanceId: string, type: EventType | undefined, cursor: string): string =>
  linkTo(base, `/v1/instances/${encodeURIComponent(instanceId)}/events`, { type, after: cursor });

export const eventRoutes = [
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/events',
    operationId: 'GetEvents',
    summary: 'Poll for events',
    description:
      'Events of the instance after the cursor, oldest first (without a cursor: from the oldest retained event). 202 when nothing is new. Follow the Location header to poll again after Retry-After seconds.',
    tags: ['Events'],
    access: 'viewer',
    query: z.strictObject({
      type: z
        .string()
        .refine(isEventType, { message: `must be one of ${eventTypes.join(', ')}` })
        .optional(),
      after: z
        .string()
        .regex(/^\d{1,18}$/, 'must be a cursor returned by an earlier poll')
        .optional(),
    }),
    responses: {
      200: { description: '{value: [events], cursor}' },
      202: { description: 'Nothing new yet.' },
    },
    handler: async ({ services, params, query, base }): Promise<Reply> => {
      const type = query.type;
      const after = query.after ?? '0';
      const events = await readEvents(services.db, params.instanceId as string, {
        after: Number(after),
        type,
        limit: feedPageSize,
      });
      const last = events.at(-1);
      if (!last) {
        return {
          status: 202,
          headers: {
            location: nextPoll(base, params.instanceId as string, type, after),
            'retry-after': String(feedIdleRetryAfter),
          },
        };
      }
      const cursor = String(last.position);
      return {
        status: 200,
        body: {
          value: events.map((e) => ({ id: e.id, type: e.type, time: e.time, instanceId: e.instanceId, data: e.data })),
          cursor,
        },
        headers: {
          location: nextPoll(base, params.instanceId as string, type, cursor),
          'retry-after': events.length === feedPageSize ? '0' : String(feedIdleRetryAfter),
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances/{instanceId}/events/{eventId}',
    operationId: 'GetEvent',
    summary: 'Get an event',
    description:
      'One retained event of the instance: id, type, time, subject (the subscription of a threshold event) and data.',
    tags: ['Events'],
    access: 'viewer',
    responses: {
      200: { description: '{id, type, time, instanceId, subject, data}' },
      404: { description: 'Unknown or no longer retained.' },
    },
    handler: async ({ services, params }) => {
      const e = await getEvent(services.db, params.instanceId as string, params.eventId as string);
      if (!e) throw new AppError('NotFound', `event ${params.eventId} not found`);
      return ok({ id: e.id, type: e.type, time: e.time, instanceId: e.instanceId, subject: e.subject, data: e.data });
    },
  }),
];
