import type { SeedPerson } from '../common/sandbox.types';
import { sfDateTime, type OrgStore, type SObjectRecord } from './store';

/**
 * Turns the vendor-neutral seed people into the objects a B2C support org has: an Account per company (or a
 * "<Last name> Household" account, the usual B2C pattern, for people without one), a Contact per person, Orders with
 * OrderItems and Product2 rows, Notes (ParentId = Contact) written by per-author Users, and Cases (ContactId).
 * A duplicate person gets a second Contact with the same email, another name variant and phone, an older
 * SystemModstamp and no External_Id__c (the field is unique).
 */

const TIER: Record<NonNullable<SeedPerson['tier']>, string> = { standard: 'Standard', gold: 'Gold', vip: 'VIP' };
const COUNTRY: Record<SeedPerson['locale'], string> = {
  'en-US': 'United States',
  'en-GB': 'United Kingdom',
  'ja-JP': 'Japan',
};
const ORDER_STATUS: Record<SeedPerson['orders'][number]['status'], string> = {
  pending: 'Draft',
  paid: 'Activated',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};
const CASE_STATUS: Record<SeedPerson['cases'][number]['status'], string> = {
  new: 'New',
  open: 'Working',
  pending: 'Waiting on Customer',
  solved: 'Closed',
  closed: 'Closed',
};
// Standard Case priorities are High/Medium/Low, so "urgent" folds into High.
const CASE_PRIORITY: Record<SeedPerson['cases'][number]['priority'], string> = {
  low: 'Low',
  normal: 'Medium',
  high: 'High',
  urgent: 'High',
};

/** Seeded records carry the seed's dates, not the time the sandbox started. */
function stamp(record: SObjectRecord, createdIso: string, modifiedIso = createdIso): void {
  const created = sfDateTime(Date.parse(createdIso));
  const modified = sfDateTime(Date.parse(modifiedIso));
  Object.assign(record, { CreatedDate: created, LastModifiedDate: modified, SystemModstamp: modified });
}

export interface SeedIndex {
  /** Contact id of each seed person's primary record, by seed key. */
  contactIdByKey: Map<string, string>;
}

export function seedOrg(store: OrgStore, people: SeedPerson[]): SeedIndex {
  const seeding = { seeding: true } as const;
  const accounts = new Map<string, SObjectRecord>();
  const products = new Map<string, SObjectRecord>();
  const users = new Map<string, string>();
  const contactIdByKey = new Map<string, string>();
  const oldest = '2024-01-01T00:00:00.000Z';

  const accountFor = (person: SeedPerson): SObjectRecord => {
    const name = person.company ?? `${person.lastName} Household`;
    const key = person.company ? `c:${name}` : `h:${person.key}`;
    let account = accounts.get(key);
    if (!account) {
      account = store.create(
        'Account',
        {
          Name: name,
          Type: person.company ? 'Customer - Direct' : 'Household',
          BillingCountry: COUNTRY[person.locale],
          CurrencyIsoCode: person.orders[0]?.currency ?? 'USD',
        },
        {},
        seeding,
      );
      stamp(account, oldest);
      accounts.set(key, account);
    }
    return account;
  };

  const productFor = (item: SeedPerson['orders'][number]['items'][number]): SObjectRecord => {
    let product = products.get(item.sku);
    if (!product) {
      product = store.create('Product2', { Name: item.name, ProductCode: item.sku, IsActive: true }, {}, seeding);
      stamp(product, oldest);
      products.set(item.sku, product);
    }
    return product;
  };

  const userFor = (author: string): string => {
    let id = users.get(author);
    if (!id) {
      const [first, ...rest] = author.split(' ');
      const last = rest.join(' ') || first;
      const slug =
        author
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '.')
          .replace(/^\.+|\.+$/g, '') || `agent${users.size + 1}`;
      id = store.insertUser(rest.length > 0 ? first : '', last, `${slug}@support.example.com`);
      users.set(author, id);
    }
    return id;
  };

  for (const person of people) {
    const account = accountFor(person);
    const contact = store.create(
      'Contact',
      {
        FirstName: person.firstName,
        LastName: person.lastName,
        Email: person.email,
        Phone: person.phone,
        AccountId: account.Id,
        MailingCountry: COUNTRY[person.locale],
        External_Id__c: person.externalId,
        ...(person.tier ? { Customer_Tier__c: TIER[person.tier] } : {}),
      },
      {},
      seeding,
    );
    stamp(contact, oldest, person.updatedAt);
    contactIdByKey.set(person.key, contact.Id);

    if (person.duplicateIn.includes('salesforce')) {
      // The same person entered twice by hand: same email, a nickname-ish first name, a mobile number instead.
      const older = new Date(Date.parse(person.updatedAt) - 90 * 86_400_000).toISOString();
      const duplicate = store.create(
        'Contact',
        {
          FirstName: person.firstName.slice(0, Math.max(1, Math.ceil(person.firstName.length / 2))),
          LastName: person.lastName,
          Email: person.email,
          MobilePhone: person.phoneE164.replace(/\d{2}$/, '99'),
          AccountId: account.Id,
          MailingCountry: COUNTRY[person.locale],
        },
        {},
        seeding,
      );
      stamp(duplicate, oldest, older);
    }

    for (const order of person.orders) {
      const record = store.create(
        'Order',
        {
          OrderNumber: order.number,
          AccountId: account.Id,
          BillToContactId: contact.Id,
          Status: ORDER_STATUS[order.status],
          EffectiveDate: order.placedAt.slice(0, 10),
          CurrencyIsoCode: order.currency,
          Type: 'Online',
        },
        {},
        seeding,
      );
      for (const item of order.items) {
        const product = productFor(item);
        const line = store.create(
          'OrderItem',
          {
            OrderId: record.Id,
            Product2Id: product.Id,
            Quantity: item.quantity,
            UnitPrice: item.unitPrice,
            Description: item.name,
          },
          {},
          seeding,
        );
        stamp(line, order.placedAt);
      }
      stamp(record, order.placedAt);
    }

    for (const note of person.notes) {
      const ownerId = userFor(note.author);
      const firstLine = note.body.split('\n')[0] ?? note.body;
      const record = store.create(
        'Note',
        {
          ParentId: contact.Id,
          Title: firstLine.length > 80 ? `${firstLine.slice(0, 77)}...` : firstLine,
          Body: note.body,
          IsPrivate: note.private,
          OwnerId: ownerId,
        },
        {},
        seeding,
      );
      record.CreatedById = ownerId;
      record.LastModifiedById = ownerId;
      stamp(record, note.createdAt);
    }

    for (const c of person.cases) {
      const record = store.create(
        'Case',
        {
          ContactId: contact.Id,
          AccountId: account.Id,
          Subject: c.subject,
          Description: c.description,
          Status: CASE_STATUS[c.status],
          Priority: CASE_PRIORITY[c.priority],
          Origin: 'Email',
        },
        {},
        seeding,
      );
      stamp(record, c.createdAt);
      if (record.IsClosed) {
        record.ClosedDate = record.LastModifiedDate;
      }
    }
  }
  return { contactIdByKey };
}
