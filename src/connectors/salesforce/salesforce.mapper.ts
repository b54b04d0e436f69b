import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { WebhookRejectedError } from '../connector.errors';
import type {
  CaseInput,
  CasePriority,
  ChangeEvent,
  CrmCase,
  CrmNote,
  CrmOrder,
  CrmOrderItem,
  CrmPerson,
  MatchedBy,
  NoteInput,
  PersonIdentifiers,
  PersonInput,
} from '../crm.types';
import type { SalesforceSettings } from './salesforce.descriptor';

/**
 * Pure translation between Salesforce and the unified types: SOQL text (with the one escaping helper every value
 * goes through), record JSON → CrmPerson/CrmOrder/CrmNote/CrmCase, write payloads, the change cursor, and the
 * Outbound Message SOAP envelope → ChangeEvent[]. Nothing here does I/O.
 */

export type SfRecord = Record<string, unknown> & { Id: string };

// ---------------------------------------------------------------------------------------------------------------
// SOQL values

/**
 * A string literal for SOQL. Per the SOQL reference ("Quoted String Escape Sequences"), inside quotes a backslash
 * escapes `'`, `"`, `\`, and the control characters n r t b f; nothing else may follow a backslash. Escaping the
 * backslash first and then the quote means no input can end the literal early.
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
 * For LIKE, `%` and `_` are wildcards unless escaped as `\%` and `\_` (same page); pass `{ like: true }`.
 */
export function soqlString(value: string, options: { like?: boolean } = {}): string {
  let escaped = value.replace(/[\\'"\n\r\t\b\f]/g, (ch) => {
    switch (ch) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      default:
        return `\\${ch}`;
    }
  });
  if (options.like) {
    escaped = escaped.replace(/[%_]/g, (ch) => `\\${ch}`);
  }
  return `'${escaped}'`;
}

/** `IN ('a', 'b')` with every value escaped. */
export function soqlIn(values: readonly string[]): string {
  return `(${values.map((value) => soqlString(value)).join(', ')})`;
}

/**
 * A SOQL dateTime literal (unquoted, UTC). Salesforce stores whole seconds, so real values format as
 * `YYYY-MM-DDThh:mm:ssZ` (the documented form); sub-second values keep their milliseconds.
 */
export function soqlDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.replace('.000Z', 'Z') : iso;
}

const ID_RE = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** A record id's shape (15 or 18 base-62 characters): anything else never reaches a query or URL. */
export function isSalesforceId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}

/** First 15 characters: the case-sensitive part that identifies a record (the 18-character form adds a checksum). */
export function sameSalesforceId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

/** Salesforce datetimes (`2024-01-01T00:00:00.000+0000`) as ISO 8601 UTC; dates (`2024-01-01`) as they are. */
export function toIso(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') {
    return null;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return value;
  }
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function toMs(value: unknown): number | null {
  const iso = toIso(value);
  return iso === null ? null : Date.parse(iso);
}

// ---------------------------------------------------------------------------------------------------------------
// Small readers

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

function parent(record: Record<string, unknown>, relationship: string): Record<string, unknown> | null {
  const value = record[relationship];
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Child subquery rows (`{totalSize, done, records}`, or null when there are none). */
function children(record: Record<string, unknown>, relationship: string): SfRecord[] {
  const value = parent(record, relationship);
  const records = value?.records;
  return Array.isArray(records) ? records.filter((r): r is SfRecord => isSalesforceId((r as SfRecord)?.Id)) : [];
}

/** Deep link an agent can open: `{instance}/{id}` redirects to the record in Lightning and in Classic. */
export function recordUrl(instanceUrl: string, id: string): string {
  return `${instanceUrl}/${id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// People

function unique(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string' && value !== ''))];
}

export function contactFields(settings: SalesforceSettings): string[] {
  return unique([
    'Id',
    'FirstName',
    'LastName',
    'Name',
    'Email',
    'Phone',
    'MobilePhone',
    'Account.Name',
    'LastModifiedDate',
    settings.externalIdField,
    settings.tierField,
  ]);
}

/** Han, kana and Hangul names are written family name first. */
const FAMILY_NAME_FIRST = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Contact.Name follows the API user's locale ("First Last" for en_US), also for Japanese names; composed from the
 * parts instead, a Japanese name reads in its own order ("田中 雪", not "雪 田中").
 */
function contactName(firstName: string | null, lastName: string | null, name: string | null): string | null {
  if (FAMILY_NAME_FIRST.test(`${lastName ?? ''}${firstName ?? ''}`)) {
    return unique([lastName, firstName]).join(' ') || name;
  }
  return name ?? (unique([firstName, lastName]).join(' ') || null);
}

export function toPerson(record: SfRecord, settings: SalesforceSettings, instanceUrl: string): CrmPerson {
  const firstName = str(record.FirstName);
  const lastName = str(record.LastName);
  return {
    id: record.Id,
    objectType: 'Contact',
    name: contactName(firstName, lastName, str(record.Name)),
    firstName,
    lastName,
    emails: unique([str(record.Email)]),
    phones: unique([str(record.Phone), str(record.MobilePhone)]),
    company: str(parent(record, 'Account')?.Name),
    // Contact has no language field out of the box.
    locale: null,
    tier: settings.tierField ? str(record[settings.tierField]) : null,
    externalId: str(record[settings.externalIdField]),
    updatedAt: toIso(record.LastModifiedDate),
    url: recordUrl(instanceUrl, record.Id),
  };
}

/**
 * Ways a human or an import tool writes one E.164 number: E.164, the national and international formats, bare
 * digits, and the usual separators (dash, space, dot, brackets, `+44 (0)…`, `00…`). SOQL cannot normalise phone
 * fields, so findPeople asks for all of them with IN and then re-checks each hit with `samePhone`.
 */
export function phoneRenderings(e164: string): string[] {
  const phone = parsePhoneNumberFromString(e164);
  if (!phone || phone.number !== e164) {
    return [];
  }
  if (!phone.isValid()) {
    // No numbering plan to format with (or a range the bundled metadata does not know yet): the stored value can
    // still be the very same digits.
    return unique([e164, e164.slice(1)]);
  }
  const cc = phone.countryCallingCode;
  const nsn = phone.nationalNumber;
  const national = phone.formatNational();
  const groups = phone.formatInternational().split(' ').slice(1);
  const nationalDigits = national.replace(/\D/g, '');
  // The trunk prefix a national number is dialled with ("0" in JP/GB/DE, nothing in NANP).
  const trunk = nationalDigits.endsWith(nsn) ? nationalDigits.slice(0, nationalDigits.length - nsn.length) : '';
  const [head, ...tail] = groups;
  const out = [
    e164,
    national,
    phone.formatInternational(),
    `${cc}${nsn}`,
    `${trunk}${nsn}`,
    nsn,
    `00${cc}${nsn}`,
    `+${cc}-${groups.join('-')}`,
    `+${cc} ${groups.join('-')}`,
    `${cc}-${groups.join('-')}`,
    `00${cc} ${groups.join(' ')}`,
    ...['-', ' ', '.'].map((sep) => `${trunk}${groups.join(sep)}`),
  ];
  if (head !== undefined && tail.length > 0) {
    out.push(
      `(${trunk}${head}) ${tail.join('-')}`,
      `+${cc} (${head}) ${tail.join('-')}`,
      `${cc} (${head}) ${tail.join('-')}`,
    );
  }
  if (trunk) {
    out.push(`+${cc} (${trunk})${groups.join(' ')}`);
  }
  return unique(out);
}

/** Does a stored phone (any format) denote exactly this E.164 number? National forms are read in its country. */
export function samePhone(stored: unknown, e164: string): boolean {
  if (typeof stored !== 'string' || stored.trim() === '') {
    return false;
  }
  const country = parsePhoneNumberFromString(e164)?.country;
  return parsePhoneNumberFromString(stored, country)?.number === e164;
}

/** One SOQL for every identifier at once (email, external id, phone renderings on Phone and MobilePhone). */
export function findPeopleSoql(
  settings: SalesforceSettings,
  identifiers: PersonIdentifiers,
  limit: number,
): string | null {
  const clauses: string[] = [];
  if (identifiers.email) {
    clauses.push(`Email = ${soqlString(identifiers.email)}`);
  }
  if (identifiers.externalId) {
    clauses.push(`${settings.externalIdField} = ${soqlString(identifiers.externalId)}`);
  }
  const phones = identifiers.phone ? phoneRenderings(identifiers.phone) : [];
  if (phones.length > 0) {
    clauses.push(`Phone IN ${soqlIn(phones)}`, `MobilePhone IN ${soqlIn(phones)}`);
  }
  if (clauses.length === 0) {
    return null;
  }
  return `SELECT ${contactFields(settings).join(', ')} FROM Contact WHERE ${clauses.join(' OR ')} ORDER BY LastModifiedDate DESC LIMIT ${limit}`;
}

/**
 * What a candidate really matched, re-checked in code (a loose SOQL match never becomes a match): external id
 * first, then email, then phone; null when nothing holds. External ids compare case-insensitively because an
 * External ID field is case-insensitive unless "unique case sensitive" is set, exactly as upsert matches them.
 */
export function matchedBy(
  record: SfRecord,
  settings: SalesforceSettings,
  identifiers: PersonIdentifiers,
): MatchedBy | null {
  const externalId = str(record[settings.externalIdField]);
  if (
    identifiers.externalId &&
    externalId !== null &&
    externalId.toLowerCase() === identifiers.externalId.toLowerCase()
  ) {
    return 'external_id';
  }
  const email = str(record.Email);
  if (identifiers.email && email !== null && email.toLowerCase() === identifiers.email.toLowerCase()) {
    return 'email';
  }
  if (
    identifiers.phone &&
    (samePhone(record.Phone, identifiers.phone) || samePhone(record.MobilePhone, identifiers.phone))
  ) {
    return 'phone';
  }
  return null;
}

export function contactByIdSoql(settings: SalesforceSettings, id: string): string {
  return `SELECT ${contactFields(settings).join(', ')} FROM Contact WHERE Id = ${soqlString(id)} LIMIT 1`;
}

export function contactsByEmailSoql(email: string): string {
  return `SELECT Id FROM Contact WHERE Email = ${soqlString(email)} ORDER BY CreatedDate ASC LIMIT 10`;
}

/** Records that hold this external id, or are one of these ids (duplicate-rule matches), with their external id. */
export function externalIdOwnersSoql(settings: SalesforceSettings, externalId: string, ids: string[]): string {
  const clauses = [`${settings.externalIdField} = ${soqlString(externalId)}`];
  if (ids.length > 0) {
    clauses.push(`Id IN ${soqlIn(ids)}`);
  }
  return `SELECT Id, ${settings.externalIdField} FROM Contact WHERE ${clauses.join(' OR ')} LIMIT 20`;
}

/** First/last name from whatever the chat knew; Salesforce requires LastName on create. */
export function nameParts(input: PersonInput): { firstName?: string; lastName?: string } {
  if (input.firstName || input.lastName) {
    return {
      ...(input.firstName ? { firstName: input.firstName } : {}),
      ...(input.lastName ? { lastName: input.lastName } : {}),
    };
  }
  const words = (input.name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return {};
  }
  if (words.length === 1) {
    return { lastName: words[0] };
  }
  return { firstName: words.slice(0, -1).join(' '), lastName: words[words.length - 1] };
}

/** The placeholder LastName for a person we know only by email/phone (web-to-lead uses the same wording). */
export function placeholderLastName(input: PersonInput): string {
  const local = input.email?.split('@')[0];
  return local && local.length <= 80 ? local : '[not provided]';
}

/** Contact fields a write sets: only what the caller knows, so an update never blanks a field. */
export function contactWrite(input: PersonInput, options: { includeEmail: boolean }): Record<string, unknown> {
  const { firstName, lastName } = nameParts(input);
  return {
    ...(firstName ? { FirstName: clip(firstName, 40) } : {}),
    ...(lastName ? { LastName: clip(lastName, 80) } : {}),
    ...(options.includeEmail && input.email ? { Email: input.email } : {}),
    ...(input.phone ? { Phone: input.phone } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Idempotency keys in external id fields

const SAFE_KEY = /^[a-z0-9_:-]{1,200}$/;

/**
 * The value stored in Chat_Transcript_Key__c / Chat_Session_Key__c for an idempotency key. Keys made of lower-case
 * letters, digits, `_`, `:` and `-` are stored as they are. Anything else (upper case, `/`, `?`, `#`, `%`, `.`,
 * spaces, non-ASCII, over 200 chars) becomes `k-<sha256 hex>`: deterministic, so retries and restarts still land on
 * the same record, and safe in the upsert URL path (no `/`, no `.xml`-like suffix that Salesforce reads as a format,
 * nothing jsforce would leave unencoded), and free of case: External ID fields match case-insensitively, so
 * "Conv-A" and "conv-a" must not share a record.
 */
export function externalKeyValue(key: string): string {
  return SAFE_KEY.test(key) ? key : `k-${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Notes (Task) and cases

const TRUNCATED = '\n…[truncated]';

/** Fits text into a Salesforce field of `max` characters (UTF-16 units, as Salesforce counts), marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  // Long text areas get a visible marker line; one-line fields (Subject) an ellipsis.
  const marker = max >= 1000 ? TRUNCATED : '…';
  let end = max - marker.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) {
    end -= 1;
  }
  return text.slice(0, end) + marker;
}

export const TASK_SUBJECT_MAX = 255;
export const LONG_TEXT_MAX = 32_000;

/**
 * A chat transcript as a completed Task of type Chat on the contact (it shows in the activity timeline). Status is
 * sent on every upsert, which keeps a retry's update identical to the create. `internal` has no counterpart:
 * activities are never customer-visible. The key field is not in the body: the single-record upsert names it in the
 * URL (and refuses it in the body); sObject Collections add it per record.
 */
export function taskRecord(input: NoteInput): Record<string, unknown> {
  return {
    Subject: clip(input.title, TASK_SUBJECT_MAX),
    Description: clip(input.body, LONG_TEXT_MAX),
    WhoId: input.personId,
    Status: 'Completed',
    Type: 'Chat',
  };
}

/** Standard Case priorities are High/Medium/Low; urgent folds into High. */
export const CASE_PRIORITY: Record<CasePriority, string> = {
  low: 'Low',
  normal: 'Medium',
  high: 'High',
  urgent: 'High',
};

export function fromCasePriority(value: unknown): CasePriority | null {
  const text = str(value)?.toLowerCase();
  if (!text) {
    return null;
  }
  if (/urgent|critical|emergency/.test(text)) {
    return 'urgent';
  }
  if (text === 'high') {
    return 'high';
  }
  if (text === 'medium' || text === 'normal') {
    return 'normal';
  }
  return text === 'low' ? 'low' : null;
}

/**
 * The escalation as a Case (Origin Chat). The transcript goes into Description under a separator: one write, one
 * record, and the agent sees it without opening anything else. Status is left to the org's default on create and
 * untouched on a retry's update.
 */
export function caseRecord(input: CaseInput): Record<string, unknown> {
  const description = input.transcript
    ? `${input.description}\n\n--- Chat transcript ---\n${input.transcript}`
    : input.description;
  return {
    ContactId: input.personId,
    Subject: clip(input.subject, TASK_SUBJECT_MAX),
    Description: clip(description, LONG_TEXT_MAX),
    Priority: CASE_PRIORITY[input.priority],
    Origin: 'Chat',
  };
}

export function caseState(status: string, isClosed: boolean): CrmCase['state'] {
  if (isClosed) {
    return /solved|resolved/i.test(status) ? 'solved' : 'closed';
  }
  return /waiting|pending|on hold/i.test(status) ? 'pending' : 'open';
}

export function toCase(record: SfRecord, instanceUrl: string): CrmCase {
  const status = str(record.Status) ?? '';
  return {
    id: record.Id,
    number: str(record.CaseNumber),
    subject: str(record.Subject) ?? '',
    status,
    state: caseState(status, record.IsClosed === true),
    priority: fromCasePriority(record.Priority),
    createdAt: toIso(record.CreatedDate),
    updatedAt: toIso(record.LastModifiedDate),
    url: recordUrl(instanceUrl, record.Id),
  };
}

export function openCasesSoql(personId: string, limit: number): string {
  return (
    'SELECT Id, CaseNumber, Subject, Status, Priority, IsClosed, CreatedDate, LastModifiedDate FROM Case ' +
    `WHERE ContactId = ${soqlString(personId)} AND IsClosed = false ORDER BY CreatedDate DESC LIMIT ${limit}`
  );
}

/** Notes (ParentId) and Tasks (WhoId) of a contact in one query, through the Contact's child relationships. */
export function notesSoql(personId: string, limit: number): string {
  return (
    'SELECT Id, ' +
    `(SELECT Id, Title, Body, CreatedDate, CreatedBy.Name FROM Notes ORDER BY CreatedDate DESC LIMIT ${limit}), ` +
    `(SELECT Id, Subject, Description, CreatedDate, CreatedBy.Name FROM Tasks ORDER BY CreatedDate DESC LIMIT ${limit}) ` +
    `FROM Contact WHERE Id = ${soqlString(personId)}`
  );
}

/** Salesforce notes and activities are internal by nature: `private` is always true. */
export function toNotes(contact: SfRecord | undefined, instanceUrl: string, limit: number): CrmNote[] {
  if (!contact) {
    return [];
  }
  const notes = children(contact, 'Notes').map((note): CrmNote => ({
    id: note.Id,
    title: str(note.Title),
    body: typeof note.Body === 'string' ? note.Body : '',
    author: str(parent(note, 'CreatedBy')?.Name),
    createdAt: toIso(note.CreatedDate),
    private: true,
    url: recordUrl(instanceUrl, note.Id),
  }));
  const tasks = children(contact, 'Tasks').map((task): CrmNote => ({
    id: task.Id,
    title: str(task.Subject),
    body: typeof task.Description === 'string' ? task.Description : '',
    author: str(parent(task, 'CreatedBy')?.Name),
    createdAt: toIso(task.CreatedDate),
    private: true,
    url: recordUrl(instanceUrl, task.Id),
  }));
  return [...notes, ...tasks]
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.id.localeCompare(b.id))
    .slice(0, limit);
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

export function ordersSoql(settings: SalesforceSettings, personId: string, limit: number): string {
  const currency = settings.multiCurrency ? ', CurrencyIsoCode' : '';
  return (
    `SELECT Id, OrderNumber, Status, EffectiveDate, TotalAmount, CreatedDate${currency}, ` +
    '(SELECT Id, Quantity, UnitPrice, Description, Product2.Name, Product2.ProductCode FROM OrderItems) ' +
    `FROM Order WHERE ${settings.orderContactField} = ${soqlString(personId)} ` +
    `ORDER BY EffectiveDate DESC, CreatedDate DESC LIMIT ${limit}`
  );
}

export function toOrder(record: SfRecord, settings: SalesforceSettings, instanceUrl: string): CrmOrder {
  const items = children(record, 'OrderItems').map((item): CrmOrderItem => ({
    sku: str(parent(item, 'Product2')?.ProductCode),
    name: str(parent(item, 'Product2')?.Name) ?? str(item.Description) ?? 'Item',
    quantity: num(item.Quantity) ?? 0,
    unitPrice: num(item.UnitPrice),
  }));
  return {
    id: record.Id,
    number: str(record.OrderNumber) ?? record.Id,
    status: str(record.Status),
    total: num(record.TotalAmount),
    currency: settings.multiCurrency ? str(record.CurrencyIsoCode) : (settings.defaultCurrency ?? null),
    // EffectiveDate is a date ("Order Start Date"): reported as YYYY-MM-DD, not invented into a time.
    placedAt: toIso(record.EffectiveDate) ?? toIso(record.CreatedDate),
    items,
    url: recordUrl(instanceUrl, record.Id),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Incremental changes (SOQL on SystemModstamp)

export interface ChangePosition {
  /** SystemModstamp in epoch ms. */
  t: number;
  /** Last Id returned at exactly `t`; '' = nothing at `t` seen yet. */
  id: string;
}

export interface ChangeCursor {
  v: 1;
  contact: ChangePosition;
  case: ChangePosition;
}

export const CHANGE_PAGE_SIZE = 200;

export function encodeCursor(cursor: ChangeCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function validPosition(value: unknown): value is ChangePosition {
  const position = value as ChangePosition | null;
  return (
    !!position &&
    typeof position === 'object' &&
    Number.isSafeInteger(position.t) &&
    position.t >= 0 &&
    (position.id === '' || isSalesforceId(position.id))
  );
}

/** Null when the string is not a cursor this connector wrote (the caller treats that as invalid input). */
export function decodeCursor(raw: string): ChangeCursor | null {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<ChangeCursor>;
    if (parsed.v === 1 && validPosition(parsed.contact) && validPosition(parsed.case)) {
      return { v: 1, contact: parsed.contact, case: parsed.case };
    }
  } catch {
    // fall through
  }
  return null;
}

/**
 * Records changed after `position`, oldest first. Equal SystemModstamps are common (bulk updates share a second),
 * so the cursor is (SystemModstamp, Id) and the page continues after the last Id at the same instant.
 */
export function changesSoql(object: 'Contact' | 'Case', position: ChangePosition, limit: number): string {
  const fields = object === 'Contact' ? 'Id, SystemModstamp' : 'Id, SystemModstamp, Status, IsClosed, ContactId';
  const at = soqlDateTime(position.t);
  const where =
    position.id === ''
      ? `SystemModstamp >= ${at}`
      : `SystemModstamp > ${at} OR (SystemModstamp = ${at} AND Id > ${soqlString(position.id)})`;
  return `SELECT ${fields} FROM ${object} WHERE ${where} ORDER BY SystemModstamp ASC, Id ASC LIMIT ${limit}`;
}

/** Where the stream stands after these rows (unchanged when there were none). */
export function advance(position: ChangePosition, rows: SfRecord[]): ChangePosition {
  const last = rows[rows.length - 1];
  const t = last ? toMs(last.SystemModstamp) : null;
  return last && t !== null ? { t, id: last.Id } : position;
}

export function toChangeEvent(object: 'Contact' | 'Case', record: SfRecord): ChangeEvent {
  const occurredAt = toIso(record.SystemModstamp) ?? new Date(0).toISOString();
  // No vendor event id exists for a polled change; (object, id, modstamp) is stable, so a re-read page dedupes.
  const eventId = `${object}:${record.Id}:${occurredAt}`;
  if (object === 'Contact') {
    return { kind: 'person.changed', recordId: record.Id, personId: record.Id, occurredAt, eventId, summary: null };
  }
  return {
    kind: record.IsClosed === true ? 'case.solved' : 'case.updated',
    recordId: record.Id,
    personId: str(record.ContactId),
    occurredAt,
    eventId,
    summary: str(record.Status),
    ...(typeof record.IsClosed === 'boolean'
      ? { caseState: record.IsClosed ? ('solved' as const) : ('open' as const) }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Outbound Messages (SOAP)

interface XmlElement {
  /** Local name (namespace prefix dropped). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeXmlText(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|&/g, (match, entity: string | undefined) => {
    if (!entity) {
      throw new Error('bare & in text');
    }
    if (entity.startsWith('#x')) {
      return String.fromCodePoint(parseInt(entity.slice(2), 16));
    }
    if (entity.startsWith('#')) {
      return String.fromCodePoint(parseInt(entity.slice(1), 10));
    }
    const decoded = XML_ENTITIES[entity];
    if (decoded === undefined) {
      throw new Error(`unknown entity ${match}`);
    }
    return decoded;
  });
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

/**
 * A deliberately small XML reader for the one document shape Salesforce sends (elements, attributes, text,
 * CDATA, comments, the XML declaration). DOCTYPE is refused outright, so there are no entity definitions to expand
 * (no XXE, no billion laughs); unknown entities and unbalanced tags fail the parse.
 */
export function parseXml(xml: string): XmlElement {
  const source = xml.replace(/^\uFEFF/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const top = (): XmlElement => stack[stack.length - 1];
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt === -1 ? source.length : lt;
    if (textEnd > i) {
      const text = source.slice(i, textEnd);
      if (stack.length === 1) {
        if (text.trim() !== '') {
          throw new Error('text outside the root element');
        }
      } else {
        top().text += decodeXmlText(text);
      }
    }
    if (lt === -1) {
      break;
    }
    if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4);
      if (end === -1) {
        throw new Error('unterminated comment');
      }
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9);
      if (end === -1 || stack.length === 1) {
        throw new Error('bad CDATA section');
      }
      top().text += source.slice(lt + 9, end);
      i = end + 3;
    } else if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt + 2);
      if (end === -1) {
        throw new Error('unterminated processing instruction');
      }
      i = end + 2;
    } else if (source.startsWith('<!', lt)) {
      throw new Error('DOCTYPE and declarations are not accepted');
    } else if (source.startsWith('</', lt)) {
      const end = source.indexOf('>', lt);
      const name = end === -1 ? '' : localName(source.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (end === -1 || !open || open === root || open.name !== name) {
        throw new Error('unbalanced end tag');
      }
      i = end + 1;
    } else {
      const tag = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(
        source.slice(lt),
      );
      if (!tag) {
        throw new Error('malformed start tag');
      }
      const [whole, qualified = '', rawAttributes = '', selfClosing] = tag;
      const attributes: Record<string, string> = {};
      for (const attribute of rawAttributes.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        attributes[attribute[1]] = decodeXmlText(attribute[2] ?? attribute[3] ?? '');
      }
      const element: XmlElement = { name: localName(qualified), attributes, children: [], text: '' };
      if (stack.length === 1 && root.children.length > 0) {
        throw new Error('more than one root element');
      }
      top().children.push(element);
      if (!selfClosing) {
        stack.push(element);
      }
      i = lt + whole.length;
    }
  }
  if (stack.length !== 1 || root.children.length !== 1) {
    throw new Error('unbalanced document');
  }
  return root.children[0];
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

function isNil(element: XmlElement): boolean {
  return Object.entries(element.attributes).some(([key, value]) => localName(key) === 'nil' && value === 'true');
}

export interface OutboundNotification {
  /** Notification id (04l…): the same on every redelivery of this notification. */
  id: string;
  /** sObject type from xsi:type ("sf:Contact" → Contact). */
  object: string;
  fields: Record<string, string | null>;
}

export interface OutboundMessage {
  organizationId: string;
  actionId: string | null;
  notifications: OutboundNotification[];
}

/**
 * Reads a Workflow/Flow Outbound Message (`soapenv:Envelope/Body/notifications`).
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm
 * Throws WebhookRejectedError('malformed') for anything else.
 */
export function parseOutboundMessage(rawBody: string): OutboundMessage {
  let envelope: XmlElement;
  try {
    envelope = parseXml(rawBody);
  } catch (error) {
    throw new WebhookRejectedError('malformed', `not an Outbound Message: ${(error as Error).message}`);
  }
  const notifications = child(child(envelope, 'Body'), 'notifications');
  const organizationId = child(notifications, 'OrganizationId')?.text.trim();
  if (envelope.name !== 'Envelope' || !notifications || !organizationId) {
    throw new WebhookRejectedError('malformed', 'not an Outbound Message: no notifications/OrganizationId');
  }
  const list: OutboundNotification[] = [];
  for (const element of notifications.children.filter((c) => c.name === 'Notification')) {
    const id = child(element, 'Id')?.text.trim();
    const sObject = child(element, 'sObject');
    const type = Object.entries(sObject?.attributes ?? {}).find(([key]) => localName(key) === 'type')?.[1];
    if (!id || !sObject || !type) {
      throw new WebhookRejectedError('malformed', 'Notification without Id or sObject type');
    }
    const fields: Record<string, string | null> = {};
    for (const field of sObject.children) {
      fields[field.name] = isNil(field) ? null : field.text;
    }
    list.push({ id, object: localName(type), fields });
  }
  return { organizationId, actionId: child(notifications, 'ActionId')?.text.trim() ?? null, notifications: list };
}

/**
 * Contact → person.changed; Case → case.solved when IsClosed, else case.updated (summary = Status). Other objects
 * are ignored. The notification id is the event id: Salesforce redelivers the same id until it gets an Ack.
 * occurredAt comes from LastModifiedDate/SystemModstamp when the message definition includes one of them.
 */
export function outboundEvents(message: OutboundMessage, receivedAt: Date): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  for (const notification of message.notifications) {
    const recordId = notification.fields.Id;
    if (!isSalesforceId(recordId)) {
      continue;
    }
    const occurredAt =
      toIso(notification.fields.LastModifiedDate) ??
      toIso(notification.fields.SystemModstamp) ??
      receivedAt.toISOString();
    if (notification.object === 'Contact') {
      events.push({
        kind: 'person.changed',
        recordId,
        personId: recordId,
        occurredAt,
        eventId: notification.id,
        summary: null,
      });
    } else if (notification.object === 'Case') {
      events.push({
        kind: notification.fields.IsClosed === 'true' ? 'case.solved' : 'case.updated',
        recordId,
        personId: str(notification.fields.ContactId),
        occurredAt,
        eventId: notification.id,
        summary: str(notification.fields.Status),
        ...(notification.fields.IsClosed === 'true' || notification.fields.IsClosed === 'false'
          ? { caseState: notification.fields.IsClosed === 'true' ? ('solved' as const) : ('open' as const) }
          : {}),
      });
    }
  }
  return events;
}

/** What the listener must answer (HTTP 200, text/xml) or Salesforce redelivers the message for up to 24 hours. */
export const OUTBOUND_ACK =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>' +
  '</notificationsResponse></soapenv:Body></soapenv:Envelope>';
