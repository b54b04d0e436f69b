/**
 * Canonical chat events: what any chat system (our API, the Chatwoot adapter) is translated into before the
 * service acts on it. Each has an id (idempotency), the chat system's session id, and when it happened.
 */
export const CHAT_EVENT_TYPES = [
  'session.started',
  'message.created',
  'session.escalated',
  'session.closed',
  'session.reopened',
  'csat.submitted',
  'tags.updated',
] as const;
export type ChatEventType = (typeof CHAT_EVENT_TYPES)[number];

export const CHANNELS = ['web', 'sms', 'whatsapp', 'messenger', 'email', 'api', 'voice', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface EventVisitor {
  externalId?: string;
  email?: string;
  phone?: string;
  name?: string;
}

interface BaseEvent<T extends ChatEventType> {
  type: T;
  /** Unique per chat system: the same id twice is one event. */
  id: string;
  /** The chat system's conversation id. */
  sessionId: string;
  /** ISO 8601. Later state wins; an older event never overwrites a newer one. */
  occurredAt: string;
  /** Tie-breaker for events with the same occurredAt (higher is newer). */
  sequence?: number;
  channel?: Channel;
  visitor?: EventVisitor;
}

export interface ChatAttachment {
  url: string;
  name?: string;
  contentType?: string;
}

export type SessionStartedEvent = BaseEvent<'session.started'>;
export type MessageCreatedEvent = BaseEvent<'message.created'> & {
  message: {
    id: string;
    author: 'visitor' | 'agent' | 'bot';
    authorName?: string;
    text: string;
    /** An internal agent note: never in the customer-visible transcript. */
    private?: boolean;
    attachments?: ChatAttachment[];
  };
};
export type SessionEscalatedEvent = BaseEvent<'session.escalated'> & { reason?: string; priorityHint?: Priority };
export type SessionClosedEvent = BaseEvent<'session.closed'>;
export type SessionReopenedEvent = BaseEvent<'session.reopened'>;
export type CsatSubmittedEvent = BaseEvent<'csat.submitted'> & {
  /** 1–5, or 0–5 stars (scale 5); `scale` says which maximum the rating is out of. */
  rating: number;
  scale?: number;
  comment?: string;
};
export type TagsUpdatedEvent = BaseEvent<'tags.updated'> & { tags: string[] };

export type ChatEvent =
  | SessionStartedEvent
  | MessageCreatedEvent
  | SessionEscalatedEvent
  | SessionClosedEvent
  | SessionReopenedEvent
  | CsatSubmittedEvent
  | TagsUpdatedEvent;
