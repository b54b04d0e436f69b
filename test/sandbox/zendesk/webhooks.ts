import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { postWebhook } from '../common/webhooks';
import { zdTime, type CommentRecord, type TicketRecord, type UserRecord, type ZendeskStore } from './store';

/**
 * Outbound ticket event webhooks, as an event-subscribed Zendesk webhook sends them
 * (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/):
 * `zen:event-type:ticket.created`, `…ticket.status_changed` (e.g. to SOLVED) and `…ticket.comment_added`.
 *
 * Signature (https://developer.zendesk.com/documentation/webhooks/verifying/):
 *   X-Zendesk-Webhook-Signature           = base64(HMAC_SHA256(secret, TIMESTAMP + BODY))
 *   X-Zendesk-Webhook-Signature-Timestamp = TIMESTAMP
 * The docs do not print the timestamp format. We send ISO 8601 UTC to the second ("2024-04-17T17:18:10Z") because
 * captured Zendesk deliveries carry exactly that (e.g. Prismatic's recorded Zendesk webhook payload), and it is the
 * same format Zendesk uses for every other timestamp. Receivers must treat it as an opaque string when verifying
 * and parse it as a date only for their replay window.
 *
 * Deliveries go out one at a time in event order. A 409 answer is retried up to three times, the one retry rule the
 * webhook docs state without needing response headers (postWebhook exposes only the status).
 */

export interface WebhookDelivery {
  type: string;
  ticketId: number;
  status: number;
  attempts: number;
}

const upper = (s: string | null): string | null => (s === null ? null : s.toUpperCase());
const str = (n: number | null): string | null => (n === null ? null : String(n));

export function signZendeskWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret)
    .update(timestamp + body, 'utf8')
    .digest('base64');
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** Zendesk webhook ids are ULID-like 26-character strings ("01GK8E6BKWMJZD2T8Y5AXJQMG5"). */
  private readonly webhookId = `01${randomBytes(12).toString('hex').toUpperCase()}`.slice(0, 26);

  constructor(
    private readonly target: { url: string; secret: string } | undefined,
    private readonly store: ZendeskStore,
    private readonly accountId: number,
  ) {}

  private detail(ticket: TicketRecord, actor: UserRecord): Record<string, unknown> {
    const comments = this.store.comments.get(ticket.id) ?? [];
    return {
      actor_id: String(actor.id),
      assignee_id: str(ticket.assigneeId),
      brand_id: null,
      created_at: zdTime(ticket.createdAt),
      custom_status: null,
      description: ticket.description,
      external_id: ticket.externalId,
      form_id: null,
      group_id: null,
      id: String(ticket.id),
      is_public: comments.some((c) => c.public),
      organization_id: str(ticket.organizationId),
      priority: upper(ticket.priority),
      requester_id: String(ticket.requesterId),
      status: upper(ticket.status),
      subject: ticket.subject,
      submitter_id: String(ticket.submitterId),
      tags: [...ticket.tags],
      type: upper(ticket.type),
      updated_at: zdTime(ticket.updatedAt),
      via: { channel: ticket.viaChannel },
    };
  }

  ticketCreated(ticket: TicketRecord, actor: UserRecord): void {
    this.emit('zen:event-type:ticket.created', ticket, actor, { current: { status: upper(ticket.status) } });
  }

  statusChanged(ticket: TicketRecord, actor: UserRecord, previous: string): void {
    this.emit('zen:event-type:ticket.status_changed', ticket, actor, {
      current: upper(ticket.status),
      previous: upper(previous),
    });
  }

  commentAdded(ticket: TicketRecord, actor: UserRecord, comment: CommentRecord): void {
    const author = this.store.users.get(comment.authorId);
    this.emit('zen:event-type:ticket.comment_added', ticket, actor, {
      comment: {
        id: comment.id,
        body: comment.body,
        is_public: comment.public,
        author: { id: comment.authorId, is_staff: author?.role !== 'end-user', name: author?.name ?? '' },
      },
    });
  }

  private emit(type: string, ticket: TicketRecord, actor: UserRecord, event: Record<string, unknown>): void {
    if (!this.target) {
      return;
    }
    const target = this.target;
    const now = Date.now();
    const body = JSON.stringify({
      type,
      account_id: this.accountId,
      id: randomUUID(),
      time: new Date(now).toISOString(),
      zendesk_event_version: '2022-11-06',
      subject: `zen:ticket:${ticket.id}`,
      detail: this.detail(ticket, actor),
      event,
    });
    const invocationId = randomUUID();
    this.chain = this.chain.then(async () => {
      let attempts = 0;
      let status = 0;
      do {
        attempts += 1;
        const timestamp = zdTime(Date.now());
        status = await postWebhook(target.url, body, {
          'User-Agent': 'Zendesk Webhook',
          'X-Zendesk-Webhook-Id': this.webhookId,
          'X-Zendesk-Webhook-Invocation-Id': invocationId,
          'X-Zendesk-Webhook-Signature': signZendeskWebhook(target.secret, timestamp, body),
          'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
        });
      } while (status === 409 && attempts < 4);
      this.deliveries.push({ type, ticketId: ticket.id, status, attempts });
    });
  }

  /** Resolves once every webhook queued so far has been delivered (or given up on). */
  flush(): Promise<void> {
    return this.chain;
  }
}
