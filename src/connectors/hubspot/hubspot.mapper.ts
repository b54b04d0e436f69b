/**
 * Pure translation between HubSpot's CRM v3/v4 JSON and the unified types. Accepts both the raw wire JSON
 * (fixtures) and what @hubspot/api-client deserialises (Date objects for createdAt/updatedAt, `_new` for `new`,
 * `_from` for `from`).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type {
  CasePriority,
  ChangeEvent,
  CrmCase,
  CrmNote,
  CrmOrder,
  CrmOrderItem,
  CrmPerson,
  PersonInput,
} from '../crm.types';
import type { HubspotSettings } from './hubspot.descriptor';

// ---------------------------------------------------------------------------------------------------------------
// Vendor shapes

export interface HsObject {
  id: string;
  properties: Record<string, string | null | undefined>;
  createdAt?: Date | string;
  updatedAt?: Date | string;
  archived?: boolean;
  objectWriteTraceId?: string;
  /** Batch upsert: whether the record was created (`new` on the wire, `_new` once the SDK deserialised it). */
  new?: boolean;
  _new?: boolean;
}

export interface HsBatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: Record<string, string[] | undefined>;
}

export interface HsBatchResponse<T> {
  status?: string;
  results: T[];
  numErrors?: number;
  errors?: HsBatchError[];
}

export interface HsSearchPage {
  total?: number;
  results: HsObject[];
  paging?: { next?: { after?: string } };
}

export interface HsAssociationPage {
  results: Array<{ toObjectId: string | number }>;
  paging?: { next?: { after?: string } };
}

export interface HsAssociationBatchRead {
  results: Array<{
    from?: { id: string };
    _from?: { id: string };
    to: Array<{ toObjectId: string | number }>;
  }>;
  errors?: HsBatchError[];
}

export interface HsPipeline {
  id: string;
  label?: string;
  displayOrder?: number;
  archived?: boolean;
  stages: Array<{
    id: string;
    label?: string;
    displayOrder?: number;
    archived?: boolean;
    metadata?: Record<string, string | undefined>;
  }>;
}

export interface HsWebhookEvent {
  eventId?: number | string;
  portalId?: number | string;
  subscriptionType?: string;
  objectTypeId?: string;
  objectId?: number | string;
  occurredAt?: number;
  propertyName?: string;
  propertyValue?: string;
  changeFlag?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : null;

const toIso = (value: Date | string | null | undefined): string | null => {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const ms = value instanceof Date ? value.getTime() : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

export const toMs = (value: Date | string | null | undefined): number | null => {
  const iso = toIso(value);
  return iso === null ? null : Date.parse(iso);
};

const numberOrNull = (value: unknown): number | null => {
  const t = text(value);
  if (t === null) {
    return null;
  }
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
};

/** HubSpot ids are positive integers; anything else is refused before it reaches a URL or a filter. */
export const isHubspotId = (value: string): boolean => /^[1-9]\d{0,19}$/.test(value);

export const upsertCreated = (object: HsObject): boolean => object._new ?? object.new ?? false;

export function recordUrl(settings: HubspotSettings, objectTypeId: string, id: string): string | null {
  if (!settings.portalId) {
    return null;
  }
  const base = settings.appBaseUrl.replace(/\/+$/, '');
  return `${base}/contacts/${settings.portalId}/record/${objectTypeId}/${encodeURIComponent(id)}`;
}

export const OBJECT_TYPE_IDS = { contacts: '0-1', tickets: '0-5', notes: '0-46', orders: '0-123', line_items: '0-8' };

/** Batch error category → closed code, for one record of a 207. */
export function batchErrorCode(
  category: string | undefined,
): 'not_found' | 'invalid_request' | 'conflict' | 'rate_limited' | 'unavailable' | 'unknown' {
  switch (category) {
    case 'OBJECT_NOT_FOUND':
      return 'not_found';
    case 'VALIDATION_ERROR':
    case 'INVALID_EMAIL':
    case 'PROPERTY_DOESNT_EXIST':
      return 'invalid_request';
    case 'CONFLICT':
    case 'OBJECT_ALREADY_EXISTS':
      return 'conflict';
    case 'RATE_LIMITS':
      return 'rate_limited';
    case 'INTERNAL_ERROR':
    case 'SERVICE_UNAVAILABLE':
    case 'TIMEOUT':
      return 'unavailable';
    default:
      return 'unknown';
  }
}

/** The batch error (if any) whose context names one of `keys` (ids, idProperty values or objectWriteTraceIds). */
export function batchErrorFor(errors: HsBatchError[] | undefined, keys: string[]): HsBatchError | undefined {
  return (errors ?? []).find((error) =>
    Object.values(error.context ?? {}).some((values) => (values ?? []).some((value) => keys.includes(String(value)))),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Search filters: the one place a caller's value enters a HubSpot query.

/**
 * Operators whose value is compared as data. CONTAINS_TOKEN / NOT_CONTAINS_TOKEN are deliberately absent: they
 * interpret `*` as a wildcard and HubSpot documents no way to escape it, so a caller's value never goes there.
 */
export type LiteralOperator = 'EQ' | 'NEQ' | 'LT' | 'LTE' | 'GT' | 'GTE' | 'IN' | 'NOT_IN';

export interface HsFilter {
  propertyName: string;
  operator: LiteralOperator;
  value?: string;
  values?: string[];
}

const LITERAL_OPERATORS: ReadonlySet<string> = new Set(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'IN', 'NOT_IN']);
const PROPERTY_NAME = /^[a-z][a-z0-9_]{0,99}$/;
/** A search request body may hold at most 3,000 characters; one value must leave room for the rest. */
const MAX_FILTER_VALUE_CHARS = 512;

/**
 * Builds a filter for POST /crm/v3/objects/{type}/search. Filters travel as JSON values, so quoting and escaping
 * do not exist here; what this guards is the shape: a known-good property name, string values (HubSpot compares
 * strings, and a number would silently change the comparison), no control characters, bounded length.
 */
export function literalFilter(
  propertyName: string,
  operator: LiteralOperator,
  value: string | number | ReadonlyArray<string | number>,
): HsFilter {
  if (!PROPERTY_NAME.test(propertyName)) {
    throw new Error(`not a HubSpot property name: ${JSON.stringify(propertyName)}`);
  }
  if (!LITERAL_OPERATORS.has(operator)) {
    throw new Error(`operator ${String(operator)} is not a literal comparison`);
  }
  const clean = (raw: string | number): string => {
    const s = String(raw);
    if (s.length > MAX_FILTER_VALUE_CHARS) {
      throw new Error(`filter value longer than ${MAX_FILTER_VALUE_CHARS} characters`);
    }
    // eslint-disable-next-line no-control-regex
    return s.replace(/[\u0000-\u001f\u007f]/g, '');
  };
  if (operator === 'IN' || operator === 'NOT_IN') {
    const values = (Array.isArray(value) ? value : [value as string | number]).map(clean);
    if (values.length === 0) {
      throw new Error(`${operator} needs at least one value`);
    }
    return { propertyName, operator, values };
  }
  if (Array.isArray(value)) {
    throw new Error(`${operator} takes one value`);
  }
  return { propertyName, operator, value: clean(value as string | number) };
}

// ---------------------------------------------------------------------------------------------------------------
// Phones

/**
 * Ways people type the number `e164` into a CRM: E.164, international and national formats with spaces, dashes,
 * dots or nothing, the US "(415) 555-2671" style, the 00 international prefix and the UK "(0)" style. HubSpot
 * search compares phone values as typed, so these are searched with IN and every hit is re-checked in code.
 */
export function phoneRenderings(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) {
    return [e164];
  }
  const cc = parsed.countryCallingCode;
  const nsn = parsed.nationalNumber;
  const nationalGroups = parsed.formatNational().match(/\d+/g) ?? [nsn];
  const intlGroups = (parsed.formatInternational().match(/\d+/g) ?? [cc, nsn]).slice(1);
  const out = new Set<string>([e164, `${cc}${nsn}`, nsn, nationalGroups.join(''), parsed.formatNational()]);
  for (const sep of [' ', '-', '.']) {
    out.add(nationalGroups.join(sep));
    out.add(`+${cc}${sep}${intlGroups.join(sep)}`);
  }
  out.add(parsed.formatInternational());
  out.add(`+${cc} ${intlGroups.join('-')}`);
  out.add(`00${cc}${nsn}`);
  out.add(`00${cc} ${intlGroups.join(' ')}`);
  out.add(`+${cc} (0)${intlGroups.join(' ')}`);
  if (cc === '1' && nationalGroups.length === 3) {
    const [area, exchange, line] = nationalGroups;
    out.add(`(${area})${exchange}-${line}`);
    out.add(`1 (${area}) ${exchange}-${line}`);
    out.add(`+1 (${area}) ${exchange}-${line}`);
    out.add(`1-${area}-${exchange}-${line}`);
    out.add(`1${nsn}`);
  }
  return [...out].filter((value) => value.length > 0);
}

/** Exact re-check: does a stored phone (any format) denote `e164`? Local forms are read in e164's own country. */
export function phoneMatches(stored: string | null | undefined, e164: string): boolean {
  if (!stored) {
    return false;
  }
  const region = parsePhoneNumberFromString(e164)?.country;
  const parsed = parsePhoneNumberFromString(stored, region);
  return parsed?.number === e164;
}

// ---------------------------------------------------------------------------------------------------------------
// People

export function contactProperties(settings: HubspotSettings): string[] {
  return [
    'email',
    'hs_additional_emails',
    'firstname',
    'lastname',
    'phone',
    'mobilephone',
    'company',
    'hs_language',
    'lastmodifieddate',
    'createdate',
    settings.externalIdProperty,
    settings.tierProperty,
  ];
}

export function mapContact(object: HsObject, settings: HubspotSettings): CrmPerson {
  const p = object.properties;
  const firstName = text(p.firstname);
  const lastName = text(p.lastname);
  const locale = text(p.hs_language);
  const familyFirst = locale !== null && /^(ja|zh|ko)\b/i.test(locale);
  const parts = familyFirst ? [lastName, firstName] : [firstName, lastName];
  const name = parts.filter((part) => part !== null).join(familyFirst ? '' : ' ') || null;
  const emails = [text(p.email), ...(text(p.hs_additional_emails)?.split(';') ?? [])]
    .map((email) => email?.trim().toLowerCase() ?? '')
    .filter((email, index, all) => email !== '' && all.indexOf(email) === index);
  return {
    id: object.id,
    objectType: 'contacts',
    name,
    firstName,
    lastName,
    emails,
    phones: [text(p.phone), text(p.mobilephone)].filter((phone): phone is string => phone !== null),
    company: text(p.company),
    locale,
    tier: text(p[settings.tierProperty]),
    externalId: text(p[settings.externalIdProperty]),
    updatedAt: toIso(p.lastmodifieddate) ?? toIso(object.updatedAt),
    url: recordUrl(settings, OBJECT_TYPE_IDS.contacts, object.id),
  };
}

/** Contact properties to write for a PersonInput (only what the caller gave; a full name is split on its last space). */
export function personProperties(input: PersonInput): Record<string, string> {
  const out: Record<string, string> = {};
  let first = input.firstName?.trim();
  let last = input.lastName?.trim();
  if (!first && !last && input.name?.trim()) {
    const full = input.name.trim();
    const cut = full.lastIndexOf(' ');
    if (cut > 0) {
      first = full.slice(0, cut).trim();
      last = full.slice(cut + 1).trim();
    } else {
      first = full;
    }
  }
  if (input.email) {
    out.email = input.email.trim().toLowerCase();
  }
  if (first) {
    out.firstname = first;
  }
  if (last) {
    out.lastname = last;
  }
  if (input.phone) {
    out.phone = input.phone.trim();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Notes (hs_note_body is rich text: HTML)

/** Largest property value HubSpot stores ([unverified]: 65,536 characters for text properties). */
export const MAX_PROPERTY_CHARS = 65_536;

const escapeHtml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function renderNote(title: string, body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n').map(escapeHtml).join('<br>');
  return `${title.trim() ? `<p><strong>${escapeHtml(title.trim())}</strong></p>` : ''}<p>${lines}</p>`;
}

/** The title as a bold first paragraph, the body with its line breaks, everything escaped; cut to fit if huge. */
export function noteHtml(title: string, body: string): string {
  let html = renderNote(title, body);
  let kept = body;
  for (let i = 0; i < 8 && html.length > MAX_PROPERTY_CHARS; i += 1) {
    const ratio = MAX_PROPERTY_CHARS / html.length;
    kept = `${kept.slice(0, Math.max(0, Math.floor(kept.length * ratio) - 64))}…`;
    html = renderNote(title, kept);
  }
  return html;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+|#39);/gi, (match: string, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) {
      return String.fromCodePoint(parseInt(lower.slice(2), 16));
    }
    if (lower.startsWith('#')) {
      return String.fromCodePoint(Number(lower.slice(1)));
    }
    return ENTITIES[lower] ?? match;
  });
}

/** HTML note body → plain text (line breaks kept). */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|li|h[1-6])>\s*/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  )
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function noteProperties(): string[] {
  return ['hs_note_body', 'hs_timestamp', 'hubspot_owner_id', 'hs_createdate'];
}

export function mapNote(object: HsObject, contactUrl: string | null): CrmNote {
  const html = text(object.properties.hs_note_body) ?? '';
  const titled = /^\s*<p>\s*<strong>([\s\S]*?)<\/strong>\s*<\/p>([\s\S]*)$/i.exec(html);
  return {
    id: object.id,
    title: titled ? htmlToText(titled[1] ?? '') || null : null,
    body: htmlToText(titled ? (titled[2] ?? '') : html),
    // Owner ids would need the owners API to become names; not worth a call per listing.
    author: null,
    createdAt:
      toIso(object.properties.hs_timestamp) ?? toIso(object.properties.hs_createdate) ?? toIso(object.createdAt),
    // HubSpot notes are only ever shown inside the CRM.
    private: true,
    url: contactUrl,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

export function orderProperties(): string[] {
  return [
    'hs_order_name',
    'hs_external_order_id',
    'hs_total_price',
    'hs_currency_code',
    'hs_pipeline_stage',
    'hs_fulfillment_status',
    'hs_external_created_date',
    'hs_createdate',
  ];
}

export function lineItemProperties(): string[] {
  return ['name', 'hs_sku', 'quantity', 'price'];
}

export function orderPlacedAt(order: HsObject): string | null {
  return (
    toIso(order.properties.hs_external_created_date) ?? toIso(order.properties.hs_createdate) ?? toIso(order.createdAt)
  );
}

export function mapLineItem(item: HsObject): CrmOrderItem {
  return {
    sku: text(item.properties.hs_sku),
    name: text(item.properties.name) ?? '',
    quantity: numberOrNull(item.properties.quantity) ?? 1,
    unitPrice: numberOrNull(item.properties.price),
  };
}

export function mapOrder(order: HsObject, items: HsObject[], settings: HubspotSettings): CrmOrder {
  const p = order.properties;
  const name = text(p.hs_order_name);
  return {
    id: order.id,
    number: text(p.hs_external_order_id) ?? name?.replace(/^Order\s+/i, '') ?? order.id,
    status: text(p.hs_fulfillment_status) ?? text(p.hs_pipeline_stage),
    total: numberOrNull(p.hs_total_price),
    currency: text(p.hs_currency_code),
    placedAt: orderPlacedAt(order),
    items: items.map(mapLineItem),
    url: recordUrl(settings, OBJECT_TYPE_IDS.orders, order.id),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Tickets and pipelines

export interface StageInfo {
  pipelineId: string;
  label: string;
  closed: boolean;
}

export interface TicketPipelines {
  stages: Map<string, StageInfo>;
  /** Stage a new ticket starts in: the first OPEN stage of the chosen (or first) pipeline. */
  initialStage(pipelineId?: string): { pipelineId: string; stageId: string } | undefined;
}

const byOrder = <T extends { displayOrder?: number }>(a: T, b: T): number =>
  (a.displayOrder ?? 0) - (b.displayOrder ?? 0);

const stageClosed = (metadata: Record<string, string | undefined> | undefined): boolean =>
  metadata?.ticketState === 'CLOSED' || metadata?.isClosed === 'true';

export function ticketPipelines(pipelines: HsPipeline[]): TicketPipelines {
  const live = pipelines.filter((p) => !p.archived).sort(byOrder);
  const stages = new Map<string, StageInfo>();
  for (const pipeline of pipelines) {
    for (const stage of pipeline.stages) {
      stages.set(stage.id, {
        pipelineId: pipeline.id,
        label: stage.label ?? stage.id,
        closed: stageClosed(stage.metadata),
      });
    }
  }
  return {
    stages,
    initialStage(pipelineId) {
      const pipeline = pipelineId ? live.find((p) => p.id === pipelineId) : live[0];
      const stage = pipeline?.stages
        .filter((s) => !s.archived)
        .sort(byOrder)
        .find((s) => !stageClosed(s.metadata));
      return pipeline && stage ? { pipelineId: pipeline.id, stageId: stage.id } : undefined;
    },
  };
}

const PRIORITY_TO_HUBSPOT: Record<CasePriority, string> = {
  low: 'LOW',
  normal: 'MEDIUM',
  high: 'HIGH',
  urgent: 'URGENT',
};
const PRIORITY_FROM_HUBSPOT: Record<string, CasePriority> = {
  LOW: 'low',
  MEDIUM: 'normal',
  HIGH: 'high',
  URGENT: 'urgent',
};

export const hubspotPriority = (priority: CasePriority): string => PRIORITY_TO_HUBSPOT[priority];

export function ticketProperties(): string[] {
  return [
    'subject',
    'content',
    'hs_pipeline',
    'hs_pipeline_stage',
    'hs_ticket_priority',
    'createdate',
    'hs_lastmodifieddate',
  ];
}

export function ticketState(stage: StageInfo | undefined): CrmCase['state'] {
  if (stage?.closed) {
    return 'solved';
  }
  return stage && /waiting on (contact|customer)|pending/i.test(stage.label) ? 'pending' : 'open';
}

export function mapTicket(ticket: HsObject, pipelines: TicketPipelines, settings: HubspotSettings): CrmCase {
  const p = ticket.properties;
  const stageId = text(p.hs_pipeline_stage);
  const stage = stageId === null ? undefined : pipelines.stages.get(stageId);
  return {
    id: ticket.id,
    number: ticket.id,
    subject: text(p.subject) ?? '',
    status: stage?.label ?? stageId ?? 'unknown',
    state: ticketState(stage),
    priority: PRIORITY_FROM_HUBSPOT[text(p.hs_ticket_priority)?.toUpperCase() ?? ''] ?? null,
    createdAt: toIso(p.createdate) ?? toIso(ticket.createdAt),
    updatedAt: toIso(p.hs_lastmodifieddate) ?? toIso(ticket.updatedAt),
    url: recordUrl(settings, OBJECT_TYPE_IDS.tickets, ticket.id),
  };
}

/** Ticket `content`: the description, then the transcript, cut to the property limit. */
export function ticketContent(description: string, transcript: string | undefined): string {
  const full = transcript?.trim() ? `${description}\n\n--- Chat transcript ---\n${transcript}` : description;
  return full.length > MAX_PROPERTY_CHARS ? `${full.slice(0, MAX_PROPERTY_CHARS - 1)}…` : full;
}

// ---------------------------------------------------------------------------------------------------------------
// Incremental changes: an opaque cursor of two time-ordered streams (contacts, tickets)

export interface StreamCursor {
  /** Modification time (epoch ms) the next search starts at (GTE). */
  t: number;
  /** Ids already emitted whose modification time is exactly `t`. */
  skip: string[];
  /** Offset inside one millisecond full of changes (only when a whole page shares `t`). */
  after?: number;
}

export interface ChangeCursor {
  contacts: StreamCursor;
  tickets: StreamCursor;
}

/** HubSpot search never pages past 10,000 results for one query. */
export const SEARCH_RESULT_CAP = 10_000;
const CURSOR_PREFIX = 'hs1.';

export function encodeCursor(cursor: ChangeCursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function validStream(value: unknown): value is StreamCursor {
  const s = value as Partial<StreamCursor> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.t === 'number' &&
    Number.isSafeInteger(s.t) &&
    Array.isArray(s.skip) &&
    s.skip.every((id) => typeof id === 'string') &&
    (s.after === undefined || (Number.isSafeInteger(s.after) && s.after >= 0 && s.after < SEARCH_RESULT_CAP))
  );
}

/** Undefined when the string is not a cursor this connector wrote. */
export function decodeCursor(raw: string): ChangeCursor | undefined {
  if (!raw.startsWith(CURSOR_PREFIX)) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(Buffer.from(raw.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as unknown;
    const c = parsed as Partial<ChangeCursor>;
    return validStream(c.contacts) && validStream(c.tickets) ? { contacts: c.contacts, tickets: c.tickets } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One page of a stream searched with `modified GTE cursor.t`, ascending, `after = cursor.after`. Returns the ids to
 * emit and the cursor after them. The time cursor moves forward whenever the page reaches a later millisecond, so
 * the search's 10,000-result paging cap is never approached; `after` is only used while a full page sits in one
 * millisecond, and if even that nears the cap the cursor steps 1 ms on (documented loss: > 10,000 writes in 1 ms).
 */
export function advanceStream(
  cursor: StreamCursor,
  page: Array<{ id: string; modifiedMs: number }>,
  hasNext: boolean,
  limit: number,
): { emit: string[]; next: StreamCursor; hasMore: boolean } {
  const skip = new Set(cursor.skip);
  const emit = page.filter((r) => !(r.modifiedMs === cursor.t && skip.has(r.id))).map((r) => r.id);
  const maxT = page.reduce((max, r) => Math.max(max, r.modifiedMs), cursor.t);
  if (maxT > cursor.t) {
    const atMax = page.filter((r) => r.modifiedMs === maxT).map((r) => r.id);
    return { emit, next: { t: maxT, skip: atMax }, hasMore: hasNext };
  }
  // Everything on the page is at cursor.t.
  const seen = [...new Set([...cursor.skip, ...page.map((r) => r.id)])];
  if (!hasNext) {
    return { emit, next: { t: cursor.t, skip: seen }, hasMore: false };
  }
  const after = (cursor.after ?? 0) + limit;
  if (after + limit > SEARCH_RESULT_CAP) {
    return { emit, next: { t: cursor.t + 1, skip: [] }, hasMore: true };
  }
  return { emit, next: { t: cursor.t, skip: seen.slice(-1000), after }, hasMore: true };
}

export function contactChange(object: HsObject): ChangeEvent {
  const modified = toIso(object.properties.lastmodifieddate) ?? toIso(object.updatedAt) ?? new Date(0).toISOString();
  return {
    kind: 'person.changed',
    recordId: object.id,
    personId: object.id,
    occurredAt: modified,
    eventId: `contact:${object.id}:${Date.parse(modified)}`,
    summary: null,
  };
}

export function ticketChange(object: HsObject, pipelines: TicketPipelines, personId: string | null): ChangeEvent {
  const modified = toIso(object.properties.hs_lastmodifieddate) ?? toIso(object.updatedAt) ?? new Date(0).toISOString();
  const stageId = text(object.properties.hs_pipeline_stage);
  const stage = stageId === null ? undefined : pipelines.stages.get(stageId);
  return {
    kind: stage?.closed ? 'case.solved' : 'case.updated',
    recordId: object.id,
    personId,
    occurredAt: modified,
    eventId: `ticket:${object.id}:${Date.parse(modified)}`,
    summary: stage?.label ?? stageId,
    ...(stage ? { caseState: stage.closed ? ('solved' as const) : ('open' as const) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks (v3 subscriptions: a JSON array of events)

const CONTACT_TYPES = new Set(['contact', '0-1']);
const TICKET_TYPES = new Set(['ticket', '0-5']);

function eventTarget(event: HsWebhookEvent): { type: 'contact' | 'ticket' | undefined; action: string } {
  const [prefix = '', action = ''] = (event.subscriptionType ?? '').split('.');
  const type = prefix === 'object' ? (event.objectTypeId ?? '') : prefix;
  return { type: CONTACT_TYPES.has(type) ? 'contact' : TICKET_TYPES.has(type) ? 'ticket' : undefined, action };
}

/** Whether mapping these events needs the ticket pipelines (to tell a closing stage change). */
export function webhookNeedsPipelines(events: HsWebhookEvent[]): boolean {
  return events.some((e) => eventTarget(e).type === 'ticket' && e.propertyName === 'hs_pipeline_stage');
}

/**
 * contact.* → person.changed; ticket.propertyChange on hs_pipeline_stage → case.solved when the new stage is closed,
 * otherwise case.updated; other ticket events → case.updated. Unknown subscription types are ignored.
 */
export function mapWebhookEvents(events: HsWebhookEvent[], pipelines: TicketPipelines | undefined): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  for (const event of events) {
    const { type, action } = eventTarget(event);
    const objectId = event.objectId === undefined ? '' : String(event.objectId);
    if (!type || !/^\d+$/.test(objectId)) {
      continue;
    }
    const occurredAt = new Date(typeof event.occurredAt === 'number' ? event.occurredAt : Date.now()).toISOString();
    const eventId = event.eventId === undefined ? null : String(event.eventId);
    if (type === 'contact') {
      out.push({ kind: 'person.changed', recordId: objectId, personId: objectId, occurredAt, eventId, summary: null });
      continue;
    }
    let kind: ChangeEvent['kind'] = 'case.updated';
    let summary: string | null = action === 'deletion' ? 'deleted' : null;
    let caseState: ChangeEvent['caseState'];
    if (event.propertyName === 'hs_pipeline_stage' && event.propertyValue) {
      const stage = pipelines?.stages.get(event.propertyValue);
      kind = stage?.closed ? 'case.solved' : 'case.updated';
      summary = stage?.label ?? event.propertyValue;
      caseState = stage ? (stage.closed ? 'solved' : 'open') : undefined;
    }
    out.push({
      kind,
      recordId: objectId,
      personId: null,
      occurredAt,
      eventId,
      summary,
      ...(caseState ? { caseState } : {}),
    });
  }
  return out;
}
