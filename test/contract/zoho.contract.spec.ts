import type { TokenGrant } from '../../src/connectors/crm-connector.port';
import { ZohoConnector } from '../../src/connectors/zoho/zoho.connector';
import { zohoSettingsSchema, type ZohoCredentials, type ZohoSettings } from '../../src/connectors/zoho/zoho.descriptor';
import type { RunningSandbox } from '../sandbox/common/sandbox.types';
import { startZohoSandbox, type ZohoRunningSandbox } from '../sandbox/zoho/zoho.sandbox';
import { describeConnectorContract } from './crm-connector.contract';

/**
 * Zoho refresh tokens neither rotate nor expire (token-validity docs: "Refresh tokens do not expire until a user
 * revokes them"), so the sandbox runs without rotation whatever the suite asks for. One refresh token may mint at
 * most 10 access tokens per 10 minutes, and the suite opens a fresh auth session per call: the configured
 * credentials therefore carry an access token minted once at start, the way a saved connection does, and every
 * configure() is a separate authorisation with its own refresh token (the revocation test must not revoke the
 * grant the later tests use).
 */
const minted = new WeakMap<RunningSandbox, TokenGrant>();

function settingsFor(sandbox: RunningSandbox): ZohoSettings {
  return zohoSettingsSchema.parse({
    accountsUrl: sandbox.settings.accountsUrl,
    apiDomain: sandbox.settings.apiDomain,
    notificationChannelId: sandbox.settings.notificationChannelId,
  });
}

describeConnectorContract<ZohoSettings, ZohoCredentials>({
  kind: 'zoho',
  createConnector: () => new ZohoConnector(),
  async startSandbox(options) {
    const sandbox = await startZohoSandbox({ ...options, rotateRefreshTokens: false });
    const grant = await new ZohoConnector().refreshGrant(
      settingsFor(sandbox),
      {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: sandbox.credentials.refreshToken,
      },
      AbortSignal.timeout(5000),
    );
    minted.set(sandbox, grant);
    return sandbox;
  },
  configure(sandbox) {
    const grant = minted.get(sandbox)!;
    return {
      settings: settingsFor(sandbox),
      credentials: {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: (sandbox as ZohoRunningSandbox).issueRefreshToken(),
        accessToken: grant.accessToken,
        accessTokenExpiresAt: grant.expiresAt,
      },
    };
  },
  badCredentials: (sandbox) => ({
    clientId: sandbox.credentials.clientId,
    clientSecret: 'not-the-secret',
    refreshToken: sandbox.credentials.refreshToken,
  }),
  allowsDuplicateEmails: true,
});
