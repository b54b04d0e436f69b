/**
 * Pure translation of Chatwoot webhook bodies (v4.9.1, plus the signing PR) into canonical chat events.
 * "The reference" and the § numbers below are shared/reference/chatwoot-webhooks.md (the team reference notes).
 *
 * Ids. Chatwoot has no stable delivery id (§3.1: `X-Chatwoot-Delivery` is not a logical key) and sends duplicates
 * (#11901, #5966), so every id here is derived from the body: the same body always maps to the same ids, and a
 * later change to the same conversation (a newer `updated_at`) to new ones.
 * - sessionId = `<account id>:<conversation display id>`. `conversation.id` in every payload is the per-account
 *   display id, not the database key (§3.1 "IDs", §3.3), so conversation 12 exists once per account; the account
 *   makes it unique on one Chatwoot instance.
 * - event id = `cw:<chatwoot event>:<entity>:<timestamp as sent>` (entity = sessionId, or the message id, which is
 *   the instance-wide primary key); `conversation_updated` can yield two events, so theirs end in `:<event type>`.
 *
 * Time. occurredAt always comes from the body (created_at / updated_at), never from the clock, so a late or
 * replayed delivery cannot overwrite newer state ("later state wins" in chat-event.types.ts).
 */
import { createHash } from 'node:crypto';
import type {
  Channel,
  ChatAttachment,
  ChatEvent,
  EventVisitor,
  MessageCreatedEvent,
  Priority,
  SessionEscalatedEvent,
  TagsUpdatedEvent,
} from '../events/chat-event.types';
import {
  ChatwootPayloadError,
  chatwootIdSchema,
  contactEventSchema,
  conversationEventSchema,
  messageEventSchema,
  parseChatwootPart,
  readChatwootEventName,
  widgetTriggeredEventSchema,
  type AttributeChange,
  type ChatwootAttachment,
  type ChatwootContact,
  type ChatwootConversation,
  type ChatwootConversationEvent,
  type ChatwootInstant,
  type ChatwootMessageEvent,
} from './chatwoot-payload';

export { ChatwootPayloadError } from './chatwoot-payload';

/**
 * The canonical events' size limits (as the events API enforces them in src/events/chat-event.schema.ts), so every
 * event mapped here is valid there too. Display text is truncated; an identifier or URL over its limit is dropped,
 * because a shortened identifier would name someone else.
 */
const LIMITS = {
  externalId: 255,
  email: 320,
  phone: 64,
  name: 255,
  text: 100_000,
  attachments: 50,
  url: 2000,
  tag: 100,
  tags: 100,
} as const;

export interface ChatwootMappingOptions {
  /**
   * The Chatwoot source (connection) the delivery arrived on. Not part of any id: the caller scopes ids and dedupe
   * keys by source (`received_events.source = 'chatwoot:<sourceId>'`).
   */
  sourceId: string;
  /**
   * The Chatwoot account the webhook belongs to. v4.9.1 conversation payloads carry no account (§3.3), so
   * `conversation_*` events need it unless their `messages[0].account_id` is present. When both are known they must
   * agree: a delivery for another account is refused.
   */
  accountId?: string | number;
}

/** A contact's identities, for invalidating cached contexts when Chatwoot reports a change. */
export type ChatwootContactIdentifiers = EventVisitor & { chatwootContactId: string };

export interface ChatwootMappingResult {
  events: ChatEvent[];
  /** The widget opened (`webwidget_triggered`): enrichment can start before the first message. */
  prewarm?: { sessionId?: string; visitor: EventVisitor };
  /** Why the delivery produced no events: the Chatwoot event name, `:` what was not acted upon. */
  ignored?: string;
  /** `contact_updated`: who changed (no session event comes of it). */
  contact?: ChatwootContactIdentifiers;
}

/**
 * Maps one Chatwoot webhook body. Throws ChatwootPayloadError when a part it reads is malformed; events it does not
 * act upon come back as `{ events: [], ignored }`.
 */
export function mapChatwootWebhook(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const event = readChatwootEventName(payload);
  switch (event) {
    case 'conversation_created':
      return mapConversationCreated(payload, options);
    case 'message_created':
      return mapMessageCreated(payload, options);
    case 'conversation_status_changed':
      return mapConversationStatusChanged(payload, options);
    case 'conversation_updated':
      return mapConversationUpdated(payload, options);
    case 'contact_updated':
      return mapContactUpdated(payload, options);
    case 'webwidget_triggered':
      return mapWidgetTriggered(payload, options);
    default:
      // message_updated: edits, deletions and CSAT answers (`content_attributes.submitted_values`) arrive here;
      // the transcript is append-only and CSAT is not mapped yet. contact_created: nothing cached to invalidate.
      // Typing, inbox_* and anything newer: not session events.
      return ignored(event);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// conversation_created → session.started

function mapConversationCreated(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const conversation = parseChatwootPart(conversationEventSchema, payload, 'conversation_created');
  const sessionId = sessionIdOf(conversationAccountId(conversation, options, 'conversation_created'), conversation.id);
  const startedAt = required(conversation.created_at, 'conversation_created', 'created_at');
  // messages[0] (if any) is not mapped: message_created is delivered for it on its own (§3.1), with its own id.
  return {
    events: [
      {
        type: 'session.started',
        id: eventId('conversation_created', sessionId, startedAt),
        sessionId,
        occurredAt: startedAt.iso,
        ...sessionContext(conversation),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// message_created → message.created

function mapMessageCreated(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const message = parseChatwootPart(messageEventSchema, payload, 'message_created');
  const author = authorOf(message);
  if (author === undefined) {
    // §3.1: activity messages are not sent (`webhook_sendable?`), but a fork or a later version might.
    return ignored('message_created', message.message_type);
  }
  const accountId = resolveAccountId(
    message.account?.id ?? message.conversation.messages?.[0]?.account_id ?? undefined,
    options,
    'message_created',
  );
  const sessionId = sessionIdOf(accountId, message.conversation.id);
  const authorName = truncated(message.sender?.name, LIMITS.name);
  const attachments = (message.attachments ?? []).flatMap(toChatAttachment).slice(0, LIMITS.attachments);
  const event: MessageCreatedEvent = {
    type: 'message.created',
    id: eventId('message_created', message.id, message.created_at),
    sessionId,
    occurredAt: message.created_at.iso,
    ...sessionContext(message.conversation, incomingSender(message)),
    message: {
      id: message.id,
      author,
      ...(authorName === undefined ? {} : { authorName }),
      // A later version adds the raw `webhook_content`; v4.9.1 sends `content` rendered for the channel (§3.4).
      // An attachment-only message has `content: null`.
      text: truncated(message.webhook_content ?? message.content ?? '', LIMITS.text),
      // §3.1: private notes ARE delivered; the flag keeps them out of customer-visible transcripts.
      private: message.private,
      ...(attachments.length === 0 ? {} : { attachments }),
    },
  };
  return { events: [event] };
}

/**
 * incoming → the visitor. outgoing/template → an agent, or a bot when an agent bot sent it, or when nobody did:
 * templates (greeting, out-of-office, CSAT survey) and automation messages have `sender: null` (§3.4), and calling
 * them agent replies would credit automated text to a person. Anything else (activity) → undefined.
 */
function authorOf(message: ChatwootMessageEvent): 'visitor' | 'agent' | 'bot' | undefined {
  switch (message.message_type) {
    case 'incoming':
      return 'visitor';
    case 'outgoing':
    case 'template':
      if (message.sender === null || message.sender === undefined || message.sender.type === 'agent_bot') {
        return 'bot';
      }
      return 'agent';
    default:
      return undefined;
  }
}

/** The sender of an incoming message is the contact: a fallback visitor when the conversation has no `meta`. */
function incomingSender(message: ChatwootMessageEvent): ChatwootContact | undefined {
  return message.message_type === 'incoming' && message.sender ? message.sender : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Attachments (§3.2 `Attachment#push_event_data`)

const WILDCARD_TYPES = new Map([
  ['image', 'image/*'],
  ['audio', 'audio/*'],
  ['video', 'video/*'],
  ['file', 'application/octet-stream'],
]);

/** Common extensions, so a CRM can show "invoice.pdf" as a PDF; anything else falls back to the file_type. */
const TYPES_BY_EXTENSION = new Map([
  ['pdf', 'application/pdf'],
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['heic', 'image/heic'],
  ['mp3', 'audio/mpeg'],
  ['ogg', 'audio/ogg'],
  ['opus', 'audio/opus'],
  ['m4a', 'audio/mp4'],
  ['wav', 'audio/wav'],
  ['mp4', 'video/mp4'],
  ['mov', 'video/quicktime'],
  ['webm', 'video/webm'],
  ['txt', 'text/plain'],
  ['csv', 'text/csv'],
  ['zip', 'application/zip'],
  ['doc', 'application/msword'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xls', 'application/vnd.ms-excel'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
]);

/**
 * `data_url` → url. Only http(s) URLs are kept: fallback/share attachments carry URLs from the customer's channel,
 * and a `javascript:` link must not reach a CRM note. The name is the URL's last path segment (ActiveStorage
 * redirect URLs end in the file name) or, for locations, the `fallback_title`.
 */
function toChatAttachment(attachment: ChatwootAttachment): ChatAttachment[] {
  const url = httpUrl(attachment.data_url);
  if (url === undefined || url.href.length > LIMITS.url) {
    return [];
  }
  const name = truncated(
    attachment.file_type === 'location' ? attachment.fallback_title : fileNameOf(url),
    LIMITS.name,
  );
  const contentType = contentTypeOf(attachment, name);
  return [
    {
      url: url.href,
      ...(name === undefined ? {} : { name }),
      ...(contentType === undefined ? {} : { contentType }),
    },
  ];
}

function httpUrl(value: string | null | undefined): URL | undefined {
  if (!value || !URL.canParse(value)) {
    return undefined;
  }
  const url = new URL(value);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

function fileNameOf(url: URL): string | undefined {
  const lastSegment = url.pathname.split('/').pop() ?? '';
  try {
    const name = decodeURIComponent(lastSegment).trim();
    return name === '' ? undefined : name;
  } catch {
    return undefined; // a malformed %-escape: no name rather than a failed message
  }
}

function contentTypeOf(attachment: ChatwootAttachment, name: string | undefined): string | undefined {
  const extension = (attachment.extension ?? name?.split('.').pop() ?? '').replace(/^\./, '').toLowerCase();
  return TYPES_BY_EXTENSION.get(extension) ?? WILDCARD_TYPES.get(attachment.file_type ?? '');
}

// ---------------------------------------------------------------------------------------------------------------
// conversation_status_changed → session.closed / session.reopened

function mapConversationStatusChanged(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const what = 'conversation_status_changed';
  const conversation = parseChatwootPart(conversationEventSchema, payload, what);
  // §3.1: top-level `status` is the truth; `changed_attributes` is null on v4.9.1 and `[{status: …}]` elsewhere.
  const status = required(conversation.status, what, 'status');
  if (status === 'resolved') {
    return { events: [conversationStateEvent('session.closed', what, conversation, options)] };
  }
  if (status !== 'open') {
    return ignored(what, safeWord(status)); // pending (a bot has it) and snoozed do not end or start anything
  }
  const previous = stringValue(conversation.changed_attributes?.get('status')?.previous_value);
  if (previous !== undefined && previous !== 'resolved') {
    // pending → open (bot hand-off) or snoozed → open: the session never closed. With changed_attributes null we
    // cannot tell, so `open` is reported as reopened; reopening an open session must be a no-op downstream.
    return ignored(what, `open_from_${safeWord(previous)}`);
  }
  return { events: [conversationStateEvent('session.reopened', what, conversation, options)] };
}

function conversationStateEvent(
  type: 'session.closed' | 'session.reopened',
  chatwootEvent: string,
  conversation: ChatwootConversationEvent,
  options: ChatwootMappingOptions,
): ChatEvent {
  const sessionId = sessionIdOf(conversationAccountId(conversation, options, chatwootEvent), conversation.id);
  const changedAt = required(conversation.updated_at, chatwootEvent, 'updated_at');
  return { type, ...stateEventBase(chatwootEvent, sessionId, changedAt), ...sessionContext(conversation) };
}

// ---------------------------------------------------------------------------------------------------------------
// conversation_updated → tags.updated / session.escalated

/** The changed attributes that produce events; every other one is reported in `ignored`. */
const LABELS = 'label_list';
const PRIORITY = 'priority';

const PRIORITY_HINTS = new Map<string, Priority>([
  ['low', 'low'],
  ['medium', 'normal'],
  ['high', 'high'],
  ['urgent', 'urgent'],
]);
const MAX_REPORTED_ATTRIBUTES = 12;
const ESCALATING_PRIORITIES: ReadonlySet<Priority> = new Set(['high', 'urgent']);

/**
 * §3.1 lists what `changed_attributes` can hold for this event. Acted upon: `label_list` (→ tags.updated with the
 * full current list) and `priority` raised to high/urgent (→ session.escalated). Ignored: team_id, assignee_id,
 * assignee_agent_bot_id, snoozed_until, custom_attributes, waiting_since, first_reply_created_at,
 * conversation_language, priority lowered or cleared, and status (conversation_status_changed carries it).
 */
function mapConversationUpdated(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const what = 'conversation_updated';
  const conversation = parseChatwootPart(conversationEventSchema, payload, what);
  const sessionId = sessionIdOf(conversationAccountId(conversation, options, what), conversation.id);
  const changedAt = required(conversation.updated_at, what, 'updated_at');
  const changes = conversation.changed_attributes;

  const events: ChatEvent[] = [];
  const tags = changedTags(conversation, changes);
  if (tags !== undefined) {
    const event: TagsUpdatedEvent = {
      type: 'tags.updated',
      ...stateEventBase(what, sessionId, changedAt, 'tags.updated'),
      ...sessionContext(conversation),
      tags,
    };
    events.push(event);
  }
  const escalation = priorityEscalation(changes?.get(PRIORITY));
  if (escalation !== undefined) {
    const event: SessionEscalatedEvent = {
      type: 'session.escalated',
      ...stateEventBase(what, sessionId, changedAt, 'session.escalated'),
      ...sessionContext(conversation),
      ...escalation,
    };
    events.push(event);
  }
  if (events.length > 0) {
    return { events };
  }
  const unmapped = changes === null ? ['unknown_changes'] : [...new Set([...changes.keys()].map(safeWord))].sort();
  return ignored(what, unmapped.slice(0, MAX_REPORTED_ATTRIBUTES).join(',') || 'no_changes');
}

/**
 * The full current label list when labels changed. Top-level `labels` is the conversation's current list (§3.3);
 * `label_list.current_value` (array or comma-separated text) is the fallback. Without `changed_attributes` we
 * cannot tell what changed, and setting the full current list is harmless (it is state, not a delta), so it is sent.
 */
function changedTags(
  conversation: ChatwootConversation,
  changes: ReadonlyMap<string, AttributeChange> | null,
): string[] | undefined {
  const labelChange = changes?.get(LABELS);
  if (changes !== null && labelChange === undefined) {
    return undefined;
  }
  const current = conversation.labels ?? labelList(labelChange?.current_value);
  return current === undefined ? undefined : uniqueLabels(current);
}

function labelList(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    return value.split(',');
  }
  if (Array.isArray(value) && value.every((label) => typeof label === 'string')) {
    return value;
  }
  if (value === null) {
    return []; // every label removed
  }
  return undefined;
}

/** Trimmed, without blanks and repeats; a label over the canonical length is left out rather than renamed. */
function uniqueLabels(labels: readonly string[]): string[] {
  const kept = labels.map((label) => label.trim()).filter((label) => label !== '' && label.length <= LIMITS.tag);
  return [...new Set(kept)].slice(0, LIMITS.tags);
}

/** Only a raise to high/urgent escalates; medium is the canonical `normal`. */
function priorityEscalation(
  change: AttributeChange | undefined,
): Pick<SessionEscalatedEvent, 'reason' | 'priorityHint'> | undefined {
  const current = stringValue(change?.current_value);
  const hint = current === undefined ? undefined : PRIORITY_HINTS.get(current);
  if (hint === undefined || !ESCALATING_PRIORITIES.has(hint)) {
    return undefined;
  }
  const previous = stringValue(change?.previous_value);
  if (previous === current) {
    return undefined;
  }
  const from = previous !== undefined && PRIORITY_HINTS.has(previous) ? previous : 'none';
  return { reason: `Chatwoot priority raised from ${from} to ${current}`, priorityHint: hint };
}

// ---------------------------------------------------------------------------------------------------------------
// contact_updated, webwidget_triggered

/** No session event: the caller may drop cached contexts for these identities (§3.5 lists the identity keys). */
function mapContactUpdated(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const contact = parseChatwootPart(contactEventSchema, payload, 'contact_updated');
  resolveAccountId(contact.account?.id, options, 'contact_updated');
  return { events: [], ignored: 'contact_updated', contact: { ...visitorOf(contact), chatwootContactId: contact.id } };
}

/** §3.6: fires when the widget opens, the earliest point to pre-warm enrichment. */
function mapWidgetTriggered(payload: unknown, options: ChatwootMappingOptions): ChatwootMappingResult {
  const trigger = parseChatwootPart(widgetTriggeredEventSchema, payload, 'webwidget_triggered');
  const accountId = resolveAccountId(trigger.account?.id, options, 'webwidget_triggered');
  const conversation = trigger.current_conversation;
  return {
    events: [],
    prewarm: {
      ...(conversation ? { sessionId: sessionIdOf(accountId, conversation.id) } : {}),
      visitor: visitorOf(trigger.contact),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Dedupe

/** Events whose deliveries are worth deduplicating, with the timestamp that versions their entity. */
const DEDUPE_VERSION = new Map<string, 'created_at' | 'updated_at'>([
  ['conversation_created', 'created_at'],
  ['conversation_status_changed', 'updated_at'],
  ['conversation_updated', 'updated_at'],
  ['message_created', 'created_at'],
]);
const MAX_KEY_PART = 64;

/**
 * A content-based delivery key, `<account>:<event>:<entity id>:<timestamp as sent>` (§3.1: dedupe on account,
 * event, entity id and updated_at; the instance is the caller's source). Messages carry no `updated_at` at the top
 * level (§3.4), and a message is created once, so `created_at` versions them. The schemas bound every part (ids of
 * 15 digits, timestamps of 64 characters); as a guard, a part over 64 characters would be replaced by its sha256
 * hex, so a key always fits the 200 characters of `received_events.event_key`.
 *
 * null when there is nothing to dedupe on (contact and widget events carry no timestamp; processing them twice is
 * harmless) or the body is malformed (mapping will refuse it).
 */
export function chatwootDedupeKey(
  payload: unknown,
  options: Pick<ChatwootMappingOptions, 'accountId'> = {},
): string | null {
  try {
    return dedupeKeyOf(payload, options);
  } catch (error) {
    if (error instanceof ChatwootPayloadError) {
      return null;
    }
    throw error;
  }
}

function dedupeKeyOf(payload: unknown, options: Pick<ChatwootMappingOptions, 'accountId'>): string | null {
  const event = readChatwootEventName(payload);
  const versionField = DEDUPE_VERSION.get(event);
  if (versionField === undefined) {
    return null;
  }
  const { accountId, entityId, version } =
    event === 'message_created'
      ? messageKeyParts(payload, options)
      : conversationKeyParts(event, versionField, payload, options);
  return [accountId, event, entityId, version.token].map(compactKeyPart).join(':');
}

function messageKeyParts(payload: unknown, options: Pick<ChatwootMappingOptions, 'accountId'>) {
  const message = parseChatwootPart(messageEventSchema, payload, 'message_created');
  const accountFromPayload = message.account?.id ?? message.conversation.messages?.[0]?.account_id ?? undefined;
  return {
    accountId: resolveAccountId(accountFromPayload, options, 'message_created'),
    entityId: message.id,
    version: message.created_at,
  };
}

function conversationKeyParts(
  event: string,
  versionField: 'created_at' | 'updated_at',
  payload: unknown,
  options: Pick<ChatwootMappingOptions, 'accountId'>,
) {
  const conversation = parseChatwootPart(conversationEventSchema, payload, event);
  return {
    accountId: conversationAccountId(conversation, options, event),
    entityId: conversation.id,
    version: required(conversation[versionField], event, versionField),
  };
}

function compactKeyPart(part: string): string {
  return part.length > MAX_KEY_PART ? createHash('sha256').update(part).digest('hex') : part;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

function ignored(event: string, detail?: string): ChatwootMappingResult {
  return { events: [], ignored: detail === undefined ? event : `${event}:${detail}` };
}

function sessionIdOf(accountId: string, conversationDisplayId: string): string {
  return `${accountId}:${conversationDisplayId}`;
}

function eventId(chatwootEvent: string, entity: string, at: ChatwootInstant, suffix?: string): string {
  return `cw:${chatwootEvent}:${entity}:${at.token}${suffix === undefined ? '' : `:${suffix}`}`;
}

/** id, sessionId, occurredAt and — for float epochs — a sub-millisecond `sequence` for state-changing events. */
function stateEventBase(chatwootEvent: string, sessionId: string, at: ChatwootInstant, suffix?: string) {
  return {
    id: eventId(chatwootEvent, sessionId, at, suffix),
    sessionId,
    occurredAt: at.iso,
    ...(at.subMillisecondMicros === undefined ? {} : { sequence: at.subMillisecondMicros }),
  };
}

/** The account id, from the payload or the source's configuration; they must agree when both are known. */
function resolveAccountId(
  fromPayload: string | undefined,
  options: Pick<ChatwootMappingOptions, 'accountId'>,
  what: string,
): string {
  const configured = configuredAccountId(options);
  if (fromPayload !== undefined && configured !== undefined && fromPayload !== configured) {
    throw new ChatwootPayloadError(
      `Chatwoot ${what} is for account ${fromPayload}, but this source belongs to account ${configured}`,
    );
  }
  const accountId = fromPayload ?? configured;
  if (accountId === undefined) {
    throw new ChatwootPayloadError(
      `Chatwoot ${what} names no account (v4.9.1 conversation payloads have none); configure the source's account id`,
    );
  }
  return accountId;
}

function configuredAccountId(options: Pick<ChatwootMappingOptions, 'accountId'>): string | undefined {
  if (options.accountId === undefined) {
    return undefined;
  }
  const parsed = chatwootIdSchema.safeParse(options.accountId);
  if (!parsed.success) {
    throw new TypeError('options.accountId must be a numeric Chatwoot account id');
  }
  return parsed.data;
}

/** §3.3: a conversation payload names its account only in `messages[0].account_id`, when there is a message. */
function conversationAccountId(
  conversation: ChatwootConversationEvent,
  options: Pick<ChatwootMappingOptions, 'accountId'>,
  what: string,
): string {
  return resolveAccountId(conversation.messages?.[0]?.account_id ?? undefined, options, what);
}

function required<T>(value: T | null | undefined, what: string, field: string): T {
  if (value === null || value === undefined) {
    throw new ChatwootPayloadError(`malformed Chatwoot ${what}: ${field}: required`, [`${field}: required`]);
  }
  return value;
}

/** Untrusted names repeated in `ignored` (and so in logs): short lower-case words only. */
function safeWord(value: string): string {
  return /^[a-z][a-z_]{0,63}$/.test(value) ? value : 'other';
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** channel and visitor, carried on every conversation event so a session can be created from any of them. */
function sessionContext(
  conversation: ChatwootConversation,
  fallbackVisitor?: ChatwootContact,
): { channel?: Channel; visitor?: EventVisitor } {
  const channel = channelOf(conversation);
  const sender = conversation.meta?.sender ?? fallbackVisitor;
  const visitor = sender ? visitorOf(sender) : undefined;
  return {
    ...(channel === undefined ? {} : { channel }),
    ...(visitor === undefined || Object.keys(visitor).length === 0 ? {} : { visitor }),
  };
}

/** identifier (set through `setUser`/HMAC) → externalId; email, phone_number, name (§3.5). */
function visitorOf(contact: ChatwootContact): EventVisitor {
  const visitor: EventVisitor = {};
  const externalId = withinLimit(contact.identifier, LIMITS.externalId);
  const email = withinLimit(contact.email, LIMITS.email);
  const phone = withinLimit(contact.phone_number, LIMITS.phone);
  const name = truncated(contact.name, LIMITS.name);
  if (externalId !== undefined) {
    visitor.externalId = externalId;
  }
  if (email !== undefined) {
    visitor.email = email;
  }
  if (phone !== undefined) {
    visitor.phone = phone;
  }
  if (name !== undefined) {
    visitor.name = name;
  }
  return visitor;
}

function withinLimit(value: string | undefined, max: number): string | undefined {
  return value !== undefined && value.length <= max ? value : undefined;
}

/** The first `max` UTF-16 units, without leaving half of a surrogate pair at the end. */
function truncated(value: string, max: number): string;
function truncated(value: string | undefined, max: number): string | undefined;
function truncated(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value.length <= max) {
    return value;
  }
  const cut = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

const CHANNELS_BY_CHATWOOT_TYPE = new Map<string, Channel>([
  ['Channel::WebWidget', 'web'],
  ['Channel::Whatsapp', 'whatsapp'],
  ['Channel::Sms', 'sms'],
  ['Channel::TwilioSms', 'sms'],
  ['Channel::FacebookPage', 'messenger'],
  ['Channel::Email', 'email'],
  ['Channel::Api', 'api'],
  ['Channel::Voice', 'voice'],
]);

/**
 * `conversation.channel` (§3.3) → canonical channel; unknown types (Instagram, Telegram, Line…) → other. A Twilio
 * inbox also carries WhatsApp: its contact source ids are `whatsapp:+<E.164>` (inference from Twilio's addressing,
 * not from the reference).
 */
function channelOf(conversation: ChatwootConversation): Channel | undefined {
  if (!conversation.channel) {
    return undefined;
  }
  const sourceId = conversation.contact_inbox?.source_id;
  if (conversation.channel === 'Channel::TwilioSms' && sourceId?.startsWith('whatsapp:')) {
    return 'whatsapp';
  }
  return CHANNELS_BY_CHATWOOT_TYPE.get(conversation.channel) ?? 'other';
}
