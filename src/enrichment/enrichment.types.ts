import type { ConnectorKind } from '../connectors/connector-kinds';
import type { CasePriority, MatchedBy } from '../connectors/crm.types';

/** Where a value came from: which connector (and CRM record) said so. */
export interface Provenance {
  connectorId: string;
  kind: ConnectorKind;
  recordId: string;
}

export interface Sourced<T> {
  value: T;
  source: Provenance;
}

export interface ContextContact {
  name: Sourced<string> | null;
  emails: Array<Sourced<string>>;
  phones: Array<Sourced<string>>;
  company: Sourced<string> | null;
  locale: Sourced<string> | null;
  tier: Sourced<string> | null;
  vip: boolean;
}

export interface ContextRecord {
  connectorId: string;
  kind: ConnectorKind;
  object: string;
  id: string;
  url: string | null;
  matchedBy: MatchedBy | 'link' | 'created';
  /** 1 for an exact unique match; lower when ambiguous. */
  confidence: number;
  ambiguous: boolean;
  candidates: Array<{ id: string; name: string | null; updatedAt: string | null; url: string | null }>;
}

export interface ContextOrder {
  id: string;
  number: string;
  status: string | null;
  total: number | null;
  currency: string | null;
  placedAt: string | null;
  items: Array<{ sku: string | null; name: string; quantity: number; unitPrice: number | null }>;
  url: string | null;
  source: Provenance;
}

export interface ContextNote {
  id: string;
  title: string | null;
  body: string;
  author: string | null;
  createdAt: string | null;
  private: boolean;
  url: string | null;
  source: Provenance;
}

export interface ContextCase {
  id: string;
  number: string | null;
  subject: string;
  status: string;
  state: 'open' | 'pending' | 'solved' | 'closed';
  priority: CasePriority | null;
  createdAt: string | null;
  url: string | null;
  source: Provenance;
}

export interface ContextHistoryItem {
  sessionId: string;
  externalId: string;
  startedAt: string;
  closedAt: string | null;
  channel: string;
  tags: string[];
  csat: { rating: number; scale: number } | null;
  summary: string | null;
}

export type SourceStatus = 'ok' | 'timeout' | 'error' | 'rate_limited' | 'unsupported' | 'stale';

export interface ContextSource {
  connectorId: string;
  kind: ConnectorKind;
  name: string;
  status: SourceStatus;
  latencyMs: number | null;
  fetchedAt: string | null;
  /** Error code from the closed set, when status is error / rate_limited / timeout. */
  error: string | null;
}

export interface VisitorContext {
  contact: ContextContact | null;
  records: ContextRecord[];
  orders: ContextOrder[];
  referencedOrder: ContextOrder | null;
  notes: ContextNote[];
  openCases: ContextCase[];
  history: ContextHistoryItem[];
  sources: ContextSource[];
  generatedAt: string;
  cache: { hit: boolean; stale: boolean; ageMs: number };
}
