import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { ConnectorError } from '../connector.errors';
import type {
  CaseInput,
  CasePriority,
  ChangeEvent,
  CrmCase,
  CrmNote,
  CrmPerson,
  NoteInput,
  PersonInput,
} from '../crm.types';

/**
 * Pure translation between Zendesk Support JSON and the unified types. Zendesk shapes are from the API reference
 * (users, tickets, ticket comments, job statuses, incremental exports, ticket event webhooks); fields we do not read
 * are let through untouched (loose objects), fields we read are checked.
 */

// --- vendor shapes ------------------------------------------------------------------------------------------------

const id = z.number().int().nonnegative();
const nullableString = z.string().nullish();

export const zdUserSchema = z.looseObject({
  id,
  name: nullableString,
  email: nullableString,
  phone: nullableString,
  external_id: z.union([z.string(), z.number()]).nullish(),
  locale: nullableString,
  organization_id: id.nullish(),
  role: nullableString,
  active: z.boolean().nullish(),
  tags: z.array(z.string()).nullish(),
  user_fields: z.record(z.string(), z.unknown()).nullish(),
  updated_at: nullableString,
});
export type ZdUser = z.infer<typeof zdUserSchema>;

export const zdOrganizationSchema = z.looseObject({ id, name: nullableString });
export type ZdOrganization = z.infer<typeof zdOrganizationSchema>;

export const zdTicketSchema = z.looseObject({
  id,
  subject: nullableString,
  status: z.string(),
  priority: nullableString,
  requester_id: id.nullish(),
  external_id: z.union([z.string(), z.number()]).nullish(),
  tags: z.array(z.string()).nullish(),
  created_at: nullableString,
  updated_at: nullableString,
});
export type ZdTicket = z.infer<typeof zdTicketSchema>;

export const zdCommentSchema = z.looseObject({
  id,
  author_id: id.nullish(),
  body: nullableString,
  plain_body: nullableString,
  public: z.boolean(),
  created_at: nullableString,
});
export type ZdComment = z.infer<typeof zdCommentSchema>;

export const zdJobStatusSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  total: z.number().nullish(),
  message: nullableString,
  results: z
    .array(
      z.looseObject({
        index: z.number().int().nullish(),
        id: id.nullish(),
        status: nullableString,
        success: z.boolean().nullish(),
        error: nullableString,
        details: nullableString,
      }),
    )
    .nullish(),
});
export type ZdJobStatus = z.infer<typeof zdJobStatusSchema>;

/** Parses a vendor payload; a shape we cannot read is the CRM (or a proxy) misbehaving, not our input. */
export function parseVendor<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConnectorError('zendesk', 'unknown', `unexpected ${what} in the Zendesk response`);
  }
  return parsed.data;
}

// --- search query language ----------------------------------------------------------------------------------------

/**
 * THE one way a value enters a Zendesk search query: as a double-quoted phrase, with `\` and `"` backslash-escaped,
 * so it is compared literally ("Use double quotes to search for an exact phrase", Zendesk search reference). Inside
 * quotes no operator applies: `type:`, `-`, `*`, `:`, `<`, parentheses and spaces are plain text. Control characters
 * (which no email, id or phone legitimately holds) become spaces so a value can never end a query line.
 */
export function zendeskSearchValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `"${cleaned.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/** `field:"value"` terms; several values of one field are ORed by Zendesk search. */
export function searchTerms(field: string, values: readonly string[]): string {
  return values.map((value) => `${field}:${zendeskSearchValue(value)}`).join(' ');
}

// --- people -------------------------------------------------------------------------------------------------------

const CJK_NAME = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+$/u;

/**
 * Zendesk keeps one `name`. Western names split at the first space (first name, then the rest: "Ada O'Neil",
 * "Ludwig van Beethoven"). CJK names are written family name first: split at a space when there is one; otherwise
 * Chinese and Korean family names are one character and Japanese ones usually two ("田中雪" → 田中 / 雪). That last
 * rule is a heuristic (a three-character family name such as 長谷川 splits wrongly); the full name stays in `name`.
 */
export function splitName(
  name: string | null | undefined,
  locale: string | null | undefined,
): { firstName: string | null; lastName: string | null } {
  const trimmed = (name ?? '').trim().replace(/\s+/g, ' ');
  if (!trimmed) {
    return { firstName: null, lastName: null };
  }
  const words = trimmed.split(' ');
  const cjk = words.every((word) => CJK_NAME.test(word));
  if (cjk) {
    if (words.length > 1) {
      return { lastName: words[0], firstName: words.slice(1).join(' ') };
    }
    const chars = [...trimmed];
    if (chars.length < 2) {
      return { firstName: null, lastName: trimmed };
    }
    const lang = (locale ?? '').toLowerCase();
    const oneCharFamily = lang.startsWith('zh') || lang.startsWith('ko') || /\p{Script=Hangul}/u.test(trimmed);
    const familyLength = oneCharFamily || chars.length === 2 ? 1 : 2;
    return { lastName: chars.slice(0, familyLength).join(''), firstName: chars.slice(familyLength).join('') };
  }
  if (words.length === 1) {
    return { firstName: trimmed, lastName: null };
  }
  return { firstName: words[0], lastName: words.slice(1).join(' ') };
}

/** The `name` to write for an input: CJK family name first without a space, otherwise "first last". */
export function joinName(input: Pick<PersonInput, 'name' | 'firstName' | 'lastName'>): string | undefined {
  if (input.name?.trim()) {
    return input.name.trim();
  }
  const first = input.firstName?.trim() ?? '';
  const last = input.lastName?.trim() ?? '';
  if (!first && !last) {
    return undefined;
  }
  if (first && last && CJK_NAME.test(first) && CJK_NAME.test(last)) {
    return `${last}${first}`;
  }
  return [first, last].filter(Boolean).join(' ');
}

/** Agent-facing links live on the account host: https://{subdomain}.zendesk.com/agent/... */
export function agentUrl(apiBase: string, kind: 'users' | 'tickets', recordId: number | string): string {
  const base = new URL(apiBase);
  const prefix = base.pathname.replace(/\/api\/v2\/?$/, '').replace(/\/$/, '');
  return `${base.origin}${prefix}/agent/${kind}/${recordId}`;
}

export interface PersonMapOptions {
  apiBase: string;
  tierField: string;
  organizations?: ReadonlyMap<number, string>;
}

export function toCrmPerson(user: ZdUser, options: PersonMapOptions): CrmPerson {
  const { firstName, lastName } = splitName(user.name, user.locale);
  const tierValue = user.user_fields?.[options.tierField];
  return {
    id: String(user.id),
    objectType: 'users',
    name: user.name?.trim() || null,
    firstName,
    lastName,
    emails: user.email ? [user.email.toLowerCase()] : [],
    phones: user.phone ? [user.phone] : [],
    company:
      user.organization_id === null || user.organization_id === undefined
        ? null
        : (options.organizations?.get(user.organization_id) ?? null),
    locale: user.locale ?? null,
    tier: typeof tierValue === 'string' && tierValue !== '' ? tierValue : null,
    externalId: user.external_id === null || user.external_id === undefined ? null : String(user.external_id),
    updatedAt: user.updated_at ?? null,
    url: agentUrl(options.apiBase, 'users', user.id),
  };
}

/** Sideloaded organizations (`include=organizations`) → id → name. */
export function organizationNames(raw: unknown): Map<number, string> {
  const out = new Map<number, string>();
  if (!Array.isArray(raw)) {
    return out;
  }
  for (const item of raw) {
    const parsed = zdOrganizationSchema.safeParse(item);
    if (parsed.success && parsed.data.name) {
      out.set(parsed.data.id, parsed.data.name);
    }
  }
  return out;
}

/** The body for users/create_or_update. `name` is left out when unknown so an update never blanks a real name. */
export function upsertUserBody(input: PersonInput, fallbackName: boolean): { user: Record<string, unknown> } {
  const user: Record<string, unknown> = {};
  const name = joinName(input);
  if (name) {
    user.name = name;
  } else if (fallbackName) {
    // Zendesk refuses to create a user without a name.
    user.name = input.email?.split('@')[0] || input.phone || input.externalId || 'Chat visitor';
  }
  if (input.email) {
    user.email = input.email;
  }
  if (input.externalId) {
    user.external_id = input.externalId;
  }
  if (input.phone) {
    user.phone = input.phone;
  }
  // No `role`: a new user is an end user by default, and sending it would demote an agent found by email.
  return { user };
}

// --- phones -------------------------------------------------------------------------------------------------------

/**
 * Forms a stored phone may take for an E.164 number: E.164, international and national formats, and national
 * digits. Empty when the input does not parse (nothing is searched then).
 */
export function phoneRenderings(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isValid()) {
    return [];
  }
  const national = parsed.formatNational();
  return [...new Set([parsed.number, parsed.formatInternational(), national, national.replace(/\D/g, '')])];
}

/**
 * Exact re-check of a stored phone against the wanted E.164 number. Local forms are read in the wanted number's
 * country (a stored "090-1234-5678" is +81 90… for a Japanese search), else in the user's locale region.
 */
export function phoneMatches(stored: string | null | undefined, e164: string, locale?: string | null): boolean {
  if (!stored) {
    return false;
  }
  const wanted = parsePhoneNumberFromString(e164);
  if (!wanted?.isValid()) {
    return false;
  }
  const regions: Array<CountryCode | undefined> = [wanted.country, localeRegion(locale)];
  return regions.some((region) => {
    const parsed = parsePhoneNumberFromString(stored, region);
    return !!parsed && parsed.number === wanted.number;
  });
}

function localeRegion(locale: string | null | undefined): CountryCode | undefined {
  const lower = (locale ?? '').toLowerCase();
  const region = /^[a-z]{2,3}-([a-z]{2})$/.exec(lower)?.[1];
  if (region) {
    return region.toUpperCase() as CountryCode;
  }
  const byLanguage: Record<string, CountryCode> = { ja: 'JP', ko: 'KR', de: 'DE', fr: 'FR', en: 'US' };
  return byLanguage[lower];
}

// --- tickets, cases, notes ----------------------------------------------------------------------------------------

/** Tickets that stand in for notes carry this tag; change feeds skip them (they are our own writes, born solved). */
export const NOTE_TAG = 'chat_transcript';
export const CASE_TAG = 'chat_escalation';
export const OPEN_STATUSES: ReadonlySet<string> = new Set(['new', 'open', 'pending', 'hold']);

export function caseState(status: string): CrmCase['state'] {
  switch (status) {
    case 'pending':
    case 'hold':
      return 'pending';
    case 'solved':
      return 'solved';
    case 'closed':
      return 'closed';
    default:
      return 'open';
  }
}

const PRIORITIES: readonly CasePriority[] = ['low', 'normal', 'high', 'urgent'];

export function toCrmCase(ticket: ZdTicket, apiBase: string): CrmCase {
  const priority = PRIORITIES.find((p) => p === ticket.priority) ?? null;
  return {
    id: String(ticket.id),
    number: String(ticket.id),
    subject: ticket.subject ?? '',
    status: ticket.status,
    state: caseState(ticket.status),
    priority,
    createdAt: ticket.created_at ?? null,
    updatedAt: ticket.updated_at ?? null,
    url: agentUrl(apiBase, 'tickets', ticket.id),
  };
}

/** Zendesk ticket ids are integers; anything else cannot name a user or ticket. */
export function numericId(value: string): number | undefined {
  return /^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

/**
 * A note is a ticket: requester = the person, subject = title, first comment = body (internal when asked),
 * born solved, tagged, and `external_id` = the idempotency key so a later search can find it.
 */
export function noteTicket(input: NoteInput, requesterId: number): Record<string, unknown> {
  return {
    requester_id: requesterId,
    subject: input.title,
    comment: { body: input.body, public: !input.internal },
    status: 'solved',
    external_id: input.idempotencyKey,
    tags: [NOTE_TAG],
  };
}

/** A case is a ticket with a public description; the transcript follows as an internal comment. */
export function caseTicket(input: CaseInput, requesterId: number): Record<string, unknown> {
  return {
    requester_id: requesterId,
    subject: input.subject,
    comment: { body: input.description, public: true },
    priority: input.priority,
    external_id: input.idempotencyKey,
    tags: [CASE_TAG],
  };
}

export function externalIdOf(ticket: ZdTicket): string | null {
  return ticket.external_id === null || ticket.external_id === undefined ? null : String(ticket.external_id);
}

/**
 * Note ids: a ticket's opening comment is addressed by the ticket id (that is the record appendNote creates and
 * returns), later comments as `{ticketId}:{commentId}`. `opening` is known when the comment list reached its start.
 */
export function noteId(ticketId: number, commentId: number, opening: boolean): string {
  return opening ? String(ticketId) : `${ticketId}:${commentId}`;
}

export function toCrmNote(
  ticket: ZdTicket,
  comment: ZdComment,
  opening: boolean,
  apiBase: string,
  authors: ReadonlyMap<number, string>,
): CrmNote {
  return {
    id: noteId(ticket.id, comment.id, opening),
    title: ticket.subject ?? null,
    body: comment.plain_body ?? comment.body ?? '',
    author:
      comment.author_id === null || comment.author_id === undefined ? null : (authors.get(comment.author_id) ?? null),
    createdAt: comment.created_at ?? null,
    private: !comment.public,
    url: agentUrl(apiBase, 'tickets', ticket.id),
  };
}

/** Sideloaded users (`include=users`) → id → name, for comment authors. */
export function userNames(raw: unknown): Map<number, string> {
  const out = new Map<number, string>();
  if (!Array.isArray(raw)) {
    return out;
  }
  for (const item of raw) {
    const parsed = zdUserSchema.safeParse(item);
    if (parsed.success && parsed.data.name) {
      out.set(parsed.data.id, parsed.data.name);
    }
  }
  return out;
}

// --- change feeds -------------------------------------------------------------------------------------------------

export function userChange(user: ZdUser): ChangeEvent | null {
  if (user.role && user.role !== 'end-user') {
    return null;
  }
  const at = user.updated_at ?? new Date(0).toISOString();
  return {
    kind: 'person.changed',
    recordId: String(user.id),
    personId: String(user.id),
    occurredAt: at,
    eventId: `user:${user.id}:${at}`,
    summary: null,
  };
}

/**
 * Incremental ticket export rows: solved/closed → case.solved, anything else → case.updated. The export carries no
 * comments, so an agent reply shows up here as case.updated; case.agent_replied comes from the comment_added webhook.
 */
export function ticketChange(ticket: ZdTicket): ChangeEvent | null {
  if (ticket.tags?.includes(NOTE_TAG)) {
    return null;
  }
  const at = ticket.updated_at ?? new Date(0).toISOString();
  const state = caseState(ticket.status);
  return {
    kind: state === 'solved' || state === 'closed' ? 'case.solved' : 'case.updated',
    recordId: String(ticket.id),
    personId: ticket.requester_id === null || ticket.requester_id === undefined ? null : String(ticket.requester_id),
    occurredAt: at,
    eventId: `ticket:${ticket.id}:${at}`,
    summary: ticket.status,
    caseState: state === 'solved' || state === 'closed' ? 'solved' : 'open',
  };
}

export type Stream = 'users' | 'tickets';
export const STREAMS: readonly Stream[] = ['users', 'tickets'];

/** Where one incremental export stands: an `after_cursor`, or the start_time for the first request. */
export interface StreamPosition {
  cursor?: string;
  startTime?: number;
}

export interface ChangeCursor {
  users: StreamPosition;
  tickets: StreamPosition;
  /** Streams still draining (hasMore) from the last page; empty = poll both. */
  draining: Stream[];
}

const positionSchema = z.strictObject({ c: z.string().min(1).optional(), t: z.int().nonnegative().optional() });
const cursorSchema = z.strictObject({
  v: z.literal(1),
  u: positionSchema,
  k: positionSchema,
  d: z.array(z.enum(['users', 'tickets'])).optional(),
});

const packPosition = (p: StreamPosition) => ({
  ...(p.cursor ? { c: p.cursor } : {}),
  ...(p.startTime === undefined ? {} : { t: p.startTime }),
});
const unpackPosition = (p: { c?: string; t?: number }): StreamPosition => ({
  ...(p.c ? { cursor: p.c } : {}),
  ...(p.t === undefined ? {} : { startTime: p.t }),
});

export function encodeChangeCursor(cursor: ChangeCursor): string {
  const packed = {
    v: 1,
    u: packPosition(cursor.users),
    k: packPosition(cursor.tickets),
    ...(cursor.draining.length > 0 ? { d: cursor.draining } : {}),
  };
  return Buffer.from(JSON.stringify(packed)).toString('base64url');
}

export function decodeChangeCursor(raw: string): ChangeCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = cursorSchema.safeParse(json);
  const users = parsed.success ? unpackPosition(parsed.data.u) : {};
  const tickets = parsed.success ? unpackPosition(parsed.data.k) : {};
  const valid = (p: StreamPosition) => p.cursor !== undefined || p.startTime !== undefined;
  if (!parsed.success || !valid(users) || !valid(tickets)) {
    throw new ConnectorError('zendesk', 'invalid_request', 'not a Zendesk change cursor');
  }
  return { users, tickets, draining: parsed.data.d ?? [] };
}

// --- webhooks -----------------------------------------------------------------------------------------------------

const webhookSchema = z.looseObject({
  type: z.string(),
  id: z.union([z.string(), z.number()]).nullish(),
  time: nullableString,
  subject: nullableString,
  detail: z.record(z.string(), z.unknown()).nullish(),
  event: z.record(z.string(), z.unknown()).nullish(),
});

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;
}

/**
 * Event-subscription webhook → change events (https://developer.zendesk.com/api-reference/webhooks/event-types/):
 * `zen:event-type:ticket.status_changed` to SOLVED/CLOSED → case.solved; `ticket.comment_added` with a public comment
 * by staff → case.agent_replied (summary = the reply); other ticket events → case.updated; `user.*` events of end
 * users → person.changed. Note tickets and other event families map to nothing. Returns null for a body that is not
 * a Zendesk event at all.
 */
export function webhookChanges(payload: unknown, receivedAt: string): ChangeEvent[] | null {
  const parsed = webhookSchema.safeParse(payload);
  if (!parsed.success) {
    return null;
  }
  const { type, detail, event } = parsed.data;
  const occurredAt = parsed.data.time ?? receivedAt;
  const eventId = str(parsed.data.id);
  const subjectId = /^zen:(?:ticket|user):(\d+)$/.exec(parsed.data.subject ?? '')?.[1] ?? null;
  const recordId = str(detail?.id) ?? subjectId;
  if (!recordId) {
    return [];
  }
  if (type.startsWith('zen:event-type:user.')) {
    const role = str(detail?.role)?.toLowerCase();
    if (role && role !== 'end-user' && role !== 'end_user') {
      return [];
    }
    return [{ kind: 'person.changed', recordId, personId: recordId, occurredAt, eventId, summary: null }];
  }
  if (!type.startsWith('zen:event-type:ticket.')) {
    return [];
  }
  const tags = Array.isArray(detail?.tags) ? (detail.tags as unknown[]) : [];
  if (tags.includes(NOTE_TAG)) {
    return [];
  }
  const personId = str(detail?.requester_id);
  const status = str(detail?.status)?.toLowerCase() ?? null;
  const stateOf = (value: string | null) =>
    value === null
      ? {}
      : { caseState: value === 'solved' || value === 'closed' ? ('solved' as const) : ('open' as const) };
  // detail.status is the ticket's status after the event, whatever the event was.
  const base = { recordId, personId, occurredAt, eventId, ...stateOf(status) };
  if (type === 'zen:event-type:ticket.status_changed') {
    const current = str(event?.current)?.toLowerCase() ?? status;
    const solved = current === 'solved' || current === 'closed';
    return [{ ...base, ...stateOf(current), kind: solved ? 'case.solved' : 'case.updated', summary: current }];
  }
  if (type === 'zen:event-type:ticket.comment_added') {
    const comment = (event?.comment ?? {}) as Record<string, unknown>;
    const author = (comment.author ?? {}) as Record<string, unknown>;
    if (comment.is_public === true && author.is_staff === true) {
      return [{ ...base, kind: 'case.agent_replied', summary: str(comment.body) }];
    }
  }
  return [{ ...base, kind: 'case.updated', summary: status }];
}
