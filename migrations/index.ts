import { CreateCoreSchema1763800000000 } from './1763800000000-create-core-schema';
import { CreateLeases1763900000000 } from './1763900000000-create-leases';
import { CreateContextCache1764000000000 } from './1764000000000-create-context-cache';
import { AddSessionEventClocks1764100000000 } from './1764100000000-add-session-event-clocks';
import { CreateWebhookEndpoints1764200000000 } from './1764200000000-create-webhook-endpoints';
import { CreateChatSources1764300000000 } from './1764300000000-create-chat-sources';
import { AddConnectorPullState1764420000000 } from './1764420000000-add-connector-pull-state';

/** Listed explicitly (not globbed) so Jest, ts and compiled JS load the same set. Append, never reorder. */
export const MIGRATIONS = [
  CreateCoreSchema1763800000000,
  CreateLeases1763900000000,
  CreateContextCache1764000000000,
  AddSessionEventClocks1764100000000,
  CreateWebhookEndpoints1764200000000,
  CreateChatSources1764300000000,
  AddConnectorPullState1764420000000,
];
