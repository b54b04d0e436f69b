import { z } from 'zod';
import type { ConnectorDescriptor } from '../connector-descriptor';
import { OUTBOUND_ACK } from './salesforce.mapper';

/**
 * API names of fields go into SOQL and URLs verbatim, so they are held to the shape Salesforce itself allows
 * (letters, digits, underscores; custom fields end in __c, namespaced ones carry ns__ in front).
 */
const fieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'a Salesforce field API name such as External_Id__c');

/** 15- or 18-character org id (key prefix 00D). */
const organizationId = z
  .string()
  .regex(/^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, 'the 15- or 18-character organization id (00D…)');

/**
 * `loginUrl` is where refresh grants go (login.salesforce.com, test.salesforce.com or the org's My Domain);
 * `instanceUrl` is where API calls go until a refresh tells the real one (token response `instance_url`, stored as
 * the credentials' apiBaseUrl). Field names default to the ones the setup guide creates: three External ID + Unique
 * text fields (Contact, Task, Case) whose uniqueness is what makes every write idempotent, plus a tier picklist.
 */
export const salesforceSettingsSchema = z.object({
  loginUrl: z.url({ protocol: /^https?$/ }).default('https://login.salesforce.com'),
  instanceUrl: z.url({ protocol: /^https?$/ }).optional(),
  // 46.0 is the first version whose single-record upsert answers 200 {id, created:false} instead of a bodiless 204
  // and whose sObject Collections accept upsert.
  apiVersion: z
    .string()
    .regex(/^\d{2,3}\.0$/, 'an API version such as 62.0')
    .refine((value) => Number(value) >= 46, 'API version 46.0 or later')
    .default('62.0'),
  /**
   * Salesforce's token response has no expires_in: the session lives as long as the org's session timeout says
   * (Setup > Session Settings, 2 h by default). A shorter value only costs an early refresh; a longer one is caught
   * by the 401 INVALID_SESSION_ID retry.
   */
  sessionLifetimeMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(120),
  externalIdField: fieldName.default('External_Id__c'),
  /** Null when the org has no tier/VIP field. */
  tierField: fieldName.nullable().default('Customer_Tier__c'),
  transcriptKeyField: fieldName.default('Chat_Transcript_Key__c'),
  caseKeyField: fieldName.default('Chat_Session_Key__c'),
  /** Which Order lookup names the customer: BillToContactId, ShipToContactId or CustomerAuthorizedById. */
  orderContactField: fieldName.default('BillToContactId'),
  /** CurrencyIsoCode exists only in multi-currency orgs; selecting it elsewhere fails the query (INVALID_FIELD). */
  multiCurrency: z.boolean().default(false),
  /** The org's currency, reported on orders when the org is single-currency. */
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  /** Outbound Messages carry no signature; their <OrganizationId> is compared with this. Unset = webhooks refused. */
  organizationId: organizationId.optional(),
});
export type SalesforceSettings = z.infer<typeof salesforceSettingsSchema>;

/** A connected app's OAuth grant (refresh token flow). The token manager adds the access token and instance URL. */
export const salesforceCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  accessTokenExpiresAt: z.number().optional(),
});
export type SalesforceCredentials = z.infer<typeof salesforceCredentialsSchema>;

function tail(secret: string): string {
  return secret.length >= 12 ? `…${secret.slice(-4)}` : '…';
}

export const salesforceDescriptor = {
  kind: 'salesforce',
  displayName: 'Salesforce',
  authModes: ['oauth2_refresh_token'],
  settingsSchema: salesforceSettingsSchema,
  credentialsSchema: salesforceCredentialsSchema,
  urlSettings: ['loginUrl', 'instanceUrl'],
  vendorHostSuffixes: ['.salesforce.com', '.force.com', '.cloudforce.com', '.database.com'],
  // sObject Collections: 200 records per request (resources_composite_sobjects_collections).
  batchLimits: { people: 200, notes: 200 },
  // `Sforce-Limit-Info: api-usage=used/limit` on every REST response (headers_api_usage).
  // No per-second API limit; at most 25 long-running requests at once per org, and a daily quota shared with
  // every other integration of the org.
  rateBudget: { operations: 50, intervalMs: 1000, maxConcurrent: 20 },
  rateLimitHeaders: ['Sforce-Limit-Info'],
  // Task.Description (Comments) is a 32,000-character long text area; so is Case.Description.
  maxNoteLength: 32_000,
  capabilities: {
    orders: true,
    notes: true,
    // Tasks and Notes are never shown to the customer: every note is internal, there is nothing to choose.
    privateNotes: false,
    cases: true,
    upsertPerson: true,
    incrementalSync: true,
    webhooks: true,
  },
  // Outbound Messages are redelivered for 24 hours until the listener answers this SOAP envelope: a bare 200 is not
  // an acknowledgement (sforce_api_om_outboundmessaging_wsdl: notificationsResponse/Ack).
  webhookAck: { contentType: 'text/xml; charset=utf-8', body: OUTBOUND_ACK },
  credentialHint: (credentials: SalesforceCredentials) => `client ${tail(credentials.clientId)}`,
} as const satisfies ConnectorDescriptor<SalesforceSettings, SalesforceCredentials>;
