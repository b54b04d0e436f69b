import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { checkCrmUrl, checkResolvedHost } from '../connectors/egress/egress-guard';
import { Database } from '../database/database';
import type { JobContext, JobHandler } from '../jobs/job-handler';
import type { ClassifiedError, FailureCode, JobFailure } from '../jobs/retry-policy';
import { standardWebhookHeaders } from './standard-webhooks';
import { WebhookEndpointEntity, webhookSecretPurpose } from './webhook-endpoint.entity';

export const WEBHOOK_DELIVER_JOB = 'webhook.deliver';

export interface WebhookDeliverPayload {
  endpointId: string;
  /** `webhook-id`: deterministic from the source event, identical on every retry. */
  messageId: string;
  eventType: string;
  /** The JSON text to send, fixed at enqueue time so every retry sends the same bytes. */
  body: string;
}

export const WEBHOOK_TIMEOUT_MS = 15_000;
/** A receiver asking us to wait longer than this is treated as asking for this long. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export class WebhookDeliveryError extends Error implements ClassifiedError {
  readonly failure: JobFailure;

  constructor(code: FailureCode, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'WebhookDeliveryError';
    this.failure = retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs };
  }
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, now: Date): number | undefined {
  if (!value) {
    return undefined;
  }
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now.getTime();
  if (!Number.isFinite(ms)) {
    return undefined;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * Delivers one message to one endpoint (Standard Webhooks). Enqueued by OutboundWebhooksService with
 * `maxAttempts = webhookMaxAttempts(backoff)` (60 with the default backoff: ≥ 24 h of retries, see
 * delivery-horizon.ts) and `groupKey = webhook:<endpointId>`, so a 429 holds back only that endpoint.
 *
 * Outcomes: 2xx → done. 410 Gone → the endpoint is deactivated and the job dies (`not_found`). 429 → `rate_limited`
 * with the Retry-After (`unavailable` without one). 408 → `timeout`; 3xx (redirects are never followed: a redirect
 * could point anywhere, including inside our network), 5xx, network errors → `unavailable`, our own 15 s timeout
 * → `timeout` (all retried with backoff). Any other 4xx → `invalid_request` (dead). An endpoint that is gone or
 * inactive → `not_found` (dead).
 */
@Injectable()
export class WebhookDeliveryHandler implements JobHandler<WebhookDeliverPayload> {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({ job, payload, signal }: JobContext<WebhookDeliverPayload>): Promise<void> {
    const workspaceId = job.workspaceId;
    if (!workspaceId) {
      throw new WebhookDeliveryError('invalid_request', 'webhook delivery without a workspace');
    }
    const endpoint = await this.db.run((manager) =>
      this.db.repo(WebhookEndpointEntity, manager).findOneBy({ id: payload.endpointId, workspaceId }),
    );
    if (!endpoint || !endpoint.active) {
      throw new WebhookDeliveryError('not_found', `webhook endpoint ${payload.endpointId} is gone or inactive`);
    }

    const allowPrivate = this.config.crm.allowPrivateHosts;
    const saved = checkCrmUrl(endpoint.url, { allowPrivate });
    if (!saved.ok) {
      throw new WebhookDeliveryError('invalid_request', `webhook endpoint URL ${saved.reason}`);
    }
    const resolved = await checkResolvedHost(saved.url.hostname, { allowPrivate });
    if (!resolved.ok) {
      // A name that does not resolve may be a DNS hiccup; one that resolves to a private address is refused.
      const transient = resolved.reason.endsWith('does not resolve');
      throw new WebhookDeliveryError(transient ? 'unavailable' : 'invalid_request', resolved.reason);
    }

    const secret = this.box.open(endpoint.secretEncrypted, { workspaceId, purpose: webhookSecretPurpose(endpoint.id) });
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const headers = standardWebhookHeaders({ id: payload.messageId, timestamp, body: payload.body, secret });

    const timeout = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(saved.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'chat-crm-bridge-webhooks/1', ...headers },
        body: payload.body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      if (timeout.aborted) {
        throw new WebhookDeliveryError('timeout', `no answer within ${WEBHOOK_TIMEOUT_MS} ms`);
      }
      throw new WebhookDeliveryError('unavailable', `delivery failed: ${describe(error)}`);
    }
    // The body is not needed (and may be large): release the connection.
    await response.body?.cancel().catch(() => undefined);

    const status = response.status;
    if (status >= 200 && status < 300) {
      return;
    }
    if (status === 410) {
      await this.db.run((manager) =>
        this.db
          .repo(WebhookEndpointEntity, manager)
          .update({ id: endpoint.id, workspaceId }, { active: false, updatedAt: this.clock.now() }),
      );
      throw new WebhookDeliveryError('not_found', 'receiver answered 410 Gone: endpoint deactivated');
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.clock.now());
      throw retryAfterMs === undefined
        ? new WebhookDeliveryError('unavailable', 'receiver answered 429')
        : new WebhookDeliveryError('rate_limited', 'receiver answered 429', retryAfterMs);
    }
    if (status === 408) {
      throw new WebhookDeliveryError('timeout', 'receiver answered 408');
    }
    if (status >= 300 && status < 400) {
      throw new WebhookDeliveryError('unavailable', `receiver answered ${status} (redirects are not followed)`);
    }
    if (status >= 400 && status < 500) {
      throw new WebhookDeliveryError('invalid_request', `receiver answered ${status}`);
    }
    throw new WebhookDeliveryError('unavailable', `receiver answered ${status}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return typeof cause?.code === 'string' ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
