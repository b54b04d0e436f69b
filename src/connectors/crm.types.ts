import type { ConnectorErrorCode } from './connector.errors';

/**
 * The service's vendor-neutral view of CRM data. Mappers in each connector folder translate to and from these;
 * nothing outside src/connectors knows a vendor's field names.
 */

/** Normalised identifiers: email trimmed and lower-cased, phone in E.164. */
export interface PersonIdentifiers {
  externalId?: string;
  email?: string;
  phone?: string;
}

export type MatchedBy = 'external_id' | 'email' | 'phone';

export interface CrmPerson {
  id: string;
  /** Vendor object it lives in (Contact, contacts, users, Contacts). */
  objectType: string;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  emails: string[];
  /** As stored in the CRM (not necessarily E.164). */
  phones: string[];
  company: string | null;
  locale: string | null;
  /** VIP / tier where the CRM has such a field. */
  tier: string | null;
  externalId: string | null;
  updatedAt: string | null;
  /** Deep link an agent can open. */
  url: string | null;
}

export interface PersonMatch {
  person: CrmPerson;
  matchedBy: MatchedBy;
}

export interface PersonInput {
  externalId?: string;
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  /** Full name when first/last are unknown. */
  name?: string;
}

export interface CrmOrderItem {
  sku: string | null;
  name: string;
  quantity: number;
  unitPrice: number | null;
}

export interface CrmOrder {
  id: string;
  /** The number a customer would quote ("245-12784", "10023", "SO-2024-0042"). */
  number: string;
  status: string | null;
  total: number | null;
  currency: string | null;
  placedAt: string | null;
  items: CrmOrderItem[];
  url: string | null;
}

export interface CrmNote {
  id: string;
  title: string | null;
  body: string;
  author: string | null;
  createdAt: string | null;
  /** Internal note, not visible to the customer. */
  private: boolean;
  url: string | null;
}

export type CasePriority = 'low' | 'normal' | 'high' | 'urgent';

export interface CrmCase {
  id: string;
  number: string | null;
  subject: string;
  /** Vendor status as the CRM shows it. */
  status: string;
  /** Unified status. */
  state: 'open' | 'pending' | 'solved' | 'closed';
  priority: CasePriority | null;
  createdAt: string | null;
  updatedAt: string | null;
  url: string | null;
}

export interface CaseInput {
  personId: string;
  subject: string;
  description: string;
  priority: CasePriority;
  /** Full transcript text, attached to the case (as a comment, description section or note per CRM). */
  transcript?: string;
  /** Same key → the same case, never a second one (across retries and restarts). */
  idempotencyKey: string;
}

export interface NoteInput {
  personId: string;
  title: string;
  body: string;
  /** Internal (agent-only) note where the CRM distinguishes. */
  internal: boolean;
  /** Same key → the same record, never a second one. */
  idempotencyKey: string;
}

export interface RecordRef {
  id: string;
  objectType: string;
  url: string | null;
  /** False when the idempotency key or unique key found an existing record. */
  created: boolean;
}

/** Per-record result of a batch call: success or a classified failure for that record only. */
export type BatchOutcome<T> =
  { ok: true; value: T } | { ok: false; error: { code: ConnectorErrorCode; message: string } };

export type ChangeKind = 'person.changed' | 'case.updated' | 'case.solved' | 'case.agent_replied';

export interface ChangeEvent {
  kind: ChangeKind;
  recordId: string;
  personId: string | null;
  occurredAt: string;
  /** Vendor event id when it has one (dedupe). */
  eventId: string | null;
  /** For agent replies: the public reply text; for case changes: the new status. */
  summary: string | null;
  /**
   * Case changes: the case's state when the change tells it (a status or stage the connector knows), so a solved
   * case reopened in the CRM is open again here. Absent when the change does not say.
   */
  caseState?: 'open' | 'solved';
}

export interface ChangePage {
  changes: ChangeEvent[];
  /** Opaque cursor to save after processing this page. */
  cursor: string;
  hasMore: boolean;
}

export interface WebhookRequest {
  method: string;
  /** The URL the CRM called, as it saw it (signatures cover it for HubSpot). */
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}
