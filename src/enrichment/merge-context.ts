import type { ConnectorKind } from '../connectors/connector-kinds';
import type { CasePriority, CrmCase, CrmNote, CrmOrder, CrmPerson } from '../connectors/crm.types';
import type {
  ContextCase,
  ContextContact,
  ContextHistoryItem,
  ContextNote,
  ContextOrder,
  ContextRecord,
  ContextSource,
  Provenance,
  SourceStatus,
  Sourced,
  VisitorContext,
} from './enrichment.types';
import { matchReferencedOrder } from './order-reference';

export interface SourceResult {
  matches: Array<{ person: CrmPerson; matchedBy: ContextRecord['matchedBy'] }>;
  /** The caller's pick among matches (the most recently updated when ambiguous). */
  chosen: CrmPerson | null;
  orders: CrmOrder[];
  notes: CrmNote[];
  openCases: CrmCase[];
}

export interface MergeSource {
  connector: { id: string; kind: ConnectorKind; name: string };
  status: SourceStatus;
  latencyMs: number | null;
  fetchedAt: string | null;
  error: string | null;
  /** Absent when the connector did not answer (timeout, error); a stale cached answer still counts. */
  result?: SourceResult;
}

export interface MergeContextInput {
  /** In connector priority order: earlier sources win field conflicts. */
  sources: MergeSource[];
  /** The visitor's opening message, searched for an order number. */
  message?: string;
  /** Earlier chats, newest first (passed through). */
  history: ContextHistoryItem[];
  now: Date;
}

type Found = { source: MergeSource; person: CrmPerson };

const AMBIGUOUS_CONFIDENCE = 0.5;
const UNIQUE_CONFIDENCE = 1;

/**
 * Tiers that mean "treat as VIP". These are the top rungs CRMs' loyalty/tier fields commonly use; a workspace
 * with other names would need configuration. Any source saying so is enough: failing to recognise a VIP costs
 * more than treating a regular customer well.
 */
const VIP_TIERS = new Set(['vip', 'platinum', 'gold']);

const PRIORITY_RANK: Record<CasePriority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
const NO_PRIORITY_RANK = 4;

/**
 * Builds one agent-facing context from every connector's answer. Pure: same input, same output. Records are kept
 * one per CRM and never merged — two candidates in one CRM may be two different people, and the agent decides.
 */
export function mergeContext(input: MergeContextInput): Omit<VisitorContext, 'cache'> {
  const found = foundPeople(input.sources);
  const orders = newestFirst(input.sources.flatMap(ordersOf), (order) => order.placedAt);
  const referencedOrder = input.message === undefined ? null : matchReferencedOrder(input.message, orders);
  return {
    contact: found.length === 0 ? null : mergeContact(found),
    records: found.map(recordOf),
    orders: referencedOrder ? [referencedOrder, ...orders.filter((order) => order !== referencedOrder)] : orders,
    referencedOrder,
    notes: newestFirst(input.sources.flatMap(notesOf), (note) => note.createdAt),
    openCases: mostUrgentFirst(input.sources.flatMap(openCasesOf)),
    history: input.history,
    sources: input.sources.map(sourceOf),
    generatedAt: input.now.toISOString(),
  };
}

function foundPeople(sources: MergeSource[]): Found[] {
  return sources.flatMap((source) => (source.result?.chosen ? [{ source, person: source.result.chosen }] : []));
}

function provenance(source: MergeSource, recordId: string): Provenance {
  return { connectorId: source.connector.id, kind: source.connector.kind, recordId };
}

// --- records ------------------------------------------------------------------------------------------------------

function recordOf({ source, person }: Found): ContextRecord {
  const matches = uniqueById(source.result?.matches ?? []);
  const candidates = matches.filter((match) => match.person.id !== person.id).map((match) => match.person);
  const ambiguous = candidates.length > 0;
  return {
    connectorId: source.connector.id,
    kind: source.connector.kind,
    object: person.objectType,
    id: person.id,
    url: person.url,
    // A chosen person that no search returned came from a stored identity link.
    matchedBy: matches.find((match) => match.person.id === person.id)?.matchedBy ?? 'link',
    confidence: ambiguous ? AMBIGUOUS_CONFIDENCE : UNIQUE_CONFIDENCE,
    ambiguous,
    candidates: candidates.map((candidate) => ({
      id: candidate.id,
      name: displayName(candidate),
      updatedAt: candidate.updatedAt,
      url: candidate.url,
    })),
  };
}

/** The same record found by two identifiers (email and phone) is one match, not an ambiguity. */
function uniqueById<T extends { person: CrmPerson }>(matches: T[]): T[] {
  const byId = new Map<string, T>();
  for (const match of matches) {
    if (!byId.has(match.person.id)) {
      byId.set(match.person.id, match);
    }
  }
  return [...byId.values()];
}

// --- contact ------------------------------------------------------------------------------------------------------

function mergeContact(found: Found[]): ContextContact {
  return {
    name: firstSourced(found, displayName),
    emails: uniqueSourced(
      found,
      (person) => person.emails,
      (email) => email.toLowerCase(),
    ),
    phones: uniqueSourced(
      found,
      (person) => person.phones,
      (phone) => phone.replace(/\D/g, ''),
    ),
    company: firstSourced(found, (person) => person.company),
    locale: firstSourced(found, (person) => person.locale),
    tier: firstSourced(found, (person) => person.tier),
    vip: found.some(({ person }) => isVipTier(person.tier)),
  };
}

/** The first source (in priority order) with a non-blank value wins the whole field. */
function firstSourced(found: Found[], pick: (person: CrmPerson) => string | null): Sourced<string> | null {
  for (const { source, person } of found) {
    const value = pick(person)?.trim();
    if (value) {
      return { value, source: provenance(source, person.id) };
    }
  }
  return null;
}

/** Every distinct value across sources, each credited to the first source that has it. */
function uniqueSourced(
  found: Found[],
  pick: (person: CrmPerson) => string[],
  sameKey: (value: string) => string,
): Array<Sourced<string>> {
  const seen = new Set<string>();
  const merged: Array<Sourced<string>> = [];
  for (const { source, person } of found) {
    for (const raw of pick(person)) {
      const value = raw.trim();
      const key = sameKey(value);
      if (key !== '' && !seen.has(key)) {
        seen.add(key);
        merged.push({ value, source: provenance(source, person.id) });
      }
    }
  }
  return merged;
}

/**
 * The full name, or one composed from its parts. Japanese (and Chinese, Korean) names are written family name
 * first, so "山田" + "太郎" reads "山田 太郎", while "Ada" + "Lovelace" reads "Ada Lovelace".
 */
function displayName(person: CrmPerson): string | null {
  const full = person.name?.trim();
  if (full) {
    return full;
  }
  const first = person.firstName?.trim() ?? '';
  const last = person.lastName?.trim() ?? '';
  const parts = writesFamilyNameFirst(`${last}${first}`) ? [last, first] : [first, last];
  const composed = parts.filter((part) => part !== '').join(' ');
  return composed === '' ? null : composed;
}

function writesFamilyNameFirst(name: string): boolean {
  return /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(name);
}

function isVipTier(tier: string | null): boolean {
  return tier !== null && VIP_TIERS.has(tier.trim().toLowerCase());
}

// --- orders, notes, cases -----------------------------------------------------------------------------------------

function ordersOf(source: MergeSource): ContextOrder[] {
  return (source.result?.orders ?? []).map((order) => ({
    id: order.id,
    number: order.number,
    status: order.status,
    total: order.total,
    currency: order.currency,
    placedAt: order.placedAt,
    items: order.items.map((item) => ({ ...item })),
    url: order.url,
    source: provenance(source, order.id),
  }));
}

function notesOf(source: MergeSource): ContextNote[] {
  return (source.result?.notes ?? []).map((note) => ({
    id: note.id,
    title: note.title,
    body: note.body,
    author: note.author,
    createdAt: note.createdAt,
    private: note.private,
    url: note.url,
    source: provenance(source, note.id),
  }));
}

/** Solved and closed cases are history, not something the agent must act on. */
function openCasesOf(source: MergeSource): ContextCase[] {
  return (source.result?.openCases ?? [])
    .filter((crmCase) => crmCase.state === 'open' || crmCase.state === 'pending')
    .map((crmCase) => ({
      id: crmCase.id,
      number: crmCase.number,
      subject: crmCase.subject,
      status: crmCase.status,
      state: crmCase.state,
      priority: crmCase.priority,
      createdAt: crmCase.createdAt,
      url: crmCase.url,
      source: provenance(source, crmCase.id),
    }));
}

/** Newest first; undated (or unparseable) last. Stable, so ties keep source priority order. */
function newestFirst<T>(items: T[], dateOf: (item: T) => string | null): T[] {
  return [...items].sort((a, b) => compareNullsLast(timeOf(dateOf(a)), timeOf(dateOf(b)), 'descending'));
}

/**
 * Priority first; within one priority the longest-waiting case on top: it is the likeliest reason the customer
 * is writing again, and the closest to breaching its SLA.
 */
function mostUrgentFirst(cases: ContextCase[]): ContextCase[] {
  return [...cases].sort(
    (a, b) =>
      priorityRank(a.priority) - priorityRank(b.priority) ||
      compareNullsLast(timeOf(a.createdAt), timeOf(b.createdAt), 'ascending'),
  );
}

function priorityRank(priority: CasePriority | null): number {
  return priority === null ? NO_PRIORITY_RANK : PRIORITY_RANK[priority];
}

function timeOf(iso: string | null): number | null {
  if (iso === null) {
    return null;
  }
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : time;
}

/** Unknown times sort after every known one, whichever the direction. */
function compareNullsLast(a: number | null, b: number | null, direction: 'ascending' | 'descending'): number {
  if (a === null || b === null) {
    return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  }
  return direction === 'ascending' ? a - b : b - a;
}

function sourceOf(source: MergeSource): ContextSource {
  return {
    connectorId: source.connector.id,
    kind: source.connector.kind,
    name: source.connector.name,
    status: source.status,
    latencyMs: source.latencyMs,
    fetchedAt: source.fetchedAt,
    error: source.error,
  };
}
