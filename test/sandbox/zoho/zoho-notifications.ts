/**
 * Instant notifications (https://www.zoho.com/crm/developer/docs/api/v8/notifications/enable.html):
 * POST/GET/PUT/PATCH/DELETE /crm/v8/actions/watch manage channels; on every record change Zoho POSTs
 *   {server_time, query_params, module, resource_uri, ids, affected_fields, operation, channel_id, token}
 * to the channel's notify_url. There is no signature: receivers compare `token` and `channel_id`.
 * Rules from the docs: token at most 50 characters, channel_expiry at most one week ahead (otherwise, or when
 * absent, one hour), at most 50 channels per request, events "{Module}.{create|edit|delete|all}".
 */
import { postWebhook } from '../common/webhooks';
import { zohoError, type ZohoError } from './zoho-errors';
import { findModule } from './zoho-schema';
import { zohoTime } from './zoho-store';

export type ChangeOperation = 'insert' | 'update' | 'delete';

interface Channel {
  channelId: string;
  notifyUrl: string;
  token?: string;
  expiresAt: number;
  events: Set<string>;
  returnAffectedFieldValues: boolean;
  notifyOnRelatedAction: boolean;
}

export interface Change {
  id: string;
  /** Fields written by an update (affected_fields); empty for insert and delete. */
  fields: string[];
  /** Values of those fields, for channels with return_affected_field_values. */
  values: Record<string, unknown>;
}

export interface Delivery {
  url: string;
  channelId: string;
  body: Record<string, unknown>;
  status: number;
}

const WEEK = 7 * 86_400_000;
const HOUR = 3_600_000;
const OPS = ['create', 'edit', 'delete', 'all'] as const;
const EVENT_FOR: Record<ChangeOperation, string> = { insert: 'create', update: 'edit', delete: 'delete' };
const NOT_WATCHABLE = new Set(['Notes', 'Ordered_Items']);

type ItemResult = { ok: true; channel: Channel } | { ok: false; error: ZohoError };

export class NotificationHub {
  private readonly channels = new Map<string, Channel>();
  readonly deliveries: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly defaultWebhook?: { url: string; secret: string; channelId: string }) {}

  private parseItem(item: unknown, i: number, existing?: Channel): ItemResult {
    const path = `$.watch[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return {
        ok: false,
        error: zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'watch',
          json_path: path,
          expected_data_type: 'jsonobject',
        }),
      };
    }
    const raw = item as Record<string, unknown>;
    const missing = (name: string): ItemResult => ({
      ok: false,
      error: zohoError('MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: name,
        json_path: `${path}.${name}`,
      }),
    });
    const invalid = (name: string, extra: Record<string, unknown> = {}, at = `${path}.${name}`): ItemResult => ({
      ok: false,
      error: zohoError('INVALID_DATA', 'invalid data', { api_name: name, json_path: at, ...extra }),
    });
    const channelIdRaw = raw.channel_id;
    if (channelIdRaw === undefined || channelIdRaw === null || channelIdRaw === '') {
      return missing('channel_id');
    }
    const channelId = typeof channelIdRaw === 'string' || typeof channelIdRaw === 'number' ? String(channelIdRaw) : '';
    if (!/^\d{1,19}$/.test(channelId)) {
      return invalid('channel_id', { expected_data_type: 'long' });
    }
    const notifyUrl = raw.notify_url ?? existing?.notifyUrl;
    if (notifyUrl === undefined || notifyUrl === null || notifyUrl === '') {
      return missing('notify_url');
    }
    if (typeof notifyUrl !== 'string' || !/^https?:\/\/[^\s]+$/i.test(notifyUrl) || notifyUrl.length > 255) {
      return invalid('notify_url');
    }
    const eventsRaw = raw.events ?? (existing ? [...existing.events] : undefined);
    if (eventsRaw === undefined || (Array.isArray(eventsRaw) && eventsRaw.length === 0)) {
      return missing('events');
    }
    if (!Array.isArray(eventsRaw)) {
      return invalid('events', { expected_data_type: 'jsonarray' });
    }
    const events = new Set<string>();
    for (const [j, event] of eventsRaw.entries()) {
      const match = typeof event === 'string' ? /^([A-Za-z_]+)\.([a-z]+)$/.exec(event) : null;
      const module = match ? findModule(match[1]) : undefined;
      if (
        !match ||
        !module ||
        module.subform ||
        NOT_WATCHABLE.has(module.api_name) ||
        !OPS.includes(match[2] as (typeof OPS)[number])
      ) {
        return invalid('events', {}, `${path}.events[${j}]`);
      }
      events.add(`${module.api_name}.${match[2]}`);
    }
    const token = raw.token ?? existing?.token;
    if (token !== undefined && token !== null && (typeof token !== 'string' || token.length > 50)) {
      return invalid('token', { maximum_length: 50 });
    }
    let expiresAt = Date.now() + HOUR;
    if (raw.channel_expiry !== undefined && raw.channel_expiry !== null) {
      const at = typeof raw.channel_expiry === 'string' ? Date.parse(raw.channel_expiry) : Number.NaN;
      if (Number.isNaN(at)) {
        return invalid('channel_expiry', { expected_data_type: 'datetime' });
      }
      expiresAt = at > Date.now() + WEEK ? Date.now() + HOUR : at;
    } else if (existing) {
      expiresAt = existing.expiresAt;
    }
    return {
      ok: true,
      channel: {
        channelId,
        notifyUrl,
        ...(typeof token === 'string' ? { token } : {}),
        expiresAt,
        events,
        returnAffectedFieldValues: raw.return_affected_field_values === true,
        notifyOnRelatedAction: raw.notify_on_related_action !== false,
      },
    };
  }

  private describe(channel: Channel, baseUrl: string): Array<Record<string, unknown>> {
    const modules = [...new Set([...channel.events].map((e) => e.split('.')[0]))];
    return modules.map((name) => ({
      channel_expiry: zohoTime(channel.expiresAt),
      resource_uri: `${baseUrl}/crm/v8/${name}`,
      resource_id: findModule(name)?.id ?? null,
      resource_name: name,
      channel_id: channel.channelId,
    }));
  }

  /** POST (mode 'enable') and PUT (mode 'replace') /actions/watch. */
  subscribe(items: unknown[], baseUrl: string): Array<Record<string, unknown>> {
    return items.map((item, i) => {
      const parsed = this.parseItem(item, i);
      if (!parsed.ok) {
        return parsed.error as unknown as Record<string, unknown>;
      }
      this.channels.set(parsed.channel.channelId, parsed.channel);
      return {
        code: 'SUCCESS',
        details: { events: this.describe(parsed.channel, baseUrl) },
        message: 'Successfully subscribed for actions-watch of the given module',
        status: 'success',
      };
    });
  }

  /** PATCH /actions/watch: adds events to a channel, or removes them with `_delete_events: true`. */
  patch(items: unknown[], baseUrl: string): Array<Record<string, unknown>> {
    return items.map((item, i) => {
      const raw = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const channelId =
        typeof raw.channel_id === 'string' || typeof raw.channel_id === 'number' ? String(raw.channel_id) : '';
      const existing = this.channels.get(channelId);
      if (!existing) {
        return zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'channel_id',
          json_path: `$.watch[${i}].channel_id`,
        }) as unknown as Record<string, unknown>;
      }
      const parsed = this.parseItem({ ...raw, events: raw.events ?? [...existing.events] }, i, existing);
      if (!parsed.ok) {
        return parsed.error as unknown as Record<string, unknown>;
      }
      const events = new Set(existing.events);
      for (const event of parsed.channel.events) {
        if (raw._delete_events === true) {
          events.delete(event);
        } else {
          events.add(event);
        }
      }
      const updated = { ...parsed.channel, events };
      if (events.size === 0) {
        this.channels.delete(existing.channelId);
      } else {
        this.channels.set(existing.channelId, updated);
      }
      return {
        code: 'SUCCESS',
        details: { events: this.describe(updated, baseUrl) },
        message: 'Successfully updated the details of the notification',
        status: 'success',
      };
    });
  }

  list(baseUrl: string, channelId?: string, module?: string): Array<Record<string, unknown>> {
    return [...this.channels.values()]
      .filter((c) => c.expiresAt > Date.now())
      .filter((c) => channelId === undefined || c.channelId === channelId)
      .filter((c) => module === undefined || [...c.events].some((e) => e.startsWith(`${module}.`)))
      .flatMap((c) =>
        this.describe(c, baseUrl).map((d) => ({
          notify_on_related_action: c.notifyOnRelatedAction,
          channel_expiry: d.channel_expiry,
          return_affected_field_values: c.returnAffectedFieldValues,
          resource_uri: d.resource_uri,
          resource_id: d.resource_id,
          notify_url: c.notifyUrl,
          resource_name: d.resource_name,
          fields: null,
          notification_condition: null,
          channel_id: c.channelId,
          events: [...c.events].filter((e) => e.startsWith(`${String(d.resource_name)}.`)),
          token: c.token ?? null,
        })),
      );
  }

  disable(channelIds: string[], baseUrl: string): Array<Record<string, unknown>> {
    return channelIds.map((id) => {
      const channel = this.channels.get(id);
      if (!channel) {
        return zohoError('INVALID_DATA', 'invalid data', {
          api_name: 'channel_ids',
          json_path: '$.channel_ids',
          id,
        }) as unknown as Record<string, unknown>;
      }
      this.channels.delete(id);
      const first = this.describe(channel, baseUrl)[0] ?? {};
      return {
        code: 'SUCCESS',
        details: { resource_uri: first.resource_uri, resource_id: first.resource_id, channel_id: id },
        message: 'Successfully unsubscribed from actions-watch of the given module',
        status: 'success',
      };
    });
  }

  /** One notification per channel for a batch of changes of one module and one operation, like Zoho batches ids. */
  notify(module: string, operation: ChangeOperation, changes: Change[], baseUrl: string): void {
    if (changes.length === 0) {
      return;
    }
    const wanted = [`${module}.${EVENT_FOR[operation]}`, `${module}.all`];
    const targets: Array<{ url: string; channelId: string; token?: string; values: boolean }> = [];
    for (const channel of this.channels.values()) {
      if (channel.expiresAt > Date.now() && wanted.some((e) => channel.events.has(e))) {
        targets.push({
          url: channel.notifyUrl,
          channelId: channel.channelId,
          ...(channel.token === undefined ? {} : { token: channel.token }),
          values: channel.returnAffectedFieldValues,
        });
      }
    }
    if (this.defaultWebhook) {
      targets.push({
        url: this.defaultWebhook.url,
        channelId: this.defaultWebhook.channelId,
        token: this.defaultWebhook.secret,
        values: false,
      });
    }
    for (const target of targets) {
      const url = new URL(target.url);
      const body: Record<string, unknown> = {
        server_time: Date.now(),
        query_params: Object.fromEntries(url.searchParams.entries()),
        module,
        resource_uri: `${baseUrl}/crm/v8/${module}`,
        ids: changes.map((c) => c.id),
        affected_fields: operation === 'update' ? changes.map((c) => ({ [c.id]: c.fields })) : [],
        operation,
        channel_id: target.channelId,
        token: target.token ?? null,
      };
      if (target.values && operation === 'update') {
        body.affected_values = changes.map((c) => ({ record_id: c.id, values: c.values }));
      }
      const text = JSON.stringify(body);
      const delivery = postWebhook(target.url, text, {}).then((status) => {
        this.deliveries.push({ url: target.url, channelId: target.channelId, body, status });
      });
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  /** Waits for in-flight deliveries (stop() and tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
