/**
 * Outbound CRM webhooks (Webhooks API v3 subscriptions):
 * https://developers.hubspot.com/docs/api-reference/latest/webhooks/guide
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests (signature v3)
 *
 * HubSpot POSTs a JSON array of up to 100 events. Each request carries
 * - X-HubSpot-Signature-v3: base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)), where uri is
 *   the full target URL with %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B decoded, and
 * - X-HubSpot-Request-Timestamp: milliseconds since the epoch (receivers reject anything older than 5 minutes),
 * - plus the legacy v1 pair still sent for CRM object webhooks: X-HubSpot-Signature = hex(SHA256(secret + body)),
 *   X-HubSpot-Signature-Version: v1.
 * HubSpot's own retries (up to 10 over 24 h) are not emulated: each batch is delivered once.
 */
import { createHash, createHmac } from 'node:crypto';
import { postWebhook } from '../common/webhooks';

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  changeFlag?: string;
  propertyName?: string;
  propertyValue?: string;
}

export interface WebhookDelivery {
  at: string;
  status: number;
  events: WebhookEvent[];
}

const SUBSCRIPTION_IDS: Record<string, number> = {
  'contact.creation': 3_100_001,
  'contact.propertyChange': 3_100_002,
  'contact.deletion': 3_100_003,
  'ticket.creation': 3_100_011,
  'ticket.propertyChange': 3_100_012,
  'ticket.deletion': 3_100_013,
};

const DECODE = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

/** The URI exactly as HubSpot signs it (a fixed list of percent-escapes decoded). */
export function signableUri(url: string): string {
  return url.replace(DECODE, (m) => decodeURIComponent(m));
}

export function signV3(secret: string, method: string, url: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(method + signableUri(url) + body + timestamp, 'utf8')
    .digest('base64');
}

export function signV1(secret: string, body: string): string {
  return createHash('sha256')
    .update(secret + body, 'utf8')
    .digest('hex');
}

const MAX_EVENTS_PER_REQUEST = 100;
const FLUSH_DELAY_MS = 20;

export class WebhookDispatcher {
  private queue: WebhookEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextEventId = 9_000_000_001;
  private readonly inFlight = new Set<Promise<void>>();
  readonly deliveries: WebhookDelivery[] = [];

  constructor(
    private readonly target: { url: string; secret: string } | undefined,
    private readonly account: { portalId: number; appId: number },
  ) {}

  /** `changes`: property name → new value ('' when cleared). */
  recordChange(
    prefix: 'contact' | 'ticket' | undefined,
    kind: 'creation' | 'propertyChange' | 'deletion',
    objectId: string,
    changes: Record<string, string> = {},
  ): void {
    if (!this.target || !prefix) {
      return;
    }
    const occurredAt = Date.now();
    const base = (subscriptionType: string): WebhookEvent => ({
      eventId: this.nextEventId++,
      subscriptionId: SUBSCRIPTION_IDS[subscriptionType] ?? 0,
      portalId: this.account.portalId,
      appId: this.account.appId,
      occurredAt,
      subscriptionType,
      attemptNumber: 0,
      objectId: Number(objectId),
      changeSource: 'API',
    });
    if (kind === 'creation') {
      this.queue.push({ ...base(`${prefix}.creation`), changeFlag: 'CREATED' });
    } else if (kind === 'deletion') {
      this.queue.push({ ...base(`${prefix}.deletion`), changeFlag: 'DELETED' });
    }
    if (kind !== 'deletion') {
      for (const [propertyName, propertyValue] of Object.entries(changes)) {
        this.queue.push({ ...base(`${prefix}.propertyChange`), propertyName, propertyValue });
      }
    }
    this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Sends everything queued and waits for the deliveries in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.queue = [];
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const target = this.target;
    if (!target) {
      return;
    }
    while (this.queue.length > 0) {
      const events = this.queue.splice(0, MAX_EVENTS_PER_REQUEST);
      const body = JSON.stringify(events);
      const timestamp = String(Date.now());
      const delivery = postWebhook(target.url, body, {
        'X-HubSpot-Signature-v3': signV3(target.secret, 'POST', target.url, body, timestamp),
        'X-HubSpot-Request-Timestamp': timestamp,
        'X-HubSpot-Signature': signV1(target.secret, body),
        'X-HubSpot-Signature-Version': 'v1',
        'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon-executor',
      }).then((status) => {
        this.deliveries.push({ at: new Date().toISOString(), status, events });
      });
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }
}
