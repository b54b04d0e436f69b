import type { z } from 'zod';
import type { ConnectorKind } from './connector-kinds';
import type { RateBudget } from './rate-budget';

export type AuthMode = 'oauth2_refresh_token' | 'api_token';

export interface ConnectorCapabilities {
  orders: boolean;
  notes: boolean;
  /** Notes can be internal (agent-only) as opposed to customer-visible. */
  privateNotes: boolean;
  cases: boolean;
  /** People can be created/updated without a search-then-create race. */
  upsertPerson: boolean;
  incrementalSync: boolean;
  webhooks: boolean;
}

/** The body a CRM requires as the 200 answer to a webhook it delivered, or it delivers the webhook again. */
export interface WebhookAck {
  contentType: string;
  body: string;
}

/**
 * Facts about a CRM, as typed data. The admin API validates settings and credentials with the schemas, lists
 * kinds from here, and callers check capabilities before calling an operation.
 */
export interface ConnectorDescriptor<Settings = Record<string, unknown>, Credentials = Record<string, unknown>> {
  kind: ConnectorKind;
  displayName: string;
  authModes: readonly AuthMode[];
  settingsSchema: z.ZodType<Settings>;
  /** Write-only secrets (stored encrypted); OAuth tokens the service obtains are kept here too. */
  credentialsSchema: z.ZodType<Credentials>;
  /** Settings fields holding URLs the service will call: checked against SSRF rules at save and request time. */
  urlSettings: readonly string[];
  /** Hosts the vendor's cloud uses; other hosts need ALLOW_PRIVATE_CRM_HOSTS or are self-hosted instances. */
  vendorHostSuffixes: readonly string[];
  batchLimits: { people: number; notes: number };
  /** How fast this service calls the CRM per connector and process (defaults to DEFAULT_RATE_BUDGET). */
  rateBudget?: RateBudget;
  /** Response headers that tell remaining budget and reset time. */
  rateLimitHeaders: readonly string[];
  /** Largest note/comment body the CRM accepts (characters); transcripts are split or truncated to fit. */
  maxNoteLength: number;
  capabilities: ConnectorCapabilities;
  /** How to acknowledge a verified webhook when the CRM needs more than a 2xx; absent = a JSON `{accepted, duplicate}`. */
  webhookAck?: WebhookAck;
  /** A masked hint an admin may see ("…a1b2"), never enough to use. */
  credentialHint(credentials: Credentials): string;
}
