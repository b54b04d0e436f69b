import { z } from 'zod';
import type { ConnectorDescriptor } from '../connector-descriptor';

/**
 * Zoho field API names: letters, digits and underscores (custom fields carry no `__c` suffix). They are placed in
 * search criteria and URLs, so anything else is refused at save time.
 */
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'a Zoho CRM field API name');
const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * `accountsUrl` is the accounts server of the org's data centre (accounts.zoho.eu, accounts.zoho.in, …).
 * `apiDomain` is only the fallback API root: the refresh grant answers `api_domain`, which wins (it is where the
 * org lives). `crmWebUrl` builds deep links (e.g. https://crm.zoho.eu/crm/org12345); unset = derived from the API
 * domain. The three key fields must exist in the org; `externalIdField` and `caseKeyField` must be unique fields
 * ("Do not allow duplicate values"), which is what makes the upserts idempotent.
 */
export const zohoSettingsSchema = z.object({
  accountsUrl: httpUrl.default('https://accounts.zoho.com'),
  apiDomain: httpUrl.default('https://www.zohoapis.com'),
  crmWebUrl: httpUrl.optional(),
  externalIdField: fieldName.default('External_Id'),
  tierField: fieldName.default('Customer_Tier'),
  caseKeyField: fieldName.default('Chat_Session_Key'),
  /** The Cases lookup to the contact ("Contact Name" on the standard layout). */
  caseContactField: fieldName.default('Related_To'),
  /** API name of the Contacts → Sales Orders related list. */
  ordersRelatedList: fieldName.default('SalesOrders'),
  /** Case statuses that mean "resolved": such cases are not open, and reaching one is a case.solved event. */
  closedCaseStatuses: z.array(z.string().min(1).max(120)).min(1).default(['Closed']),
  /** Case Origin picklist value for cases opened from a chat (e.g. "Chat" once added to the picklist); unset = none. */
  caseOrigin: z.string().min(1).max(120).optional(),
  /** channel_id of the notification channel (POST /actions/watch) whose callbacks parseWebhook accepts. */
  notificationChannelId: z
    .string()
    .regex(/^\d{1,19}$/, 'the numeric channel_id of the notification channel')
    .optional(),
  /** Country assumed for phones stored without a country code (ISO 3166-1 alpha-2); default: the caller's number's. */
  defaultRegion: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code')
    .optional(),
});
export type ZohoSettings = z.infer<typeof zohoSettingsSchema>;

/**
 * A self-client or server-based client's grant: POST {accountsUrl}/oauth/v2/token grant_type=refresh_token.
 * Zoho refresh tokens do not rotate and do not expire until revoked. `apiBaseUrl` is the `api_domain` of the last
 * grant. `notificationToken` is the `token` the notification channel was created with (≤ 50 characters).
 */
export const zohoCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  accessTokenExpiresAt: z.number().optional(),
  apiBaseUrl: httpUrl.optional(),
  notificationToken: z.string().min(1).max(50).optional(),
});
export type ZohoCredentials = z.infer<typeof zohoCredentialsSchema>;

function tail(value: string): string {
  return value.length >= 12 ? `…${value.slice(-4)}` : '…';
}

export const zohoDescriptor = {
  kind: 'zoho',
  displayName: 'Zoho CRM',
  authModes: ['oauth2_refresh_token'],
  settingsSchema: zohoSettingsSchema,
  credentialsSchema: zohoCredentialsSchema,
  urlSettings: ['accountsUrl', 'apiDomain', 'crmWebUrl'],
  // Accounts servers and API domains of every data centre (US, EU, IN, AU, JP, CN, CA, SA).
  vendorHostSuffixes: [
    '.zoho.com',
    '.zoho.eu',
    '.zoho.in',
    '.zoho.com.au',
    '.zoho.jp',
    '.zoho.com.cn',
    '.zoho.sa',
    '.zohocloud.ca',
    '.zohoapis.com',
    '.zohoapis.eu',
    '.zohoapis.in',
    '.zohoapis.com.au',
    '.zohoapis.jp',
    '.zohoapis.com.cn',
    '.zohoapis.sa',
    '.zohoapis.ca',
  ],
  // Insert/update/upsert take at most 100 records per call (v8 Insert Records, Create Notes: data maxItems 100).
  batchLimits: { people: 100, notes: 100 },
  // v8 sends no budget headers (no X-RATELIMIT-*, no Retry-After); X-ACCESSTOKEN-RESET tells when the token dies.
  // Concurrency is what Zoho limits per second (20 on the common editions); credits are a daily allowance.
  rateBudget: { operations: 20, intervalMs: 1000, maxConcurrent: 10 },
  rateLimitHeaders: ['X-ACCESSTOKEN-RESET'],
  // Note_Content: maxLen 65535 (v8 Create Notes schema). The "[ccb:key]" marker goes in Note_Title, not the body.
  maxNoteLength: 65_535,
  capabilities: {
    orders: true,
    notes: true,
    // Zoho CRM notes are always internal to the CRM; there is no customer-visible kind to choose.
    privateNotes: false,
    cases: true,
    upsertPerson: true,
    incrementalSync: true,
    webhooks: true,
  },
  credentialHint: (credentials: ZohoCredentials) => `client ${tail(credentials.clientId)}`,
} satisfies ConnectorDescriptor<ZohoSettings, ZohoCredentials>;
