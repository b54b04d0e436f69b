import type { SeedPerson } from '../common/sandbox.types';
import { OWNERS, defaultAssociation } from './hubspot.schema';
import type { HsRecord, HubspotStore } from './hubspot.store';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const LANGUAGE: Record<SeedPerson['locale'], string> = { 'en-US': 'en', 'en-GB': 'en-gb', 'ja-JP': 'ja' };

const ORDER_STAGE: Record<
  SeedPerson['orders'][number]['status'],
  { stage: string; fulfillment: string; hours: number }
> = {
  pending: { stage: 'checkout_pending', fulfillment: 'Unfulfilled', hours: 0 },
  paid: { stage: 'processed', fulfillment: 'Unfulfilled', hours: 2 },
  shipped: { stage: 'shipped', fulfillment: 'Shipped', hours: 30 },
  delivered: { stage: 'delivered', fulfillment: 'Delivered', hours: 80 },
  cancelled: { stage: 'cancelled', fulfillment: 'Cancelled', hours: 5 },
};

const TICKET_STAGE: Record<SeedPerson['cases'][number]['status'], string> = {
  new: '1',
  pending: '2',
  open: '3',
  solved: '4',
  closed: '4',
};

const PRIORITY: Record<SeedPerson['cases'][number]['priority'], string> = {
  low: 'LOW',
  normal: 'MEDIUM',
  high: 'HIGH',
  urgent: 'URGENT',
};

/** Japanese mobile numbers (070/080/090) live in `mobilephone`, like a HubSpot user would file them. */
function phoneProperty(person: SeedPerson): 'phone' | 'mobilephone' {
  return /^(\+81[789]0|0[789]0)/.test(person.phone.replace(/[\s-]/g, '')) ? 'mobilephone' : 'phone';
}

function link(store: HubspotStore, from: HsRecord, to: HsRecord): void {
  const spec = defaultAssociation(from.type, to.type);
  if (spec) {
    store.associate(from, to, spec.typeId);
  }
}

/**
 * Loads the shared seed people as a HubSpot account would hold them: a contact each, orders with line items,
 * notes and tickets associated with the HubSpot-defined association types. HubSpot enforces unique emails, so the
 * seed never asks it for duplicates (SeedPerson.duplicateIn never contains 'hubspot').
 */
export function seedStore(store: HubspotStore, people: SeedPerson[]): void {
  const source = { sourceType: 'IMPORT' };
  for (const person of people) {
    const updatedAt = Date.parse(person.updatedAt);
    const childDates = [
      ...person.orders.map((o) => Date.parse(o.placedAt)),
      ...person.notes.map((n) => Date.parse(n.createdAt)),
      ...person.cases.map((c) => Date.parse(c.createdAt)),
    ];
    const createdAt = Math.min(updatedAt, ...childDates) - 30 * DAY;
    const contactProps: Record<string, string> = {
      firstname: person.firstName,
      lastname: person.lastName,
      email: person.email.toLowerCase(),
      [phoneProperty(person)]: person.phone,
      hs_language: LANGUAGE[person.locale],
      lifecyclestage: person.orders.length > 0 ? 'customer' : 'lead',
      chat_bridge_external_id: person.externalId,
    };
    if (person.company) {
      contactProps.company = person.company;
    }
    if (person.tier) {
      contactProps.customer_tier = person.tier;
    }
    const contact = store.create('contacts', contactProps, { ...source, at: updatedAt }, createdAt);

    for (const order of person.orders) {
      const placedAt = Date.parse(order.placedAt);
      const stage = ORDER_STAGE[order.status];
      const record = store.create(
        'orders',
        {
          hs_order_name: `Order ${order.number}`,
          hs_external_order_id: order.number,
          hs_total_price: String(order.total),
          hs_currency_code: order.currency,
          hs_pipeline: 'orders-default',
          hs_pipeline_stage: stage.stage,
          hs_fulfillment_status: stage.fulfillment,
          hs_external_created_date: new Date(placedAt).toISOString(),
        },
        { ...source, at: placedAt + stage.hours * HOUR },
        placedAt,
      );
      link(store, contact, record);
      for (const item of order.items) {
        const line = store.create(
          'line_items',
          { name: item.name, hs_sku: item.sku, quantity: String(item.quantity), price: String(item.unitPrice) },
          { ...source, at: placedAt },
          placedAt,
        );
        link(store, record, line);
      }
    }

    for (const note of person.notes) {
      const at = Date.parse(note.createdAt);
      const owner = OWNERS.find((o) => o.name === note.author);
      const record = store.create(
        'notes',
        {
          hs_note_body: note.body,
          hs_timestamp: new Date(at).toISOString(),
          ...(owner ? { hubspot_owner_id: owner.id } : {}),
        },
        { ...source, at },
        at,
      );
      link(store, record, contact);
    }

    for (const c of person.cases) {
      const at = Date.parse(c.createdAt);
      const record = store.create(
        'tickets',
        {
          subject: c.subject,
          content: c.description,
          hs_pipeline: '0',
          hs_pipeline_stage: TICKET_STAGE[c.status],
          hs_ticket_priority: PRIORITY[c.priority],
        },
        { ...source, at: at + (c.status === 'new' ? 0 : 6 * HOUR) },
        at,
      );
      link(store, record, contact);
    }
  }
}
