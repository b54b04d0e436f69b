import { postWebhookForReply } from '../common/webhooks';
import type { IdFactory } from './ids';
import type { SObjectRecord } from './store';

/**
 * Workflow/Flow Outbound Messages: a SOAP `notifications` envelope POSTed to the endpoint for Contact and Case
 * changes, up to 100 notifications per message, retried until the listener answers 2xx with `<Ack>true</Ack>` in a
 * `notificationsResponse`: a 2xx without that Ack counts as not delivered, as in Salesforce's delivery queue.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_security.htm
 *
 * Salesforce does NOT sign outbound messages: there is no HMAC header, so `options.webhook.secret` is unused. A
 * listener authenticates them by comparing <OrganizationId> with the org's 18-character id (constant time), by an IP
 * allow-list of Salesforce's ranges, and optionally mutual TLS with the Salesforce client certificate.
 *
 * Real retry schedule: first retry after ~15 s, doubling to 60 min, for up to 24 h. The sandbox keeps the shape but
 * compresses the delays (configurable) so a test can watch a retry happen.
 */

const FIELDS: Record<string, string[]> = {
  Contact: [
    'Id',
    'FirstName',
    'LastName',
    'Email',
    'Phone',
    'MobilePhone',
    'AccountId',
    'External_Id__c',
    'Customer_Tier__c',
    'LastModifiedDate',
  ],
  Case: [
    'Id',
    'CaseNumber',
    'Subject',
    'Status',
    'Priority',
    'Origin',
    'ContactId',
    'IsClosed',
    'Chat_Session_Key__c',
    'LastModifiedDate',
  ],
};

export const OUTBOUND_OBJECTS = new Set(Object.keys(FIELDS));

export interface OutboundDelivery {
  at: string;
  attempt: number;
  status: number;
  /** The listener answered 2xx with `<Ack>true</Ack>`; anything else is retried. */
  acked: boolean;
  object: string;
  notificationIds: string[];
  recordIds: string[];
  body: string;
}

function xmlEscape(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** SOAP dateTime: the API's `+0000` suffix becomes `Z`. */
function xmlValue(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T.*\+0000$/.test(value)) {
    return value.replace('+0000', 'Z');
  }
  return xmlEscape(String(value));
}

export function buildNotificationsEnvelope(args: {
  orgId: string;
  actionId: string;
  baseUrl: string;
  apiVersion: string;
  object: string;
  notifications: Array<{ id: string; record: SObjectRecord }>;
}): string {
  const org15 = args.orgId.slice(0, 15);
  const fields = FIELDS[args.object] ?? ['Id'];
  const notifications = args.notifications
    .map(({ id, record }) => {
      const values = fields
        .filter((name) => record[name] !== null && record[name] !== undefined)
        .map((name) => `     <sf:${name}>${xmlValue(record[name])}</sf:${name}>`)
        .join('\n');
      return [
        '   <Notification>',
        `    <Id>${id}</Id>`,
        `    <sObject xsi:type="sf:${args.object}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">`,
        values,
        '    </sObject>',
        '   </Notification>',
      ].join('\n');
    })
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ' <soapenv:Body>',
    '  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">',
    `   <OrganizationId>${args.orgId}</OrganizationId>`,
    `   <ActionId>${args.actionId}</ActionId>`,
    '   <SessionId xsi:nil="true"/>',
    `   <EnterpriseUrl>${xmlEscape(`${args.baseUrl}/services/Soap/c/${args.apiVersion}/${org15}`)}</EnterpriseUrl>`,
    `   <PartnerUrl>${xmlEscape(`${args.baseUrl}/services/Soap/u/${args.apiVersion}/${org15}`)}</PartnerUrl>`,
    notifications,
    '  </notifications>',
    ' </soapenv:Body>',
    '</soapenv:Envelope>',
  ].join('\n');
}

/** `<Ack>true</Ack>` inside `notificationsResponse` (any namespace prefix; xsd:boolean also allows `1`). */
export function isAck(body: string): boolean {
  return (
    /<(?:[\w-]+:)?notificationsResponse[\s>]/.test(body) &&
    /<(?:[\w-]+:)?Ack>\s*(?:true|1)\s*<\/(?:[\w-]+:)?Ack>/.test(body)
  );
}

export class OutboundMessenger {
  private readonly queue = new Map<string, Array<{ id: string; record: SObjectRecord }>>();
  private readonly actionIds = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: OutboundDelivery[] = [];
  private flushScheduled = false;
  private stopped = false;

  constructor(
    private readonly opts: {
      url: string;
      orgId: string;
      ids: IdFactory;
      baseUrl: () => string;
      apiVersion: string;
      retryDelaysMs: number[];
    },
  ) {}

  /** Queues a snapshot of the record; changes made in the same tick go out together, as Salesforce batches them. */
  enqueue(object: string, record: SObjectRecord): void {
    if (this.stopped || !OUTBOUND_OBJECTS.has(object)) {
      return;
    }
    const list = this.queue.get(object) ?? [];
    list.push({ id: this.opts.ids.next('04l'), record: { ...record } });
    this.queue.set(object, list);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  deliveries(): OutboundDelivery[] {
    return [...this.log];
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const [object, list] of this.queue) {
      for (let i = 0; i < list.length; i += 100) {
        const batch = list.slice(i, i + 100);
        let actionId = this.actionIds.get(object);
        if (!actionId) {
          actionId = this.opts.ids.next('04k');
          this.actionIds.set(object, actionId);
        }
        const body = buildNotificationsEnvelope({
          orgId: this.opts.orgId,
          actionId,
          baseUrl: this.opts.baseUrl(),
          apiVersion: this.opts.apiVersion,
          object,
          notifications: batch,
        });
        void this.send(object, batch, body, 1);
      }
    }
    this.queue.clear();
  }

  private async send(
    object: string,
    batch: Array<{ id: string; record: SObjectRecord }>,
    body: string,
    attempt: number,
  ): Promise<void> {
    if (this.stopped) {
      return;
    }
    const reply = await postWebhookForReply(this.opts.url, body, {
      'content-type': 'text/xml; charset=utf-8',
      SOAPAction: '""',
    });
    const status = reply.status;
    const acked = status >= 200 && status < 300 && isAck(reply.body);
    this.log.push({
      at: new Date().toISOString(),
      attempt,
      status,
      acked,
      object,
      notificationIds: batch.map((n) => n.id),
      recordIds: batch.map((n) => n.record.Id),
      body,
    });
    const delay = this.opts.retryDelaysMs[attempt - 1];
    if (!acked && delay !== undefined && !this.stopped) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.send(object, batch, body, attempt + 1);
      }, delay);
      timer.unref();
      this.timers.add(timer);
    }
  }
}
