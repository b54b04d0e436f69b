/**
 * Turns the vendor-neutral seed people into Zoho records: Accounts (one per company), Contacts (plus an older
 * second contact sharing the email for people whose duplicateIn has 'zoho'), Products, Sales_Orders with their
 * Ordered_Items, Notes on the contact and Cases whose Related_To points at the contact.
 */
import type { SeedPerson } from '../common/sandbox.types';
import type { ZohoStore } from './zoho-store';
import { findModule, type ModuleDef } from './zoho-schema';

const DAY = 86_400_000;

const ORDER_STATUS: Record<SeedPerson['orders'][number]['status'], string> = {
  pending: 'Created',
  paid: 'Approved',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

const CASE_STATUS: Record<SeedPerson['cases'][number]['status'], string> = {
  new: 'New',
  open: 'New',
  pending: 'On Hold',
  solved: 'Closed',
  closed: 'Closed',
};

const CASE_PRIORITY: Record<SeedPerson['cases'][number]['priority'], string> = {
  low: 'Low',
  normal: 'Medium',
  high: 'High',
  urgent: 'High',
};

const TIER: Record<NonNullable<SeedPerson['tier']>, string> = { standard: 'Standard', gold: 'Gold', vip: 'VIP' };

function mod(name: string): ModuleDef {
  const module = findModule(name);
  if (!module) {
    throw new Error(`unknown module ${name}`);
  }
  return module;
}

/** Another phone number of the same shape (last digit changed), for the duplicate contact. */
function otherPhone(phone: string): string {
  return phone.replace(/(\d)(\D*)$/, (_m, digit: string, rest: string) => `${(Number(digit) + 3) % 10}${rest}`);
}

export interface SeedIndex {
  /** Contact id per seed key (the primary record, not the duplicate). */
  contactIdByKey: Map<string, string>;
}

export function seedStore(store: ZohoStore, people: SeedPerson[]): SeedIndex {
  const accounts = mod('Accounts');
  const contacts = mod('Contacts');
  const products = mod('Products');
  const salesOrders = mod('Sales_Orders');
  const notes = mod('Notes');
  const cases = mod('Cases');

  const accountIds = new Map<string, string>();
  const productIds = new Map<string, string>();
  const contactIdByKey = new Map<string, string>();

  const accountFor = (company: string | undefined, at: number): string | undefined => {
    if (!company) {
      return undefined;
    }
    let id = accountIds.get(company);
    if (!id) {
      id = store.seed(accounts, { Account_Name: company }, at - 400 * DAY, at - 200 * DAY).id;
      accountIds.set(company, id);
    }
    return id;
  };

  const productFor = (sku: string, name: string, price: number, at: number): string => {
    let id = productIds.get(sku);
    if (!id) {
      id = store.seed(
        products,
        { Product_Name: name, Product_Code: sku, Unit_Price: price, Product_Active: true },
        at - 500 * DAY,
        at - 500 * DAY,
      ).id;
      productIds.set(sku, id);
    }
    return id;
  };

  for (const person of people) {
    const updatedAt = Date.parse(person.updatedAt);
    const createdAt = updatedAt - 90 * DAY;
    const accountId = accountFor(person.company, updatedAt);
    const contact = store.seed(
      contacts,
      {
        First_Name: person.firstName,
        Last_Name: person.lastName,
        Email: person.email,
        Phone: person.phone,
        External_Id: person.externalId,
        ...(person.tier ? { Customer_Tier: TIER[person.tier] } : {}),
        ...(accountId ? { Account_Name: { id: accountId } } : {}),
      },
      createdAt,
      updatedAt,
    );
    contactIdByKey.set(person.key, contact.id);

    if (person.duplicateIn.includes('zoho')) {
      store.seed(
        contacts,
        {
          First_Name: person.firstName === 'Alex' ? 'Jordan' : 'Alex',
          Last_Name: person.lastName,
          Email: person.email,
          Phone: otherPhone(person.phone),
        },
        createdAt - 400 * DAY,
        updatedAt - 300 * DAY,
      );
    }

    for (const order of person.orders) {
      const placedAt = Date.parse(order.placedAt);
      const items = order.items.map((item) => ({
        id: store.newId(),
        Product_Name: { id: productFor(item.sku, item.name, item.unitPrice, placedAt) },
        Quantity: item.quantity,
        List_Price: item.unitPrice,
        Total: item.quantity * item.unitPrice,
        Net_Total: item.quantity * item.unitPrice,
      }));
      store.seed(
        salesOrders,
        {
          Subject: `Order ${order.number}`,
          SO_Number: order.number,
          Status: ORDER_STATUS[order.status],
          Currency: order.currency,
          Contact_Name: { id: contact.id },
          ...(accountId ? { Account_Name: { id: accountId } } : {}),
          Due_Date: order.placedAt.slice(0, 10),
          Ordered_Items: items,
        },
        placedAt,
        placedAt + DAY,
      );
    }

    for (const note of person.notes) {
      const at = Date.parse(note.createdAt);
      store.seed(
        notes,
        {
          Note_Title: `Note by ${note.author}`,
          Note_Content: note.body,
          Parent_Id: { module: 'Contacts', id: contact.id },
        },
        at,
        at,
      );
    }

    for (const kase of person.cases) {
      const at = Date.parse(kase.createdAt);
      store.seed(
        cases,
        {
          Subject: kase.subject,
          Description: kase.description,
          Status: CASE_STATUS[kase.status],
          Priority: CASE_PRIORITY[kase.priority],
          Case_Origin: 'Email',
          Related_To: { id: contact.id },
          ...(accountId ? { Account_Name: { id: accountId } } : {}),
          Email: person.email,
        },
        at,
        at + DAY,
      );
    }
  }
  return { contactIdByKey };
}
