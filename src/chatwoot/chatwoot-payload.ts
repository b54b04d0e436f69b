/**
 * Zod schemas for the parts of Chatwoot webhook bodies this adapter reads, and the error raised when they are
 * malformed. Shapes follow shared/reference/chatwoot-webhooks.md (the team reference notes) (Chatwoot v4.9.1, §3.2–3.6; "the
 * reference" below). Bodies are untrusted JSON: every schema is a loose object (Chatwoot adds fields between
 * versions, and we read only a few), ids may arrive as numbers or digit strings, timestamps as unix seconds, float
 * epochs or ISO 8601 strings. Error messages name the field, never echo its value (bodies carry emails and phones).
 */
import { z } from 'zod';

/** A webhook body this adapter cannot read. The caller answers 4xx and changes nothing. */
export class ChatwootPayloadError extends Error {
  override readonly name = 'ChatwootPayloadError';

  constructor(
    message: string,
    /** One line per problem: `path: what is wrong`. */
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

/** Chatwoot ids are integers; a digit string is accepted and normalised (`"007"` and `7` are both `"7"`). */
export const chatwootIdSchema = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z
      .string()
      .trim()
      .regex(/^\d{1,15}$/, 'expected a numeric id'),
  ])
  .transform((id) => String(Number(id)));

/** Free text used as an identity (name, email, identifier…): trimmed, empty → absent, numbers → text. */
const optionalTextSchema = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => {
    const text = value === null || value === undefined ? '' : String(value).trim();
    return text === '' ? undefined : text;
  });

/** A short machine word (event names, statuses, priorities, message types): safe to repeat in `ignored`. */
const wordSchema = z.string().regex(/^[a-z][a-z_]{0,63}$/, 'expected a lower-case word');

/** `true`/`false`, also as strings; absent → false. */
const flagSchema = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .nullish()
  .transform((value) => value === true || value === 'true');

// ---------------------------------------------------------------------------------------------------------------
// Timestamps

export interface ChatwootInstant {
  /** ISO 8601 in UTC with milliseconds: what canonical events carry. */
  iso: string;
  /** The value as sent, as text: identical across duplicate deliveries and finer than `iso`; used in ids and keys. */
  token: string;
  /**
   * Microseconds within the millisecond, when Chatwoot sent a float epoch (conversation `updated_at`, §3.3).
   * Used as the canonical `sequence` so two changes within one millisecond still order correctly.
   */
  subMillisecondMicros?: number;
}

/** 2000-01-01 … 2100-01-01: a millisecond epoch read as seconds (or garbage) lands outside and is refused. */
const EARLIEST_SECONDS = 946_684_800;
const LATEST_SECONDS = 4_102_444_800;
const UNIX_SECONDS_TEXT = /^\d{1,12}(\.\d{1,9})?$/;
/** ISO 8601 with an explicit zone: a zone-less string would be read in the server's local time. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Chatwoot mixes timestamp formats (§3.3, §3.4): conversation `created_at` is unix seconds, `updated_at` a float
 * epoch, message `created_at` an ISO 8601 string. All three (and digit strings) are read here.
 */
export function readChatwootInstant(value: number | string): ChatwootInstant | { error: string } {
  if (typeof value === 'number') {
    return fromUnixSeconds(value, String(value));
  }
  const text = value.trim();
  if (UNIX_SECONDS_TEXT.test(text)) {
    return fromUnixSeconds(Number(text), String(Number(text)));
  }
  if (!ISO_WITH_ZONE.test(text)) {
    return { error: 'expected unix seconds or an ISO 8601 timestamp with a time zone' };
  }
  const millis = Date.parse(text);
  if (!Number.isFinite(millis) || !inRange(millis / 1000)) {
    return { error: 'timestamp is not a valid date between 2000 and 2100' };
  }
  return { iso: new Date(millis).toISOString(), token: text };
}

function fromUnixSeconds(seconds: number, token: string): ChatwootInstant | { error: string } {
  if (!Number.isFinite(seconds) || !inRange(seconds)) {
    return { error: 'unix seconds out of range (2000–2100); milliseconds are not accepted' };
  }
  // Integer microseconds first, so the millisecond and the remainder come from one rounding.
  const micros = Math.round(seconds * 1_000_000);
  const millis = Math.floor(micros / 1000);
  const instant: ChatwootInstant = { iso: new Date(millis).toISOString(), token };
  if (!Number.isInteger(seconds)) {
    instant.subMillisecondMicros = micros - millis * 1000;
  }
  return instant;
}

function inRange(seconds: number): boolean {
  return seconds >= EARLIEST_SECONDS && seconds < LATEST_SECONDS;
}

export const chatwootInstantSchema = z.union([z.number(), z.string().max(64)]).transform((value, ctx) => {
  const instant = readChatwootInstant(value);
  if ('error' in instant) {
    ctx.issues.push({ code: 'custom', message: instant.error, input: value });
    return z.NEVER;
  }
  return instant;
});

// ---------------------------------------------------------------------------------------------------------------
// Shared sub-objects (§3.2)

const accountSchema = z.looseObject({ id: chatwootIdSchema });

/**
 * Both contact shapes: the webhook shape (message `sender`, `contact_*` bodies, `webwidget_triggered.contact`, no
 * `type`) and the push shape (`conversation.meta.sender`, `type: "contact"`). We read only identities.
 */
export const contactSchema = z.looseObject({
  id: chatwootIdSchema.nullish(),
  identifier: optionalTextSchema,
  email: optionalTextSchema,
  phone_number: optionalTextSchema,
  name: optionalTextSchema,
});
export type ChatwootContact = z.output<typeof contactSchema>;

/**
 * `changed_attributes` (§3.1): an array of single-key objects `[{"<attr>": {previous_value, current_value}}]`.
 * `null` on v4.9.1 `conversation_status_changed` (most likely), and a plain object is accepted too in case a
 * version serialises the hash directly. Normalised to one record keyed by attribute.
 */
const attributeChangeSchema = z.looseObject({ previous_value: z.unknown(), current_value: z.unknown() });
export type AttributeChange = z.output<typeof attributeChangeSchema>;

const changedAttributesSchema = z
  .union([z.array(z.record(z.string(), attributeChangeSchema)), z.record(z.string(), attributeChangeSchema)])
  .nullish()
  .transform((changes): Map<string, AttributeChange> | null => {
    if (changes === null || changes === undefined) {
      return null;
    }
    const entries = Array.isArray(changes)
      ? changes.flatMap((change) => Object.entries(change))
      : Object.entries(changes);
    return new Map(entries);
  });

/** The conversation object (§3.3): body of `conversation_*`, nested as `conversation` in `message_*`. */
export const conversationSchema = z.looseObject({
  /** The per-account display id, not the database key (§3.1 "IDs"). */
  id: chatwootIdSchema,
  channel: z.string().max(100).nullish(),
  /** Only conversation_status_changed reads it; checked there, so an odd status cannot refuse a message. */
  status: z.string().max(64).nullish(),
  labels: z.array(z.string().max(255)).nullish(),
  meta: z.looseObject({ sender: contactSchema.nullish() }).nullish(),
  contact_inbox: z.looseObject({ source_id: optionalTextSchema }).nullish(),
  /** 0 or 1 items; the only place a conversation payload names its account (§3.3). */
  messages: z.array(z.looseObject({ account_id: chatwootIdSchema.nullish() })).nullish(),
  created_at: chatwootInstantSchema.nullish(),
  updated_at: chatwootInstantSchema.nullish(),
});
export type ChatwootConversation = z.output<typeof conversationSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Event bodies

export const envelopeSchema = z.looseObject({ event: wordSchema });

/** `conversation_created`, `conversation_updated`, `conversation_status_changed`: the conversation itself (§3.3). */
export const conversationEventSchema = conversationSchema.extend({ changed_attributes: changedAttributesSchema });
export type ChatwootConversationEvent = z.output<typeof conversationEventSchema>;

const MESSAGE_TYPES_BY_NUMBER = ['incoming', 'outgoing', 'activity', 'template'] as const;

/** A string at the top level of `message_*`, an integer inside `conversation.messages[]` (§3.3 note): read both. */
const messageTypeSchema = z.union([wordSchema, z.number().int()]).transform((type, ctx) => {
  if (typeof type === 'string') {
    return type;
  }
  const name = MESSAGE_TYPES_BY_NUMBER[type];
  if (name === undefined) {
    ctx.issues.push({ code: 'custom', message: 'unknown numeric message_type', input: type });
    return z.NEVER;
  }
  return name;
});

/** `Attachment#push_event_data` (§3.2): file/image/video carry `data_url`; location carries a title. */
const attachmentSchema = z.looseObject({
  id: chatwootIdSchema.nullish(),
  file_type: wordSchema.nullish(),
  data_url: z.string().max(4096).nullish(),
  extension: z.string().max(32).nullish(),
  fallback_title: optionalTextSchema,
});
export type ChatwootAttachment = z.output<typeof attachmentSchema>;

/** `message_created` / `message_updated` (§3.4). */
export const messageEventSchema = z.looseObject({
  id: chatwootIdSchema,
  content: z.string().nullish(),
  /** Raw text without channel markdown rendering; only in versions after v4.9.1 (§3.4). */
  webhook_content: z.string().nullish(),
  /** ISO 8601 here, not unix seconds (§3.4). */
  created_at: chatwootInstantSchema,
  message_type: messageTypeSchema,
  private: flagSchema,
  /** Contact (no `type`), user (`type: "user"`), agent bot (`type: "agent_bot"`) or null (§3.4). */
  sender: contactSchema.extend({ type: wordSchema.nullish() }).nullish(),
  attachments: z.array(attachmentSchema).nullish(),
  account: accountSchema.nullish(),
  conversation: conversationSchema,
});
export type ChatwootMessageEvent = z.output<typeof messageEventSchema>;

/** `contact_created` / `contact_updated` (§3.5): the contact webhook shape at the top level. */
export const contactEventSchema = contactSchema.extend({
  id: chatwootIdSchema,
  account: accountSchema.nullish(),
});
export type ChatwootContactEvent = z.output<typeof contactEventSchema>;

/** `webwidget_triggered` (§3.6): the widget opened; `current_conversation` is null before the first message. */
export const widgetTriggeredEventSchema = z.looseObject({
  contact: contactSchema,
  current_conversation: z.looseObject({ id: chatwootIdSchema }).nullish(),
  account: accountSchema.nullish(),
});
export type ChatwootWidgetTriggeredEvent = z.output<typeof widgetTriggeredEventSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Parsing

const MAX_REPORTED_ISSUES = 5;

/** Parses `value` or throws a ChatwootPayloadError naming each bad field (at most five). */
export function parseChatwootPart<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) {
    return parsed.data;
  }
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`,
  );
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).join('; ');
  const more = issues.length > MAX_REPORTED_ISSUES ? ` (and ${issues.length - MAX_REPORTED_ISSUES} more)` : '';
  throw new ChatwootPayloadError(`malformed Chatwoot ${what}: ${shown}${more}`, issues);
}

/** The `event` name, or a ChatwootPayloadError when the body is not a JSON object with one. */
export function readChatwootEventName(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ChatwootPayloadError('malformed Chatwoot webhook: the body is not a JSON object');
  }
  return parseChatwootPart(envelopeSchema, payload, 'webhook').event;
}
