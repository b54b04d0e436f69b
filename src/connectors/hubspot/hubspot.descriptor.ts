import { z } from 'zod';
import type { ConnectorDescriptor } from '../connector-descriptor';

/** Internal names of HubSpot properties are lower-case letters, digits and underscores. */
const propertyName = z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'a HubSpot internal property name');

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * `basePath` is the API root the SDK calls (api.hubapi.com; EU portals also answer there). `appBaseUrl` and
 * `portalId` only build deep links an agent opens (app-eu1.hubspot.com for EU portals); the service never calls them.
 * The four property names must exist in the portal; the three key properties must be "unique values" properties
 * (hasUniqueValue), which is what makes the upserts idempotent.
 */
export const hubspotSettingsSchema = z.object({
  basePath: z.url({ protocol: /^https?$/ }).default('https://api.hubapi.com'),
  appBaseUrl: z.url({ protocol: /^https?$/ }).default('https://app.hubspot.com'),
  portalId: z
    .string()
    .regex(/^\d{1,20}$/, 'the numeric HubSpot account (portal) id')
    .optional(),
  externalIdProperty: propertyName.default('chat_bridge_external_id'),
  tierProperty: propertyName.default('customer_tier'),
  transcriptKeyProperty: propertyName.default('chat_transcript_key'),
  caseKeyProperty: propertyName.default('chat_session_key'),
  /** Ticket pipeline and stage for new cases; unset = the first pipeline and its first OPEN stage (pipelines API). */
  ticketPipelineId: z.string().min(1).max(100).optional(),
  ticketStageId: z.string().min(1).max(100).optional(),
  /** The portal's time zone: HubSpot's daily API allowance resets at midnight there. */
  accountTimeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').default('UTC'),
});
export type HubspotSettings = z.infer<typeof hubspotSettingsSchema>;

/** Signing secret for webhooks when it is not the OAuth app's client secret (private apps have their own). */
const webhookSecret = z.string().min(1).optional();

/** A private app's access token (`pat-na1-…`): static, never refreshed. */
export const hubspotPrivateAppCredentialsSchema = z.object({
  privateAppToken: z.string().min(1),
  webhookSecret,
});

/**
 * A public app's OAuth grant: POST /oauth/v1/token grant_type=refresh_token. HubSpot returns a refresh token with
 * every grant (the same one today); the token manager stores whatever comes back.
 */
export const hubspotOAuthCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  accessTokenExpiresAt: z.number().optional(),
  webhookSecret,
});

export const hubspotCredentialsSchema = z.union([hubspotPrivateAppCredentialsSchema, hubspotOAuthCredentialsSchema]);
export type HubspotPrivateAppCredentials = z.infer<typeof hubspotPrivateAppCredentialsSchema>;
export type HubspotOAuthCredentials = z.infer<typeof hubspotOAuthCredentialsSchema>;
export type HubspotCredentials = z.infer<typeof hubspotCredentialsSchema>;

export function isPrivateApp(credentials: HubspotCredentials): credentials is HubspotPrivateAppCredentials {
  return typeof (credentials as Partial<HubspotPrivateAppCredentials>).privateAppToken === 'string';
}

function tail(secret: string): string {
  return secret.length >= 12 ? `…${secret.slice(-4)}` : '…';
}

export const hubspotDescriptor = {
  kind: 'hubspot',
  displayName: 'HubSpot',
  authModes: ['api_token', 'oauth2_refresh_token'],
  settingsSchema: hubspotSettingsSchema,
  credentialsSchema: hubspotCredentialsSchema,
  urlSettings: ['basePath'],
  vendorHostSuffixes: ['.hubapi.com'],
  // "Batch operations are limited to 100 records at a time" (CRM objects guide, batch upsert / read).
  batchLimits: { people: 100, notes: 100 },
  // 110 requests per 10 s for an OAuth app (100 for private apps on lower tiers); one operation makes 1–4 requests
  // (orders take four; most take one), so 60 operations per 10 s stays under it in practice; a 429 still pauses jobs.
  rateBudget: { operations: 60, intervalMs: 10_000, maxConcurrent: 8 },
  rateLimitHeaders: [
    'X-HubSpot-RateLimit-Max',
    'X-HubSpot-RateLimit-Remaining',
    'X-HubSpot-RateLimit-Interval-Milliseconds',
    'X-HubSpot-RateLimit-Daily',
    'X-HubSpot-RateLimit-Daily-Remaining',
    'X-HubSpot-RateLimit-Secondly',
    'X-HubSpot-RateLimit-Secondly-Remaining',
    'Retry-After',
  ],
  // Text property values are capped at 65,536 characters ([unverified] for hs_note_body / ticket content). Notes are
  // written as escaped HTML, which grows the text, so callers get a lower cap and the mapper guards the rest.
  maxNoteLength: 50_000,
  capabilities: {
    orders: true,
    notes: true,
    // HubSpot notes are always internal to the CRM; there is no customer-visible kind to choose.
    privateNotes: false,
    cases: true,
    upsertPerson: true,
    incrementalSync: true,
    webhooks: true,
  },
  credentialHint(credentials: HubspotCredentials): string {
    return isPrivateApp(credentials) ? tail(credentials.privateAppToken) : tail(credentials.refreshToken);
  },
} satisfies ConnectorDescriptor<HubspotSettings, HubspotCredentials>;
