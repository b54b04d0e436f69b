import { HubspotConnector } from '../../src/connectors/hubspot/hubspot.connector';
import {
  hubspotSettingsSchema,
  type HubspotCredentials,
  type HubspotSettings,
} from '../../src/connectors/hubspot/hubspot.descriptor';
import type { RunningSandbox } from '../sandbox/common/sandbox.types';
import { startHubspotSandbox, type HubspotSandbox } from '../sandbox/hubspot/hubspot.sandbox';
import { describeConnectorContract } from './crm-connector.contract';

/**
 * The contract runs the OAuth mode (the private-app mode is covered in hubspot.connector.spec.ts), with the
 * single-use refresh tokens the suite asks for. The first `configure` is the connection an admin set up; a later one
 * (the revoked-grant test asks for fresh credentials) is a second authorization of the app with its own refresh
 * token, so revoking it leaves the first one working, as in a real portal.
 */
const configured = new WeakSet<RunningSandbox>();

describeConnectorContract<HubspotSettings, HubspotCredentials>({
  kind: 'hubspot',
  createConnector: () => new HubspotConnector(),
  startSandbox: (options) => startHubspotSandbox(options),
  configure: (sandbox: RunningSandbox) => {
    const refreshToken = configured.has(sandbox)
      ? (sandbox as HubspotSandbox).issueRefreshToken()
      : sandbox.credentials.refreshToken;
    configured.add(sandbox);
    return {
      settings: hubspotSettingsSchema.parse({
        basePath: sandbox.settings.basePath,
        portalId: sandbox.settings.portalId,
      }),
      credentials: {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken,
      },
    };
  },
  badCredentials: (sandbox: RunningSandbox) => ({
    clientId: sandbox.credentials.clientId,
    clientSecret: 'not-the-secret',
    refreshToken: sandbox.credentials.refreshToken,
  }),
  allowsDuplicateEmails: false,
});
