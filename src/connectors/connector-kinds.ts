/** Every CRM the service speaks to. Adding one here makes the compiler point at the registry entry it needs. */
export const CONNECTOR_KINDS = ['salesforce', 'hubspot', 'zendesk', 'zoho'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export function isConnectorKind(value: string): value is ConnectorKind {
  return (CONNECTOR_KINDS as readonly string[]).includes(value);
}
