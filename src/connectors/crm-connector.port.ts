import type { ConnectorDescriptor } from './connector-descriptor';
import type { ConnectorKind } from './connector-kinds';
import type {
  BatchOutcome,
  CaseInput,
  ChangeEvent,
  ChangePage,
  CrmCase,
  CrmNote,
  CrmOrder,
  CrmPerson,
  NoteInput,
  PersonIdentifiers,
  PersonInput,
  PersonMatch,
  RecordRef,
  WebhookRequest,
} from './crm.types';

/** What an OAuth refresh returns; the token manager persists it (encrypted) and hands tokens to calls. */
export interface TokenGrant {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Present when the CRM rotated the refresh token (Salesforce rotation, Zendesk): must replace the old one. */
  refreshToken?: string;
  /** Salesforce instance_url / Zoho api_domain: where API calls go from now on. */
  apiBaseUrl?: string;
}

/**
 * Tokens for one connector, single-flight: however many calls ask at once (in this process or across instances),
 * one refresh happens per expiry.
 */
export interface AuthSession<Credentials = Record<string, unknown>> {
  /** Current credentials with a usable access token (refreshed first if it is about to expire). */
  current(): Promise<Credentials & { accessToken?: string; apiBaseUrl?: string }>;
  /** The CRM rejected `rejectedAccessToken` (401): refresh once (unless someone already did) and return fresh credentials. */
  afterRejection(rejectedAccessToken: string): Promise<Credentials & { accessToken?: string; apiBaseUrl?: string }>;
}

/** One call's context. Connectors keep no per-workspace state: everything arrives here. */
export interface ConnectionContext<Settings = Record<string, unknown>, Credentials = Record<string, unknown>> {
  workspaceId: string;
  connectorId: string;
  kind: ConnectorKind;
  settings: Settings;
  auth: AuthSession<Credentials>;
  /** Aborts when the caller's deadline passes; every operation honours it. */
  signal: AbortSignal;
}

/**
 * The port the rest of the service uses for every CRM. Implementations map vendor errors to ConnectorError
 * (closed set of codes) and vendor records to the unified types.
 */
export interface CrmConnector<Settings = Record<string, unknown>, Credentials = Record<string, unknown>> {
  readonly descriptor: ConnectorDescriptor<Settings, Credentials>;
  /** OAuth refresh grant (only for oauth2 auth modes). Called by the token manager, never concurrently per connector. */
  refreshGrant(settings: Settings, credentials: Credentials, signal: AbortSignal): Promise<TokenGrant>;
  /** A cheap authenticated call; resolves with the account/org name when the CRM tells it. */
  verify(ctx: ConnectionContext<Settings, Credentials>): Promise<{ account: string | null }>;
  /** People matching any identifier, each tagged with what matched (several per identifier = ambiguous). */
  findPeople(ctx: ConnectionContext<Settings, Credentials>, identifiers: PersonIdentifiers): Promise<PersonMatch[]>;
  /** Null when the record is gone (deleted/merged). */
  getPerson(ctx: ConnectionContext<Settings, Credentials>, personId: string): Promise<CrmPerson | null>;
  /** Create or update by a unique key (external id, email), without a search-then-create race. */
  upsertPerson(ctx: ConnectionContext<Settings, Credentials>, input: PersonInput): Promise<RecordRef>;
  /** Newest first. Only when capabilities.orders. */
  listOrders(ctx: ConnectionContext<Settings, Credentials>, personId: string, limit: number): Promise<CrmOrder[]>;
  /** Newest first. */
  listNotes(ctx: ConnectionContext<Settings, Credentials>, personId: string, limit: number): Promise<CrmNote[]>;
  /** Unresolved cases/tickets of the person. */
  listOpenCases(ctx: ConnectionContext<Settings, Credentials>, personId: string, limit: number): Promise<CrmCase[]>;
  /** Idempotent on input.idempotencyKey. */
  createCase(ctx: ConnectionContext<Settings, Credentials>, input: CaseInput): Promise<RecordRef>;
  /** Idempotent on input.idempotencyKey. */
  appendNote(ctx: ConnectionContext<Settings, Credentials>, input: NoteInput): Promise<RecordRef>;
  /** Up to descriptor.batchLimits.notes; one outcome per input, in order. */
  appendNotes(ctx: ConnectionContext<Settings, Credentials>, inputs: NoteInput[]): Promise<BatchOutcome<RecordRef>[]>;
  /** One page of changes after `cursor` (null = start from now); save the returned cursor after the page. */
  listChanges(ctx: ConnectionContext<Settings, Credentials>, cursor: string | null): Promise<ChangePage>;
  /** Verifies the vendor's signature and replay window, then parses. Throws WebhookRejectedError. */
  parseWebhook(ctx: ConnectionContext<Settings, Credentials>, request: WebhookRequest): Promise<ChangeEvent[]>;
}
