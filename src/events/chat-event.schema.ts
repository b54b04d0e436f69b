import { z } from 'zod';
import { CHANNELS, type ChatEvent } from './chat-event.types';

const text = (max: number) => z.string().min(1).max(max);

const visitor = z
  .object({
    externalId: text(255).optional(),
    email: text(320).optional(),
    phone: text(64).optional(),
    name: text(255).optional(),
  })
  .strict();

const base = {
  id: text(200),
  sessionId: text(255),
  occurredAt: z.iso.datetime({ offset: true }),
  sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  channel: z.enum(CHANNELS).optional(),
  visitor: visitor.optional(),
};

const priority = z.enum(['low', 'normal', 'high', 'urgent']);

/** The canonical events as the API accepts them; unknown fields are refused (nothing is silently dropped). */
export const chatEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('session.started') }).strict(),
  z
    .object({
      ...base,
      type: z.literal('message.created'),
      message: z
        .object({
          id: text(255),
          author: z.enum(['visitor', 'agent', 'bot']),
          authorName: text(255).optional(),
          text: z.string().max(100_000),
          private: z.boolean().optional(),
          attachments: z
            .array(
              z
                .object({
                  url: z.url({ protocol: /^https?$/ }).max(2000),
                  name: text(255).optional(),
                  contentType: text(255).optional(),
                })
                .strict(),
            )
            .max(50)
            .optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('session.escalated'),
      reason: z.string().max(2000).optional(),
      priorityHint: priority.optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('session.closed') }).strict(),
  z.object({ ...base, type: z.literal('session.reopened') }).strict(),
  z
    .object({
      ...base,
      type: z.literal('csat.submitted'),
      rating: z.number().int().min(0).max(10),
      scale: z.number().int().min(1).max(10).optional(),
      comment: z.string().max(5000).optional(),
    })
    .strict()
    .refine((event) => event.rating <= (event.scale ?? 5), {
      message: 'rating must not exceed scale',
      path: ['rating'],
    }),
  z.object({ ...base, type: z.literal('tags.updated'), tags: z.array(text(100)).max(100) }).strict(),
]);

export const MAX_EVENTS_PER_REQUEST = 100;

export const eventsRequestSchema = z.union([
  chatEventSchema,
  z.object({ events: z.array(chatEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST) }).strict(),
]);

export type ParsedEvents =
  { ok: true; events: ChatEvent[] } | { ok: false; problems: Array<{ field: string; message: string }> };

/** One event or `{events: [...]}`; every problem is named with its path (`events.3.message.text`). */
export function parseEventsRequest(body: unknown): ParsedEvents {
  const isBatch = typeof body === 'object' && body !== null && 'events' in body;
  const parsed = isBatch
    ? z
        .object({ events: z.array(chatEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST) })
        .strict()
        .safeParse(body)
    : chatEventSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'body',
        message: issue.message,
      })),
    };
  }
  const events = ('events' in parsed.data ? parsed.data.events : [parsed.data]) as ChatEvent[];
  return { ok: true, events };
}
