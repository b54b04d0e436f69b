import type { TokenGrant } from '../../src/connectors/crm-connector.port';
import { SalesforceConnector } from '../../src/connectors/salesforce/salesforce.connector';
import {
  salesforceSettingsSchema,
  type SalesforceCredentials,
  type SalesforceSettings,
} from '../../src/connectors/salesforce/salesforce.descriptor';
import type { RunningSandbox } from '../sandbox/common/sandbox.types';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../sandbox/salesforce/salesforce.sandbox';
import { describeConnectorContract } from './crm-connector.contract';

// No disableJsforceRetries() here on purpose: the connector must switch jsforce's retries off itself, or the
// 429/5xx cases below would take ~15 s each.

/**
 * The contract runs with single-use (rotating) refresh tokens and builds a fresh auth session for most calls from
 * the credentials `configure` returned. In the service, ConnectorAuthService persists every rotated refresh token
 * and the next session starts from it; here the credentials objects handed out play that store and are updated
 * after every grant. The first `configure` is the connector an admin set up; a later one (the revoked-grant test
 * asks for fresh credentials) is a second authorization of the app with its own refresh token, so revoking it
 * leaves the first one working, as in a real org.
 */
const persisted: SalesforceCredentials[] = [];
const configured = new WeakSet<RunningSandbox>();

function persist(presented: SalesforceCredentials, grant: TokenGrant): void {
  const owner = persisted.find((credentials) => credentials.refreshToken === presented.refreshToken);
  if (owner && grant.refreshToken) {
    owner.refreshToken = grant.refreshToken;
  }
}

function createConnector(): SalesforceConnector {
  const connector = new SalesforceConnector();
  const refresh = connector.refreshGrant.bind(connector);
  connector.refreshGrant = async (settings, credentials, signal) => {
    const grant = await refresh(settings, credentials, signal);
    persist(credentials, grant);
    return grant;
  };
  return connector;
}

describeConnectorContract<SalesforceSettings, SalesforceCredentials>({
  kind: 'salesforce',
  createConnector,
  startSandbox: (options) => startSalesforceSandbox(options),
  configure: (sandbox: RunningSandbox) => {
    const salesforce = sandbox as RunningSalesforceSandbox;
    const refreshToken = configured.has(sandbox) ? salesforce.issueRefreshToken() : sandbox.credentials.refreshToken;
    configured.add(sandbox);
    const credentials: SalesforceCredentials = {
      clientId: sandbox.credentials.clientId,
      clientSecret: sandbox.credentials.clientSecret,
      refreshToken,
    };
    persisted.push(credentials);
    return {
      settings: salesforceSettingsSchema.parse({
        loginUrl: sandbox.settings.loginUrl,
        instanceUrl: sandbox.settings.instanceUrl,
        apiVersion: sandbox.settings.apiVersion,
        organizationId: sandbox.settings.organizationId,
        multiCurrency: true,
      }),
      credentials,
    };
  },
  badCredentials: (sandbox: RunningSandbox) => ({
    clientId: sandbox.credentials.clientId,
    clientSecret: 'not-the-secret',
    refreshToken: sandbox.credentials.refreshToken,
  }),
  allowsDuplicateEmails: true,
});
