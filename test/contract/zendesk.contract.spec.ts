import { ZendeskConnector } from '../../src/connectors/zendesk/zendesk.connector';
import {
  zendeskDescriptor,
  type ZendeskCredentials,
  type ZendeskSettings,
} from '../../src/connectors/zendesk/zendesk.descriptor';
import { startZendeskSandbox } from '../sandbox/zendesk/zendesk.sandbox';
import { describeConnectorContract } from './crm-connector.contract';

/**
 * The shared contract with an API token, Zendesk's primary auth mode.
 *
 * The connector also speaks OAuth (refresh tokens that Zendesk rotates on every grant). The contract's OAuth checks
 * cannot run against a rotating sandbox as written: its "revoked grant" test revokes the refresh token of
 * `configure()` — the one authorisation the sandbox can hand out, shared with every other test — and the
 * incremental test after it then has no usable token left. So this run describes the connector as API-token only,
 * and zendesk.connector.spec.ts covers OAuth (refresh, rotation, one refresh for 50 concurrent 401s, revoked
 * grant → auth_expired) against the same sandbox.
 *
 * Incremental exports leave nothing out here (`incrementalExclusionSeconds: 0`): the contract changes a person and
 * expects to see it on the next page at once; real Zendesk holds ticket changes back for a minute.
 */
describeConnectorContract<ZendeskSettings, ZendeskCredentials>({
  kind: 'zendesk',
  createConnector: () =>
    Object.assign(Object.create(new ZendeskConnector()) as ZendeskConnector, {
      descriptor: { ...zendeskDescriptor, authModes: ['api_token'] as const },
    }),
  startSandbox: (options) => startZendeskSandbox({ ...options, incrementalExclusionSeconds: 0 }),
  configure: (sandbox) => ({
    settings: { subdomain: sandbox.settings.subdomain, endpointUri: sandbox.settings.endpointUri },
    credentials: { email: sandbox.credentials.email, apiToken: sandbox.credentials.apiToken },
  }),
  badCredentials: (sandbox) => ({ email: sandbox.credentials.email, apiToken: 'not-the-token' }),
  allowsDuplicateEmails: false,
});
