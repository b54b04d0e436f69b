import { defineEntity } from '../database/portable-schema';

/** Where a workspace wants chat-side events delivered (Standard Webhooks: signed POSTs, retried for a day). */
export interface WebhookEndpoint {
  id: string;
  workspaceId: string;
  url: string;
  /** The `whsec_…` signing secret as a SecretBox envelope (purpose `webhook-endpoint:<id>:secret`); never returned. */
  secretEncrypted: string;
  /** Subscribed event types, e.g. ['case.solved', 'case.agent_replied']. */
  eventTypes: string[];
  /** False once the receiver answered 410 Gone (or an admin turned it off): nothing more is delivered. */
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function webhookSecretPurpose(endpointId: string): string {
  return `webhook-endpoint:${endpointId}:secret`;
}

export const WebhookEndpointEntity = defineEntity<WebhookEndpoint>(
  'webhook_endpoints',
  [
    { name: 'id', kind: 'uuid', primary: true },
    { name: 'workspace_id', kind: 'uuid' },
    { name: 'url', kind: 'string', length: 2000 },
    { name: 'secret_encrypted', kind: 'text' },
    { name: 'event_types', kind: 'json' },
    { name: 'active', kind: 'bool' },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
  ],
  [{ name: 'ix_webhook_endpoints_workspace', columns: ['workspace_id'] }],
);
