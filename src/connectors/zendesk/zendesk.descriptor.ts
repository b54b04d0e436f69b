import { z } from 'zod';
import type { ConnectorDescriptor } from '../connector-descriptor';

/**
 * Where the account lives: `subdomain` → https://{subdomain}.zendesk.com/api/v2, or `endpointUri` (the API base,
 * as node-zendesk calls it) for sandboxes and host-mapped accounts. endpointUri wins when both are set.
 */
export const zendeskSettingsSchema = z
  .object({
    subdomain: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i, 'a Zendesk subdomain: letters, digits and dashes')
      .optional(),
    endpointUri: z.url({ protocol: /^https?$/ }).optional(),
    /** User field (key) that holds a VIP / tier value, if the account has one. Default: customer_tier. */
    tierUserField: z
      .string()
      .regex(/^[a-z0-9_]{1,64}$/)
      .optional(),
    /** Items per incremental export page (Zendesk allows up to 1000). Smaller pages keep each sync job short. */
    incrementalPageSize: z.int().min(1).max(1000).optional(),
  })
  .refine((settings) => settings.subdomain !== undefined || settings.endpointUri !== undefined, {
    message: 'subdomain or endpointUri is required',
    path: ['subdomain'],
  });
export type ZendeskSettings = z.infer<typeof zendeskSettingsSchema>;

/** Webhook signing secret (GET /api/v2/webhooks/{id}/signing_secret), for parseWebhook. */
const webhookSecret = z.string().min(1).optional();

/** Primary mode: an agent's email plus an API token (Basic `{email}/token:{token}`). */
export const zendeskApiTokenCredentialsSchema = z.object({
  email: z.email(),
  apiToken: z.string().min(1),
  webhookSecret,
});

/**
 * OAuth with a refresh token (POST /oauth/tokens, grant_type=refresh_token; Zendesk rotates the refresh token on
 * every grant). The access token fields are kept here by the token manager.
 */
export const zendeskOAuthCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  accessTokenExpiresAt: z.number().optional(),
  webhookSecret,
});

export const zendeskCredentialsSchema = z.union([zendeskApiTokenCredentialsSchema, zendeskOAuthCredentialsSchema]);
export type ZendeskApiTokenCredentials = z.infer<typeof zendeskApiTokenCredentialsSchema>;
export type ZendeskOAuthCredentials = z.infer<typeof zendeskOAuthCredentialsSchema>;
export type ZendeskCredentials = z.infer<typeof zendeskCredentialsSchema>;

function tail(secret: string): string {
  return secret.length >= 12 ? `…${secret.slice(-4)}` : '…';
}

export const zendeskDescriptor = {
  kind: 'zendesk',
  displayName: 'Zendesk Support',
  authModes: ['api_token', 'oauth2_refresh_token'],
  settingsSchema: zendeskSettingsSchema,
  credentialsSchema: zendeskCredentialsSchema,
  urlSettings: ['endpointUri'],
  vendorHostSuffixes: ['.zendesk.com'],
  // create_or_update_many and create_many take up to 100 items per job (job_statuses).
  batchLimits: { people: 100, notes: 100 },
  // 700 requests per minute on the common plans (the sandbox default); one operation makes 1–3 requests.
  rateBudget: { operations: 300, intervalMs: 60_000, maxConcurrent: 8 },
  rateLimitHeaders: [
    'X-Rate-Limit',
    'X-Rate-Limit-Remaining',
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-reset',
    'Zendesk-RateLimit-create-update-user',
    'Retry-After',
  ],
  // Zendesk documents no exact comment size cap; 64 KB is the commonly cited ceiling ([unverified]), so stay under it.
  maxNoteLength: 64_000,
  capabilities: {
    orders: false,
    notes: true,
    privateNotes: true,
    cases: true,
    upsertPerson: true,
    incrementalSync: true,
    webhooks: true,
  },
  credentialHint(credentials: ZendeskCredentials): string {
    return 'apiToken' in credentials ? tail(credentials.apiToken) : tail(credentials.refreshToken);
  },
} satisfies ConnectorDescriptor<ZendeskSettings, ZendeskCredentials>;
