import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { ChatMessageEntity } from '../chat/chat-message.entity';
import { ChatSourceEntity } from '../chat-sources/chat-source.entity';
import { ChatSessionEntity } from '../chat/chat-session.entity';
import { LeaseEntity } from '../common/leases/lease.entity';
import { ConnectorEntity } from '../connectors/connector.entity';
import { ContextCacheEntity } from '../enrichment/context-cache.entity';
import { ReceivedEventEntity } from '../events/received-event.entity';
import { JobPauseEntity } from '../jobs/job-pause.entity';
import { JobEntity } from '../jobs/job.entity';
import { WebhookEndpointEntity } from '../outbound/webhook-endpoint.entity';
import { IdentityLinkEntity } from '../visitors/identity-link.entity';
import { VisitorEntity } from '../visitors/visitor.entity';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import type { EntityDefinition } from './portable-schema';

export const ENTITIES: ReadonlyArray<EntityDefinition<never>> = [
  WorkspaceEntity,
  ApiKeyEntity,
  AuditEntryEntity,
  ConnectorEntity,
  VisitorEntity,
  IdentityLinkEntity,
  ChatSessionEntity,
  ChatMessageEntity,
  ReceivedEventEntity,
  JobEntity,
  JobPauseEntity,
  LeaseEntity,
  ContextCacheEntity,
  ChatSourceEntity,
  WebhookEndpointEntity,
] as unknown as ReadonlyArray<EntityDefinition<never>>;
