/**
 * The contract every CRM sandbox follows. Vendor folders (salesforce/, hubspot/, zendesk/, zoho/) implement
 * their API on top of the shared pieces in this folder; tests, the demo and the bench only see these types.
 */

/** Latency added before a request is handled. */
export type LatencyFault =
  | { kind: 'none' }
  | { kind: 'fixed'; ms: number }
  /**
   * Lognormal fitted to two quantiles (p50 and p99), which is how the bench describes a CRM. `perRequest`: the draw
   * is a function of the request (method, URL, parsed body) instead of the next random number, so the same request
   * made twice waits the same time — common random numbers, for side-by-side comparisons. (A body parsed after
   * the fault middleware does not count: HubSpot and Zendesk parse first; Salesforce and Zoho reads are GETs.)
   */
  | { kind: 'lognormal'; p50Ms: number; p99Ms: number; perRequest?: boolean };

export interface FaultConfig {
  latency: LatencyFault;
  /** Probability (0..1) per HTTP status of answering that status (in the vendor's error shape) instead of handling the request. */
  errorRates: Record<number, number>;
  /** Probability that the request never gets an answer (the socket stays open until the client gives up). */
  hangRate: number;
  /** Probability that a *write* is committed (journal + store) and then the connection is reset before any response. */
  resetAfterCommitRate: number;
  /** Probability that one record inside a batch write fails with the vendor's per-record error (others succeed). */
  batchRecordFailureRate: number;
  /**
   * Share of records a batch write refuses for good, with the vendor's per-record validation error (others in the
   * batch succeed). Decided by the record's key, not by dice, so every retry of that record is refused the same way:
   * the permanent counterpart of `batchRecordFailureRate` (which models "please retry" errors).
   */
  batchRecordRejectRate: number;
  /** Only apply faults to requests whose path matches (default: every API path; never the /__sandbox control paths). */
  pathFilter?: RegExp;
}

export interface LimitsConfig {
  /** Requests allowed per window (HubSpot: 10-second window; Zendesk: per minute). Undefined = vendor default. */
  requestsPerWindow?: number;
  windowMs?: number;
  /** Salesforce: requests per rolling 24 h (REQUEST_LIMIT_EXCEEDED beyond it). Zoho: credits per 24 h. */
  dailyQuota?: number;
}

export interface SandboxOptions {
  /** Seed for the deterministic data set; `false` starts empty. Default 1. */
  seed?: number | false;
  /** How many people to generate (default 1000). */
  people?: number;
  limits?: LimitsConfig;
  faults?: Partial<FaultConfig>;
  /** Access-token lifetime (default 3600 s; HubSpot 1800 s). */
  tokenTtlSeconds?: number;
  /** Salesforce-style single-use rotating refresh tokens. */
  rotateRefreshTokens?: boolean;
  /** Where outbound webhooks go (signed the vendor's way), and the secret to sign them with. */
  webhook?: { url: string; secret: string };
  /** Port to listen on (default 0 = any free port). Always binds 127.0.0.1. */
  port?: number;
}

/** One accepted write: the oracle for "nothing lost, nothing written twice". */
export interface JournalEntry {
  seq: number;
  at: string;
  /** Vendor object name, e.g. 'Task', 'notes', 'tickets', 'Notes'. */
  object: string;
  operation: 'create' | 'update' | 'upsert' | 'delete';
  recordId: string;
  /** External id / unique property / duplicate-check value / Idempotency-Key that identified the write, if any. */
  externalKey?: string;
  /** sha256 of the canonical JSON of the written fields. */
  payloadHash: string;
}

/** One request as received (for "the second call made no search request" style assertions). */
export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** The token the request carried (bearer token or basic-auth user), so multi-tenant tests can check it. */
  credential?: string;
  status: number;
}

/** Credentials to paste into a connector, as the vendor would issue them. */
export interface SandboxCredentials {
  [key: string]: string;
}

export interface RunningSandbox {
  vendor: 'salesforce' | 'hubspot' | 'zendesk' | 'zoho';
  baseUrl: string;
  /** Valid credentials for the seeded account (OAuth client id/secret/refresh token, or Zendesk email/token). */
  credentials: SandboxCredentials;
  /** Settings for our connector (e.g. instanceUrl, subdomain/endpointUri, apiDomain/accountsUrl). */
  settings: Record<string, string>;
  journal: {
    entries(filter?: Partial<Pick<JournalEntry, 'object' | 'externalKey' | 'operation'>>): JournalEntry[];
    clear(): void;
  };
  requests: {
    entries(filter?: { pathIncludes?: string; method?: string }): RequestLogEntry[];
    clear(): void;
  };
  faults: {
    set(patch: Partial<FaultConfig>): void;
    reset(): void;
    /** Keys of the records `batchRecordRejectRate` refused so far (as the vendor identified them). */
    rejectedRecordKeys(): string[];
  };
  /** Invalidate every access token now (refresh tokens stay valid). */
  expireAllTokens(): void;
  /** Revoke a refresh token: later refresh grants answer invalid_grant. */
  revokeRefreshToken(refreshToken: string): void;
  /** Number of successful refresh grants so far (token-efficiency tests). */
  tokenRefreshCount(): number;
  stop(): Promise<void>;
}

/**
 * Vendor-neutral seed person. `seedPeople(seed, count)` (seed-data.ts) returns the same list for the same seed;
 * each vendor sandbox stores the people whose `presentIn` contains its vendor, in its own field names.
 */
export interface SeedPerson {
  /** Stable key, e.g. 'p0007'; also the external id our service would use ('ext-p0007'). */
  key: string;
  externalId: string;
  firstName: string;
  lastName: string;
  /** Display name as the locale writes it (Japanese: family name first, no space). */
  fullName: string;
  locale: 'en-US' | 'en-GB' | 'ja-JP';
  email: string;
  /** As a human typed it: local form ('090-1234-5678', '(415) 555-0100') or E.164 ('+819012345678'). */
  phone: string;
  /** The same phone in E.164, for assertions. */
  phoneE164: string;
  company?: string;
  /** VIP / tier where the CRM has such a field. */
  tier?: 'standard' | 'gold' | 'vip';
  presentIn: Array<RunningSandbox['vendor']>;
  /** Duplicate record in the same CRM(s) sharing this email (ambiguous match). */
  duplicateIn: Array<RunningSandbox['vendor']>;
  updatedAt: string;
  orders: Array<{
    /** Formats vary: '245-12784', '10023' (shown as #10023), 'SO-2024-0042'. */
    number: string;
    status: 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
    currency: 'USD' | 'JPY' | 'EUR';
    total: number;
    placedAt: string;
    items: Array<{ sku: string; name: string; quantity: number; unitPrice: number }>;
  }>;
  notes: Array<{ body: string; author: string; createdAt: string; private: boolean }>;
  cases: Array<{
    subject: string;
    description: string;
    status: 'new' | 'open' | 'pending' | 'solved' | 'closed';
    priority: 'low' | 'normal' | 'high' | 'urgent';
    createdAt: string;
  }>;
}
