/**
 * The subset of Zendesk's search query language the sandbox understands
 * (https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/ and the Zendesk Support search
 * reference, support article 203663226):
 *
 *   query    := term (WS term)*
 *   term     := ['-'] ( field op value | value )
 *   op       := ':' | '<' | '>' | '<=' | '>='
 *   value    := '"' chars-with-\"-and-\\-escapes '"' | bare-run-without-whitespace
 *
 * Terms are ANDed; repeated `field:value` terms of the same field are ORed ("status:open status:pending"), as Zendesk
 * does for multiple values of one property. A trailing `*` on an unquoted value is a prefix wildcard; quoted values are
 * always literal. Values are only ever compared as strings, never turned into patterns, so a hostile value such as
 * `email:"a\" type:user"` searches for that literal text and cannot add conditions.
 */

export type Operator = ':' | '<' | '>' | '<=' | '>=';

export interface Term {
  negated: boolean;
  /** Lower-cased field name; undefined for free-text terms. */
  field?: string;
  op: Operator;
  value: string;
  quoted: boolean;
}

export class SearchSyntaxError extends Error {}

const FIELD_START = /[A-Za-z_]/;
const FIELD_CHAR = /[A-Za-z0-9_.]/;

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/** Reads a quoted string starting at `start` (the opening quote). Returns the unescaped value and the index after it. */
function readQuoted(input: string, start: number): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i];
    if (ch === '\\' && i + 1 < input.length) {
      const next = input[i + 1];
      // Only the quote and the backslash are escapable; any other backslash is literal text.
      if (next === '"' || next === '\\') {
        out += next;
        i += 2;
        continue;
      }
      out += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      const end = i + 1;
      if (end < input.length && !isSpace(input[end])) {
        throw new SearchSyntaxError(`Unexpected character after quoted phrase at position ${end}`);
      }
      return { value: out, end };
    }
    out += ch;
    i += 1;
  }
  throw new SearchSyntaxError(`Unterminated quoted phrase starting at position ${start}`);
}

function readBare(input: string, start: number): { value: string; end: number } {
  let i = start;
  while (i < input.length && !isSpace(input[i])) {
    i += 1;
  }
  return { value: input.slice(start, i), end: i };
}

export function parseQuery(input: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < input.length) {
    if (isSpace(input[i])) {
      i += 1;
      continue;
    }
    let negated = false;
    if (input[i] === '-' && i + 1 < input.length && !isSpace(input[i + 1])) {
      negated = true;
      i += 1;
    }
    if (input[i] === '"') {
      const { value, end } = readQuoted(input, i);
      terms.push({ negated, op: ':', value, quoted: true });
      i = end;
      continue;
    }
    // Try `field op value`.
    let j = i;
    if (FIELD_START.test(input[j] ?? '')) {
      while (j < input.length && FIELD_CHAR.test(input[j])) {
        j += 1;
      }
    }
    const opMatch = j > i ? /^(<=|>=|:|<|>)/.exec(input.slice(j)) : null;
    if (opMatch) {
      const field = input.slice(i, j).toLowerCase();
      const op = opMatch[1] as Operator;
      const valueStart = j + op.length;
      if (valueStart >= input.length || isSpace(input[valueStart])) {
        throw new SearchSyntaxError(`Missing value for "${field}${op}"`);
      }
      const { value, end } = input[valueStart] === '"' ? readQuoted(input, valueStart) : readBare(input, valueStart);
      terms.push({ negated, field, op, value, quoted: input[valueStart] === '"' });
      i = end;
      continue;
    }
    const { value, end } = readBare(input, i);
    terms.push({ negated, op: ':', value, quoted: false });
    i = end;
  }
  return terms;
}

// --- evaluation ----------------------------------------------------------------------------------------------------

export type ResultType = 'ticket' | 'user' | 'organization' | 'group';

export interface UserView {
  id: number;
  name: string;
  emails: string[];
  phone: string | null;
  phoneE164: string | null;
  externalId: string | null;
  role: string;
  tags: string[];
  notes: string;
  details: string;
  organizationId: number | null;
  organizationName: string | null;
  userFields: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface TicketView {
  id: number;
  status: string;
  priority: string | null;
  type: string | null;
  subject: string;
  description: string;
  commentBodies: string[];
  tags: string[];
  externalId: string | null;
  requester: UserView | undefined;
  assignee: UserView | undefined;
  submitter: UserView | undefined;
  organizationId: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface OrganizationView {
  id: number;
  name: string;
  externalId: string | null;
  tags: string[];
  createdAt: number;
  updatedAt: number;
}

const STATUS_ORDER = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITY_ORDER = ['low', 'normal', 'high', 'urgent'];

const lower = (s: string): string => s.toLocaleLowerCase('en-US');

/** Exact or (unquoted trailing `*`) prefix comparison, case-insensitive. */
function textEquals(actual: string | null | undefined, term: Term): boolean {
  if (actual === null || actual === undefined) {
    return false;
  }
  const a = lower(actual);
  const v = lower(term.value);
  if (!term.quoted && v.endsWith('*') && v.length > 1) {
    return a.startsWith(v.slice(0, -1));
  }
  return a === v;
}

function textContains(actual: string | null | undefined, term: Term): boolean {
  if (actual === null || actual === undefined) {
    return false;
  }
  let v = lower(term.value);
  if (!term.quoted && v.endsWith('*') && v.length > 1) {
    v = v.slice(0, -1);
  }
  return v.length > 0 && lower(actual).includes(v);
}

const digits = (s: string): string => s.replace(/\D/g, '');

function phoneMatches(user: UserView, raw: string): boolean {
  const q = digits(raw);
  if (q.length < 4) {
    return false;
  }
  const stored = [user.phone, user.phoneE164].filter((p): p is string => !!p).map(digits);
  return stored.includes(q);
}

/** Looks like a phone number typed into a free-text search ("+1 555 123 4567", "090-1234-5678"). */
const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/;

function compareOrdinal(order: string[], actual: string | null, term: Term): boolean {
  if (actual === null) {
    return false;
  }
  const a = order.indexOf(actual);
  const v = order.indexOf(lower(term.value));
  if (a < 0 || v < 0) {
    return false;
  }
  switch (term.op) {
    case ':':
      return a === v;
    case '<':
      return a < v;
    case '>':
      return a > v;
    case '<=':
      return a <= v;
    case '>=':
      return a >= v;
  }
}

/** Dates as YYYY-MM-DD (whole UTC day) or full ISO 8601. */
function compareDate(actualMs: number, term: Term): boolean {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(term.value);
  const parsed = Date.parse(dayOnly ? `${term.value}T00:00:00Z` : term.value);
  if (Number.isNaN(parsed)) {
    return false;
  }
  const end = dayOnly ? parsed + 86_400_000 : parsed + 1000;
  switch (term.op) {
    case ':':
      return actualMs >= parsed && actualMs < end;
    case '<':
      return actualMs < parsed;
    case '>':
      return actualMs >= end;
    case '<=':
      return actualMs < end;
    case '>=':
      return actualMs >= parsed;
  }
}

function userRefMatches(user: UserView | undefined, term: Term): boolean {
  if (!user) {
    return lower(term.value) === 'none';
  }
  if (/^\d+$/.test(term.value)) {
    return String(user.id) === term.value;
  }
  if (term.value.includes('@')) {
    return user.emails.some((e) => textEquals(e, term));
  }
  return textContains(user.name, term);
}

function userTermMatches(user: UserView, term: Term): boolean {
  switch (term.field) {
    case undefined: {
      if (PHONE_LIKE.test(term.value) && phoneMatches(user, term.value)) {
        return true;
      }
      return (
        textContains(user.name, term) ||
        user.emails.some((e) => textContains(e, term)) ||
        textEquals(user.externalId, term) ||
        textContains(user.notes, term) ||
        textContains(user.details, term)
      );
    }
    case 'email':
      return user.emails.some((e) => textEquals(e, term));
    case 'phone':
      return phoneMatches(user, term.value);
    case 'external_id':
      return textEquals(user.externalId, term);
    case 'name':
      return textContains(user.name, term);
    case 'role':
      return textEquals(user.role, term);
    case 'tags':
    case 'tag':
      return user.tags.some((t) => textEquals(t, term));
    case 'notes':
      return textContains(user.notes, term);
    case 'details':
      return textContains(user.details, term);
    case 'organization':
    case 'organization_id':
      return /^\d+$/.test(term.value)
        ? String(user.organizationId) === term.value
        : textContains(user.organizationName, term);
    case 'created':
    case 'created_at':
      return compareDate(user.createdAt, term);
    case 'updated':
    case 'updated_at':
      return compareDate(user.updatedAt, term);
    default: {
      // Custom user fields are searchable by key ("customer_tier:vip").
      const value = user.userFields[term.field];
      return (
        value !== undefined &&
        value !== null &&
        textEquals(typeof value === 'string' ? value : JSON.stringify(value), term)
      );
    }
  }
}

function ticketTermMatches(ticket: TicketView, term: Term): boolean {
  switch (term.field) {
    case undefined:
      if (/^\d+$/.test(term.value) && String(ticket.id) === term.value) {
        return true;
      }
      return (
        textContains(ticket.subject, term) ||
        textContains(ticket.description, term) ||
        ticket.commentBodies.some((b) => textContains(b, term))
      );
    case 'status':
      return compareOrdinal(STATUS_ORDER, ticket.status, term);
    case 'priority':
      return compareOrdinal(PRIORITY_ORDER, ticket.priority, term);
    case 'ticket_type':
      return textEquals(ticket.type, term);
    case 'subject':
      return textContains(ticket.subject, term);
    case 'description':
    case 'comment':
      return textContains(ticket.description, term) || ticket.commentBodies.some((b) => textContains(b, term));
    case 'tags':
    case 'tag':
      return ticket.tags.some((t) => textEquals(t, term));
    case 'external_id':
      return textEquals(ticket.externalId, term);
    case 'requester':
      return userRefMatches(ticket.requester, term);
    case 'requester_id':
      return String(ticket.requester?.id) === term.value;
    case 'assignee':
      return userRefMatches(ticket.assignee, term);
    case 'assignee_id':
      return String(ticket.assignee?.id) === term.value;
    case 'submitter':
      return userRefMatches(ticket.submitter, term);
    case 'organization':
    case 'organization_id':
      return String(ticket.organizationId) === term.value;
    case 'created':
    case 'created_at':
      return compareDate(ticket.createdAt, term);
    case 'updated':
    case 'updated_at':
      return compareDate(ticket.updatedAt, term);
    default:
      return false;
  }
}

function organizationTermMatches(org: OrganizationView, term: Term): boolean {
  switch (term.field) {
    case undefined:
    case 'name':
      return textContains(org.name, term);
    case 'external_id':
      return textEquals(org.externalId, term);
    case 'tags':
    case 'tag':
      return org.tags.some((t) => textEquals(t, term));
    case 'created':
    case 'created_at':
      return compareDate(org.createdAt, term);
    case 'updated':
    case 'updated_at':
      return compareDate(org.updatedAt, term);
    default:
      return false;
  }
}

export interface CompiledQuery {
  /** Result types the query allows (`type:` terms); null = every type. */
  types: Set<ResultType> | null;
  matchUser(user: UserView): boolean;
  matchTicket(ticket: TicketView): boolean;
  matchOrganization(org: OrganizationView): boolean;
}

const RESULT_TYPES: ReadonlySet<string> = new Set(['ticket', 'user', 'organization', 'group']);

export function compileQuery(input: string): CompiledQuery {
  const terms = parseQuery(input);
  let types: Set<ResultType> | null = null;
  const rest: Term[] = [];
  for (const term of terms) {
    if (term.field === 'type' && term.op === ':' && !term.negated) {
      const t = lower(term.value);
      if (!RESULT_TYPES.has(t)) {
        throw new SearchSyntaxError(`Unknown type "${term.value}"`);
      }
      types ??= new Set();
      types.add(t as ResultType);
    } else {
      rest.push(term);
    }
  }
  // Group positive `field:value` terms per field (ORed); everything else is its own AND clause.
  const groups: Term[][] = [];
  const byField = new Map<string, Term[]>();
  for (const term of rest) {
    if (term.field !== undefined && term.op === ':' && !term.negated) {
      const group = byField.get(term.field);
      if (group) {
        group.push(term);
        continue;
      }
      const fresh = [term];
      byField.set(term.field, fresh);
      groups.push(fresh);
    } else {
      groups.push([term]);
    }
  }
  const evaluate =
    <T>(match: (record: T, term: Term) => boolean) =>
    (record: T): boolean =>
      groups.every((group) => {
        const hit = group.some((term) => match(record, term));
        return group[0]?.negated ? !hit : hit;
      });
  return {
    types,
    matchUser: evaluate(userTermMatches),
    matchTicket: evaluate(ticketTermMatches),
    matchOrganization: evaluate(organizationTermMatches),
  };
}
