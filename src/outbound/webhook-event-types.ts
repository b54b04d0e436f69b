/**
 * Events the service can deliver to a chat system's webhook endpoints. A closed list, so an admin's typo is a 400
 * instead of a subscription that silently never fires. Add a type here when something starts emitting it.
 */
export const WEBHOOK_EVENT_TYPES = ['case.solved', 'case.agent_replied'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
