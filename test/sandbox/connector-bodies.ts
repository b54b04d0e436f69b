import type { RunningSandbox } from './common/sandbox.types';

export interface ConnectorBody {
  kind: RunningSandbox['vendor'];
  name: string;
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
  roles: string[];
}

const ALL_ROLES = ['enrich', 'transcripts'];

/**
 * The exact `POST /v1/connectors` body that connects a workspace to a running sandbox (printed by `npm run
 * sandbox`, used by the e2e tests and the demo). The service must run with ALLOW_PRIVATE_CRM_HOSTS=true to reach
 * loopback sandboxes.
 */
export function connectorBodyFor(sandbox: RunningSandbox, roles: string[] = ALL_ROLES): ConnectorBody {
  const s = sandbox.settings;
  const c = sandbox.credentials;
  switch (sandbox.vendor) {
    case 'salesforce':
      return {
        kind: 'salesforce',
        name: 'Salesforce (sandbox)',
        settings: {
          loginUrl: s.loginUrl,
          instanceUrl: s.instanceUrl,
          organizationId: s.organizationId,
          multiCurrency: true,
        },
        credentials: { clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken },
        roles,
      };
    case 'hubspot':
      return {
        kind: 'hubspot',
        name: 'HubSpot (sandbox)',
        settings: { basePath: s.basePath, appBaseUrl: s.basePath, portalId: s.portalId },
        credentials: { clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken },
        roles,
      };
    case 'zendesk':
      return {
        kind: 'zendesk',
        name: 'Zendesk (sandbox)',
        settings: { endpointUri: s.endpointUri },
        credentials: { email: c.email, apiToken: c.apiToken },
        roles,
      };
    case 'zoho':
      return {
        kind: 'zoho',
        name: 'Zoho CRM (sandbox)',
        settings: {
          accountsUrl: s.accountsUrl,
          apiDomain: s.apiDomain,
          notificationChannelId: s.notificationChannelId,
        },
        credentials: { clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken },
        roles,
      };
  }
}
