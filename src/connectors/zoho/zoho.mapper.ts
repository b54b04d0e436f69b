import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type {
  CaseInput,
  CasePriority,
  ChangeEvent,
  CrmCase,
  CrmNote,
  CrmOrder,
  CrmPerson,
  MatchedBy,
  PersonIdentifiers,
  PersonInput,
  PersonMatch,
} from '../crm.types';
import type { ZohoSettings } from './zoho.descriptor';

/*
 * Pure translation between Zoho CRM v8 JSON and the unified types. Shapes follow the v8 responses
 * (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html): lookups are {name, id}, times are
 * yyyy-MM-ddTHH:mm:ss±hh:mm, ids are 19-digit strings.
 */

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes

export interface ZohoLookup {
  id: string;
  name?: string | null;
}

/** A record as Get Records / Search / Related Records return it; custom fields are reached by name. */
export interface ZohoRecord {
  id: string;
  Created_Time?: string | null;
  Modified_Time?: string | null;
  [field: string]: unknown;
}

export interface ZohoContact extends ZohoRecord {
  First_Name?: string | null;
  Last_Name?: string | null;
  Full_Name?: string | null;
  Email?: string | null;
  Secondary_Email?: string | null;
  Phone?: string | null;
  Mobile?: string | null;
  Account_Name?: ZohoLookup | null;
}

export interface ZohoNote extends ZohoRecord {
  Note_Title?: string | null;
  Note_Content?: string | null;
  Owner?: { name?: string | null; id?: string } | null;
  Created_By?: { name?: string | null; id?: string } | null;
  Parent_Id?: { id?: string; module?: { api_name?: string } | string | null } | null;
}

export interface ZohoCase extends ZohoRecord {
  Case_Number?: string | null;
  Subject?: string | null;
  Status?: string | null;
  Priority?: string | null;
}

export interface ZohoOrderedItem {
  id?: string;
  Product_Name?: ZohoLookup | null;
  Product_Code?: string | null;
  Quantity?: number | null;
  List_Price?: number | null;
}

export interface ZohoSalesOrder extends ZohoRecord {
  SO_Number?: string | null;
  Subject?: string | null;
  Status?: string | null;
  Grand_Total?: number | null;
  Currency?: string | null;
  Ordered_Items?: ZohoOrderedItem[] | null;
}

/** `info` of a page of records. */
export interface ZohoPageInfo {
  per_page?: number;
  count?: number;
  page?: number;
  more_records?: boolean;
  next_page_token?: string | null;
}

export interface ZohoPage<T> {
  data: T[];
  info?: ZohoPageInfo;
}

/** One entry of a write response's data[] (insert, upsert, create notes). */
export interface ZohoWriteEntry {
  code?: string;
  /** 'success' or 'error'. */
  status?: string;
  message?: string;
  action?: 'insert' | 'update';
  duplicate_field?: string | null;
  details?: { id?: string; [key: string]: unknown };
}

export interface ZohoOrg {
  id?: string;
  company_name?: string | null;
  domain_name?: string | null;
}

/** Field names the mapper needs from the settings. */
export type ZohoFieldSettings = Pick<
  ZohoSettings,
  'externalIdField' | 'tierField' | 'caseKeyField' | 'caseContactField' | 'closedCaseStatuses' | 'caseOrigin'
>;

// ---------------------------------------------------------------------------------------------------------------
// Search criteria

/**
 * The one escaper for values placed in a Search API criteria string. Zoho documents a backslash before `(`, `)`
 * and `,` (which end or split a value) and before a backslash (Search Records, "Escaping Special Characters"); the
 * caller URL-encodes the whole criteria afterwards. Nothing else is special inside a value: colons after the
 * operator belong to it, and `and`/`or` only act between parenthesised groups.
 */
export function escapeCriteriaValue(value: string): string {
  return value.replace(/[\\(),]/g, (ch) => `\\${ch}`);
}

/** Text fields hold at most 255 characters: a longer value cannot match and would only lengthen the criteria. */
const MAX_CRITERIA_VALUE = 255;

/**
 * The renderings of an E.164 number that CRM users type into phone fields. The Search API's `equals`/`in` on phone
 * fields matches words of the stored text, not digits, so "+819012345678" does not find "090-1234-5678".
 */
export function phoneRenderings(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) {
    return [e164];
  }
  const national = parsed.formatNational();
  const forms = [
    parsed.number,
    parsed.number.replace(/^\+/, ''),
    national,
    national.replace(/[()]/g, '').trim(),
    national.replace(/\D/g, ''),
    parsed.formatInternational(),
    String(parsed.nationalNumber),
  ];
  return [...new Set(forms.filter((form) => form.length >= 3))];
}

/**
 * `((Email:equals:…)or(Secondary_Email:equals:…)or(External_Id:equals:…)or(Phone:in:…)or(Mobile:in:…))` for the
 * identifiers given, or undefined when none is usable. At most 5 conditions (Zoho allows 10).
 */
export function personCriteria(identifiers: PersonIdentifiers, externalIdField: string): string | undefined {
  const conditions: string[] = [];
  const usable = (value: string | undefined): value is string =>
    value !== undefined && value.trim().length > 0 && value.length <= MAX_CRITERIA_VALUE;
  if (usable(identifiers.email)) {
    const email = escapeCriteriaValue(identifiers.email);
    conditions.push(`(Email:equals:${email})`, `(Secondary_Email:equals:${email})`);
  }
  if (usable(identifiers.externalId)) {
    conditions.push(`(${externalIdField}:equals:${escapeCriteriaValue(identifiers.externalId)})`);
  }
  if (usable(identifiers.phone)) {
    const list = phoneRenderings(identifiers.phone).map(escapeCriteriaValue).join(',');
    conditions.push(`(Phone:in:${list})`, `(Mobile:in:${list})`);
  }
  if (conditions.length === 0) {
    return undefined;
  }
  return conditions.length === 1 ? conditions[0] : `(${conditions.join('or')})`;
}

/** The digits given to `?phone=`: the national significant number, which every stored rendering contains. */
export function phoneSearchDigits(e164: string): string | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  const digits = parsed ? String(parsed.nationalNumber) : e164.replace(/\D/g, '');
  return digits.length >= 3 ? digits : undefined;
}

/** Does a stored phone (any format) denote exactly this E.164 number? */
export function samePhone(stored: unknown, e164: string, defaultRegion?: string): boolean {
  if (typeof stored !== 'string' || stored.trim().length === 0) {
    return false;
  }
  const target = parsePhoneNumberFromString(e164);
  const regions = [defaultRegion, target?.country].filter((region): region is string => !!region);
  for (const region of regions.length > 0 ? regions : [undefined]) {
    const parsed = parsePhoneNumberFromString(stored, region as CountryCode | undefined);
    if (parsed?.number === e164) {
      return true;
    }
  }
  return false;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * The search is loose (equals = contains, similar-looking punctuation matches); this decides what really matched,
 * strongest identifier first, or null for a false positive.
 */
export function matchedBy(
  record: ZohoContact,
  identifiers: PersonIdentifiers,
  externalIdField: string,
  defaultRegion?: string,
): MatchedBy | null {
  if (identifiers.externalId !== undefined && record[externalIdField] === identifiers.externalId) {
    return 'external_id';
  }
  if (identifiers.email !== undefined) {
    const wanted = identifiers.email.toLowerCase();
    if ([record.Email, record.Secondary_Email].some((email) => text(email)?.toLowerCase() === wanted)) {
      return 'email';
    }
  }
  if (identifiers.phone !== undefined) {
    const phone = identifiers.phone;
    if ([record.Phone, record.Mobile].some((stored) => samePhone(stored, phone, defaultRegion))) {
      return 'phone';
    }
  }
  return null;
}

const MATCH_ORDER: Record<MatchedBy, number> = { external_id: 0, email: 1, phone: 2 };

/** One match per contact (records may come from several searches), strongest identifier first. */
export function toMatches(
  records: ZohoContact[],
  identifiers: PersonIdentifiers,
  fields: Pick<ZohoFieldSettings, 'externalIdField' | 'tierField'>,
  links: RecordLinks,
  defaultRegion?: string,
): PersonMatch[] {
  const seen = new Map<string, PersonMatch>();
  for (const record of records) {
    const by = matchedBy(record, identifiers, fields.externalIdField, defaultRegion);
    if (by === null || seen.has(record.id)) {
      continue;
    }
    seen.set(record.id, { person: toPerson(record, fields, links), matchedBy: by });
  }
  return [...seen.values()].sort((a, b) => MATCH_ORDER[a.matchedBy] - MATCH_ORDER[b.matchedBy]);
}

// ---------------------------------------------------------------------------------------------------------------
// Deep links

export interface RecordLinks {
  /** e.g. https://crm.zoho.com/crm (optionally …/crm/org12345). */
  webBase: string;
}

/** The web app that belongs to an API domain: www.zohoapis.eu → https://crm.zoho.eu/crm (Multi DC docs). */
export function crmWebBase(apiDomain: string, configured?: string): string {
  if (configured) {
    return configured.replace(/\/+$/, '');
  }
  const url = new URL(apiDomain);
  const dc = /^(?:www\.)?zohoapis\.(.+)$/i.exec(url.hostname);
  if (dc) {
    const suffix = dc[1].toLowerCase();
    return suffix === 'ca' ? 'https://crm.zohocloud.ca/crm' : `https://crm.zoho.${suffix}/crm`;
  }
  // A self-hosted or sandbox API: its own origin.
  return `${url.origin}/crm`;
}

export function recordUrl(links: RecordLinks, module: string, id: string): string {
  return `${links.webBase}/tab/${module}/${encodeURIComponent(id)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// People

export const CONTACT_FIELDS = [
  'First_Name',
  'Last_Name',
  'Full_Name',
  'Email',
  'Secondary_Email',
  'Phone',
  'Mobile',
  'Account_Name',
  'Modified_Time',
];

export function contactFields(fields: Pick<ZohoFieldSettings, 'externalIdField' | 'tierField'>): string {
  return [...CONTACT_FIELDS, fields.externalIdField, fields.tierField].join(',');
}

export function toPerson(
  record: ZohoContact,
  fields: Pick<ZohoFieldSettings, 'externalIdField' | 'tierField'>,
  links: RecordLinks,
): CrmPerson {
  const firstName = text(record.First_Name);
  const lastName = text(record.Last_Name);
  const tier = record[fields.tierField];
  const externalId = record[fields.externalIdField];
  return {
    id: record.id,
    objectType: 'Contacts',
    name: text(record.Full_Name) ?? ([firstName, lastName].filter(Boolean).join(' ') || null),
    firstName,
    lastName,
    emails: [record.Email, record.Secondary_Email].map(text).filter((email): email is string => email !== null),
    phones: [record.Phone, record.Mobile].map(text).filter((phone): phone is string => phone !== null),
    company: text(record.Account_Name?.name),
    locale: null,
    // '-None-' is how Zoho renders an unset picklist in some layouts.
    tier: typeof tier === 'string' && tier.length > 0 && tier !== '-None-' ? tier : null,
    externalId: typeof externalId === 'string' && externalId.length > 0 ? externalId : null,
    updatedAt: toIso(record.Modified_Time),
    url: recordUrl(links, 'Contacts', record.id),
  };
}

/**
 * The fields of an upsert. Names are sent only when given (or split from `name`), so an update never overwrites a
 * contact's name; Last_Name is mandatory for an insert, so `placeholderLastName` fills it from the email's local
 * part (or the external id) for the second try after Zoho answered MANDATORY_NOT_FOUND.
 */
export function personToRecord(
  input: PersonInput,
  externalIdField: string,
  options: { placeholderLastName: boolean },
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  let first = input.firstName?.trim() || undefined;
  let last = input.lastName?.trim() || undefined;
  if (!last && input.name?.trim()) {
    const parts = input.name.trim().split(/\s+/);
    last = parts.length > 1 ? parts.slice(1).join(' ') : parts[0];
    first ??= parts.length > 1 ? parts[0] : undefined;
  }
  if (!last && options.placeholderLastName) {
    last = input.email?.split('@')[0] || input.externalId || 'Unknown';
  }
  if (first) {
    record.First_Name = first.slice(0, 40);
  }
  if (last) {
    record.Last_Name = last.slice(0, 80);
  }
  if (input.email) {
    record.Email = input.email;
  }
  if (input.phone) {
    record.Phone = input.phone;
  }
  if (input.externalId) {
    record[externalIdField] = input.externalId;
  }
  return record;
}

function toIso(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) {
    return null;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Notes and the idempotency marker

/** Note_Title holds at most 120 characters (v8 Create Notes). */
export const NOTE_TITLE_MAX = 120;
const MARKER = /^\[ccb:([^\]\s]{1,80})\]\s?/;

/**
 * Notes take no custom fields, so the idempotency key rides in Note_Title as "[ccb:KEY] title". Keys that are long
 * or carry characters that would end the marker are replaced by a digest (base64url sha-256, 144 bits).
 */
export function noteMarkerKey(idempotencyKey: string): string {
  if (/^[A-Za-z0-9._:-]{1,64}$/.test(idempotencyKey)) {
    return idempotencyKey;
  }
  return `h.${createHash('sha256').update(idempotencyKey, 'utf8').digest('base64url').slice(0, 24)}`;
}

export function markedNoteTitle(idempotencyKey: string, title: string): string {
  const marker = `[ccb:${noteMarkerKey(idempotencyKey)}]`;
  let out = marker;
  let separator = ' ';
  // Whole code points only, so a cut never leaves half a surrogate pair.
  for (const char of title.replace(/\s+/g, ' ').trim()) {
    if (out.length + separator.length + char.length > NOTE_TITLE_MAX) {
      break;
    }
    out += separator + char;
    separator = '';
  }
  return out;
}

/** The marker key in a note title, if it has one. */
export function noteMarkerOf(title: unknown): string | undefined {
  return typeof title === 'string' ? MARKER.exec(title)?.[1] : undefined;
}

export const NOTE_FIELDS = 'Note_Title,Note_Content,Created_Time,Modified_Time,Owner,Created_By,Parent_Id';

export function toNote(record: ZohoNote, links: RecordLinks, parentModule = 'Contacts'): CrmNote {
  const title = text(record.Note_Title);
  const parentId = record.Parent_Id?.id;
  return {
    id: record.id,
    title: title === null ? null : title.replace(MARKER, '') || null,
    body: typeof record.Note_Content === 'string' ? record.Note_Content : '',
    author: text(record.Created_By?.name) ?? text(record.Owner?.name),
    createdAt: toIso(record.Created_Time),
    // Zoho CRM notes are never shown to customers.
    private: true,
    url: parentId ? recordUrl(links, parentModule, parentId) : null,
  };
}

export function noteRecord(
  input: { title: string; body: string; idempotencyKey: string },
  maxBody: number,
): Record<string, unknown> {
  return {
    Note_Title: markedNoteTitle(input.idempotencyKey, input.title),
    Note_Content: input.body.length > maxBody ? input.body.slice(0, maxBody) : input.body,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Cases

const PRIORITY_OUT: Record<CasePriority, string> = { low: 'Low', normal: 'Medium', high: 'High', urgent: 'High' };
const PRIORITY_IN: Record<string, CasePriority> = { low: 'low', medium: 'normal', normal: 'normal', high: 'high' };

/** Cases: Subject is text(255), Description textarea(32000); the unique key field is text(100). */
const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;
const KEY_MAX = 100;

/** The value stored in the unique case-key field: the key itself, or a digest when it would not fit. */
export function caseKeyValue(idempotencyKey: string): string {
  return idempotencyKey.length <= KEY_MAX
    ? idempotencyKey
    : `sha256:${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex')}`;
}

export function caseDescription(input: Pick<CaseInput, 'description' | 'transcript'>): string {
  const transcript = input.transcript?.trim();
  const full = transcript ? `${input.description}\n\n--- Chat transcript ---\n${transcript}` : input.description;
  return full.length > DESCRIPTION_MAX ? `${full.slice(0, DESCRIPTION_MAX - 15)}\n[…truncated]` : full;
}

export function caseRecord(input: CaseInput, fields: ZohoFieldSettings): Record<string, unknown> {
  return {
    Subject: input.subject.slice(0, SUBJECT_MAX),
    Description: caseDescription(input),
    Status: 'New',
    Priority: PRIORITY_OUT[input.priority],
    ...(fields.caseOrigin ? { Case_Origin: fields.caseOrigin } : {}),
    [fields.caseContactField]: { id: input.personId },
    [fields.caseKeyField]: caseKeyValue(input.idempotencyKey),
  };
}

export function isClosedStatus(status: unknown, closedStatuses: readonly string[]): boolean {
  return typeof status === 'string' && closedStatuses.some((closed) => closed.toLowerCase() === status.toLowerCase());
}

/** Zoho's standard statuses: New and Escalated are open, On Hold is pending, the configured closed ones are closed. */
export function caseState(status: string, closedStatuses: readonly string[]): CrmCase['state'] {
  if (isClosedStatus(status, closedStatuses)) {
    return 'closed';
  }
  return /hold|pending|waiting/i.test(status) ? 'pending' : 'open';
}

export function casePriority(priority: unknown): CasePriority | null {
  return typeof priority === 'string' ? (PRIORITY_IN[priority.toLowerCase()] ?? null) : null;
}

export function caseFields(fields: Pick<ZohoFieldSettings, 'caseContactField' | 'caseKeyField'>): string {
  return [
    'Case_Number',
    'Subject',
    'Status',
    'Priority',
    'Created_Time',
    'Modified_Time',
    fields.caseContactField,
  ].join(',');
}

export function toCase(record: ZohoCase, closedStatuses: readonly string[], links: RecordLinks): CrmCase {
  const status = text(record.Status) ?? 'New';
  return {
    id: record.id,
    number: text(record.Case_Number),
    subject: text(record.Subject) ?? '',
    status,
    state: caseState(status, closedStatuses),
    priority: casePriority(record.Priority),
    createdAt: toIso(record.Created_Time),
    updatedAt: toIso(record.Modified_Time),
    url: recordUrl(links, 'Cases', record.id),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

export const ORDER_FIELDS = 'SO_Number,Subject,Status,Grand_Total,Currency,Ordered_Items,Created_Time,Modified_Time';

export function toOrder(record: ZohoSalesOrder, links: RecordLinks): CrmOrder {
  const items = Array.isArray(record.Ordered_Items) ? record.Ordered_Items : [];
  return {
    id: record.id,
    number: text(record.SO_Number) ?? text(record.Subject) ?? record.id,
    status: text(record.Status),
    total: typeof record.Grand_Total === 'number' ? record.Grand_Total : null,
    currency: text(record.Currency),
    placedAt: toIso(record.Created_Time),
    items: items.map((item) => ({
      sku: text(item.Product_Code),
      name: text(item.Product_Name?.name) ?? '',
      quantity: typeof item.Quantity === 'number' ? item.Quantity : 0,
      unitPrice: typeof item.List_Price === 'number' ? item.List_Price : null,
    })),
    url: recordUrl(links, 'SalesOrders', record.id),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Incremental changes

/** Where one module's scan stands. `since` has second precision, as Modified_Time does. */
export interface ModuleCursor {
  /** Modified_Time (ISO) of the newest change already returned. */
  since: string;
  /** Records already returned whose Modified_Time is exactly `since` (the next scan re-reads that second). */
  ids: string[];
  /** The last page was full: call again before the other modules are read. */
  more?: boolean;
  /**
   * More than a page of records share the second `since`: the scan (its If-Modified-Since) goes on by page token,
   * or by page number where Zoho gives no token.
   */
  scan?: { from: string; pageToken?: string; page?: number };
}

export const CHANGE_MODULES = ['Contacts', 'Cases'] as const;
export type ChangeModule = (typeof CHANGE_MODULES)[number];

export interface ChangeCursor {
  v: 1;
  modules: Record<ChangeModule, ModuleCursor>;
}

/** Second-precision UTC in Zoho's format (2026-01-05T09:00:00+00:00). */
export function zohoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

export function startCursor(now: number): ChangeCursor {
  const since = zohoTime(now);
  return { v: 1, modules: { Contacts: { since, ids: [] }, Cases: { since, ids: [] } } };
}

export function encodeCursor(cursor: ChangeCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): ChangeCursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<ChangeCursor>;
    const valid = (module: unknown): module is ModuleCursor =>
      typeof module === 'object' &&
      module !== null &&
      typeof (module as ModuleCursor).since === 'string' &&
      !Number.isNaN(Date.parse((module as ModuleCursor).since)) &&
      Array.isArray((module as ModuleCursor).ids);
    if (parsed.v !== 1 || !parsed.modules || !CHANGE_MODULES.every((name) => valid(parsed.modules?.[name]))) {
      return undefined;
    }
    return parsed as ChangeCursor;
  } catch {
    return undefined;
  }
}

/**
 * How long after a second has passed Zoho can still stamp a change with it, as far as we can tell: our clock and
 * Zoho's may disagree, so a second counts as closed only this long after our clock left it.
 */
export const SECOND_SETTLES_MS = 60_000;

/**
 * If-Modified-Since for a new scan (Zoho returns records modified after that whole second). While the cursor's
 * second may still receive changes, the scan starts one second earlier and `ids` filters the records already
 * returned; once it has settled, the scan starts after it, so an idle org answers 304.
 */
export function scanFrom(cursor: ModuleCursor, now: number): string {
  const since = Date.parse(cursor.since);
  return since < now - SECOND_SETTLES_MS ? zohoTime(since) : zohoTime(since - 1000);
}

/**
 * Folds one page (sorted by Modified_Time ascending) into the cursor and returns the records not seen before.
 * Pure: the caller decides about page tokens.
 */
export function advanceCursor<T extends ZohoRecord>(
  cursor: ModuleCursor,
  records: T[],
): { cursor: ModuleCursor; fresh: T[] } {
  let since = cursor.since;
  let sinceMs = Date.parse(since);
  let ids = new Set(cursor.ids);
  const fresh: T[] = [];
  for (const record of records) {
    const modified = typeof record.Modified_Time === 'string' ? Date.parse(record.Modified_Time) : Number.NaN;
    if (Number.isNaN(modified)) {
      continue;
    }
    const second = Math.floor(modified / 1000) * 1000;
    if (second < sinceMs || (second === sinceMs && ids.has(record.id))) {
      continue;
    }
    fresh.push(record);
    if (second > sinceMs) {
      since = zohoTime(second);
      sinceMs = second;
      ids = new Set([record.id]);
    } else {
      ids.add(record.id);
    }
  }
  return { cursor: { since, ids: [...ids] }, fresh };
}

export function contactChange(record: ZohoRecord): ChangeEvent {
  const occurredAt = toIso(record.Modified_Time) ?? new Date(0).toISOString();
  return {
    kind: 'person.changed',
    recordId: record.id,
    personId: record.id,
    occurredAt,
    eventId: `Contacts:${record.id}:${occurredAt}`,
    summary: null,
  };
}

export function caseChange(
  record: ZohoCase,
  fields: Pick<ZohoFieldSettings, 'caseContactField' | 'closedCaseStatuses'>,
): ChangeEvent {
  const occurredAt = toIso(record.Modified_Time) ?? new Date(0).toISOString();
  const status = text(record.Status);
  const contact = record[fields.caseContactField] as ZohoLookup | null | undefined;
  return {
    kind: isClosedStatus(status, fields.closedCaseStatuses) ? 'case.solved' : 'case.updated',
    recordId: record.id,
    personId: typeof contact?.id === 'string' ? contact.id : null,
    occurredAt,
    eventId: `Cases:${record.id}:${occurredAt}`,
    summary: status,
    ...(status === null
      ? {}
      : { caseState: isClosedStatus(status, fields.closedCaseStatuses) ? ('solved' as const) : ('open' as const) }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Notifications (POST from Zoho to the channel's notify_url)

/**
 * The callback body (https://www.zoho.com/crm/developer/docs/api/v8/notifications/overview.html): ids only, never
 * record data; `affected_values` only on channels created with return_affected_field_values.
 */
export interface ZohoNotification {
  server_time?: number;
  module?: string;
  resource_uri?: string;
  ids?: Array<string | number>;
  /** insert, update or delete. */
  operation?: string;
  channel_id?: string | number;
  token?: string | null;
  affected_fields?: unknown;
  affected_values?: Array<{ record_id?: string | number; values?: Record<string, unknown> }>;
  query_params?: Record<string, unknown>;
}

export function isNotification(body: unknown): body is ZohoNotification {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return false;
  }
  const candidate = body as ZohoNotification;
  return (
    typeof candidate.module === 'string' &&
    Array.isArray(candidate.ids) &&
    typeof candidate.operation === 'string' &&
    (typeof candidate.channel_id === 'string' || typeof candidate.channel_id === 'number')
  );
}

export function notificationEvents(
  notification: ZohoNotification,
  closedStatuses: readonly string[],
  now: number,
): ChangeEvent[] {
  const at = typeof notification.server_time === 'number' ? notification.server_time : now;
  const occurredAt = new Date(at).toISOString();
  const module = notification.module ?? '';
  const operation = notification.operation ?? 'update';
  const ids = (notification.ids ?? []).map(String).filter((id) => /^\d{1,19}$/.test(id));
  const statusOf = (id: string): string | null => {
    const entry = notification.affected_values?.find((value) => String(value.record_id) === id);
    return text(entry?.values?.Status);
  };
  const eventId = (id: string) => `zoho:${String(notification.channel_id)}:${module}:${operation}:${id}:${at}`;
  if (module === 'Contacts') {
    return ids.map((id) => ({
      kind: 'person.changed' as const,
      recordId: id,
      personId: id,
      occurredAt,
      eventId: eventId(id),
      summary: operation === 'delete' ? 'deleted' : null,
    }));
  }
  if (module === 'Cases') {
    return ids.map((id) => {
      const status = statusOf(id);
      return {
        kind: isClosedStatus(status, closedStatuses) ? ('case.solved' as const) : ('case.updated' as const),
        recordId: id,
        // The callback names no contact; the consumer reads the case when it needs one.
        personId: null,
        occurredAt,
        eventId: eventId(id),
        summary: operation === 'delete' ? 'deleted' : status,
        ...(status === null || operation === 'delete'
          ? {}
          : { caseState: isClosedStatus(status, closedStatuses) ? ('solved' as const) : ('open' as const) }),
      };
    });
  }
  return [];
}
