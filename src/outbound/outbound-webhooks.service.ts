import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import { SecretBox } from '../common/crypto/secret-box';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { isUuid, newId } from '../common/ids';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { checkCrmUrl } from '../connectors/egress/egress-guard';
import { Database, row } from '../database/database';
import { JobStore } from '../jobs/job-store';
import { webhookMaxAttempts } from './delivery-horizon';
import type { CreatedWebhookEndpointView, WebhookEndpointView } from './outbound-webhooks.dto';
import { generateWebhookSecret } from './standard-webhooks';
import { WEBHOOK_DELIVER_JOB, type WebhookDeliverPayload } from './webhook-delivery.handler';
import { WebhookEndpointEntity, webhookSecretPurpose, type WebhookEndpoint } from './webhook-endpoint.entity';
import type { WebhookEventType } from './webhook-event-types';

/** Fan-out per event happens inside the caller's transaction: keep it bounded. */
export const MAX_ENDPOINTS_PER_WORKSPACE = 20;

/**
 * The `webhook-id` of the message an event produces: deterministic from (workspace, event type, source event id),
 * so replaying the source event yields the same id and therefore the same job idempotency keys.
 */
export function webhookMessageId(workspaceId: string, eventType: string, sourceEventId: string): string {
  const hash = createHash('sha256').update(`${workspaceId}\n${eventType}\n${sourceEventId}`, 'utf8').digest();
  return `msg_${hash.subarray(0, 20).toString('base64url')}`;
}

function view(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    active: endpoint.active,
    createdAt: endpoint.createdAt.toISOString(),
  };
}

/** Only the host goes into the audit log: a receiver's path can carry its own token. */
function auditHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

@Injectable()
export class OutboundWebhooksService {
  constructor(
    private readonly db: Database,
    private readonly jobs: JobStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Enqueues one `webhook.deliver` job per active endpoint subscribed to `eventType`, in the caller's transaction.
   * The body (`{type, timestamp, data}`) is fixed here, so every retry sends the same bytes. Idempotency key
   * `webhook:<endpointId>:<messageId>`: replaying the same source event enqueues nothing new.
   */
  async enqueueForEvent(
    manager: EntityManager,
    workspaceId: string,
    eventType: WebhookEventType,
    payload: object,
    sourceEventId: string,
  ): Promise<{ messageId: string; enqueued: number; duplicates: number }> {
    const messageId = webhookMessageId(workspaceId, eventType, sourceEventId);
    const endpoints = await this.db
      .repo(WebhookEndpointEntity, manager)
      .find({ where: { workspaceId, active: true }, order: { createdAt: 'ASC' } });
    const subscribed = endpoints.filter((endpoint) => endpoint.eventTypes.includes(eventType));
    if (subscribed.length === 0) {
      return { messageId, enqueued: 0, duplicates: 0 };
    }
    const body = JSON.stringify({ type: eventType, timestamp: this.clock.now().toISOString(), data: payload });
    const maxAttempts = webhookMaxAttempts({
      baseMs: this.config.jobs.backoffBaseMs,
      maxMs: this.config.jobs.backoffMaxMs,
    });
    let enqueued = 0;
    let duplicates = 0;
    for (const endpoint of subscribed) {
      const deliver: WebhookDeliverPayload = { endpointId: endpoint.id, messageId, eventType, body };
      const result = await this.jobs.enqueue(manager, {
        type: WEBHOOK_DELIVER_JOB,
        payload: deliver,
        workspaceId,
        idempotencyKey: `webhook:${endpoint.id}:${messageId}`,
        maxAttempts,
        groupKey: `webhook:${endpoint.id}`,
      });
      if (result.duplicate) {
        duplicates += 1;
      } else {
        enqueued += 1;
      }
    }
    return { messageId, enqueued, duplicates };
  }

  /** Creates an endpoint with a fresh signing secret; the secret is in the answer and nowhere else in clear. */
  async create(
    actor: Actor,
    workspaceId: string,
    input: { url: string; eventTypes: WebhookEventType[] },
  ): Promise<CreatedWebhookEndpointView> {
    const verdict = checkCrmUrl(input.url, { allowPrivate: this.config.crm.allowPrivateHosts });
    if (!verdict.ok) {
      throw new ValidationFailedError([{ field: 'url', message: verdict.reason }]);
    }
    const secret = generateWebhookSecret();
    const now = this.clock.now();
    const id = newId();
    const endpoint: WebhookEndpoint = {
      id,
      workspaceId,
      url: verdict.url.toString(),
      secretEncrypted: this.box.seal(secret, { workspaceId, purpose: webhookSecretPurpose(id) }),
      eventTypes: [...new Set(input.eventTypes)],
      active: true,
      createdAt: now,
      updatedAt: now,
    };
    return this.db.transaction(async (manager) => {
      const repo = this.db.repo(WebhookEndpointEntity, manager);
      if ((await repo.countBy({ workspaceId })) >= MAX_ENDPOINTS_PER_WORKSPACE) {
        throw new DomainError(
          'webhook_endpoint_limit',
          'conflict',
          `A workspace can have at most ${MAX_ENDPOINTS_PER_WORKSPACE} webhook endpoints`,
        );
      }
      await repo.insert(row(endpoint));
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'webhook_endpoint.created',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: { host: auditHost(endpoint.url), eventTypes: endpoint.eventTypes },
      });
      return { ...view(endpoint), secret };
    });
  }

  async list(workspaceId: string): Promise<WebhookEndpointView[]> {
    const endpoints = await this.db.run((manager) =>
      this.db.repo(WebhookEndpointEntity, manager).find({ where: { workspaceId }, order: { createdAt: 'ASC' } }),
    );
    return endpoints.map(view);
  }

  /** Deletes the endpoint; its pending deliveries die as `not_found` when they next run. */
  async remove(actor: Actor, workspaceId: string, id: string): Promise<void> {
    if (!isUuid(id)) {
      throw new NotFoundError('Webhook endpoint');
    }
    await this.db.transaction(async (manager) => {
      const repo = this.db.repo(WebhookEndpointEntity, manager);
      const endpoint = await repo.findOneBy({ id, workspaceId });
      if (!endpoint) {
        throw new NotFoundError('Webhook endpoint');
      }
      await repo.delete({ id, workspaceId });
      await this.audit.record(manager, actor, {
        workspaceId,
        action: 'webhook_endpoint.deleted',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: { host: auditHost(endpoint.url) },
      });
    });
  }
}
