import { parsePhoneNumberWithError } from 'libphonenumber-js';
import { createRng, pick } from './prng';
import type { RunningSandbox, SeedPerson } from './sandbox.types';

type Vendor = RunningSandbox['vendor'];
const VENDORS: readonly Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];
/**
 * Only these CRMs accept two people with the same email out of the box: HubSpot and Zendesk enforce a unique
 * email per contact/user, so an ambiguous match can only be seeded where the vendor allows it.
 */
const DUPLICATE_FRIENDLY: readonly Vendor[] = ['salesforce', 'zoho'];

// Seed data is dated relative to a fixed instant so that every run produces the same records.
const EPOCH = Date.parse('2026-10-01T00:00:00Z');
const DAY = 86_400_000;

const EN_FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'James', 'Sophia', 'Lucas', 'Mia', 'Ethan', 'Grace', 'Owen'];
const EN_LAST = ['Johnson', 'Smith', "O'Brien", 'Garcia', 'Miller', 'Davis', 'Wilson', 'Taylor', 'Clarke', 'Moore'];
/** [kanji, romaji] pairs: names are shown in kanji, emails use romaji. */
const JA_FAMILY: ReadonlyArray<[string, string]> = [
  ['田中', 'tanaka'],
  ['佐藤', 'sato'],
  ['鈴木', 'suzuki'],
  ['高橋', 'takahashi'],
  ['伊藤', 'ito'],
  ['渡辺', 'watanabe'],
  ['山本', 'yamamoto'],
  ['中村', 'nakamura'],
];
const JA_GIVEN: ReadonlyArray<[string, string]> = [
  ['雪', 'yuki'],
  ['花子', 'hanako'],
  ['太郎', 'taro'],
  ['健', 'ken'],
  ['美咲', 'misaki'],
  ['翔', 'sho'],
  ['陽菜', 'hina'],
  ['蓮', 'ren'],
];
const COMPANIES = ['Acme Corp', 'Globex', '株式会社サクラ', 'Initech', 'Umbrella GmbH', 'Northwind', undefined];
const PRODUCTS = [
  ['SKU-100', 'Wireless Mouse', 25],
  ['SKU-200', 'Mechanical Keyboard', 120],
  ['SKU-300', 'USB-C Hub', 45],
  ['SKU-400', '4K Monitor', 399],
  ['SKU-500', 'ノイズキャンセリングヘッドホン', 280],
] as const;
const NOTE_TEXTS = [
  'Customer prefers email follow-up.',
  'Asked about delivery times to Osaka.',
  'Refund processed for damaged item.',
  '配送の遅延について問い合わせあり。',
  'VIP: handle with priority.',
];
const CASE_SUBJECTS = [
  'Order not delivered',
  'Wrong item received',
  'Refund request',
  '請求書の再発行',
  'Login problem',
];

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function e164(raw: string, region: 'US' | 'GB' | 'JP'): string {
  return parsePhoneNumberWithError(raw, region).number;
}

function phoneFor(
  rng: () => number,
  locale: SeedPerson['locale'],
  index: number,
): { phone: string; phoneE164: string } {
  const n = String(1000 + (index % 9000)).padStart(4, '0');
  const useE164 = rng() < 0.4;
  if (locale === 'ja-JP') {
    const local = `090-${String(2000 + (index % 7000)).padStart(4, '0')}-${n}`;
    const full = e164(local, 'JP');
    return { phone: useE164 ? full : local, phoneE164: full };
  }
  if (locale === 'en-GB') {
    const local = `020 7946 ${n}`;
    const full = e164(local, 'GB');
    return { phone: useE164 ? full : local, phoneE164: full };
  }
  const local = `(415) 23${index % 10}-${n}`;
  const full = e164(local, 'US');
  return { phone: useE164 ? full : local, phoneE164: full };
}

function orderNumber(rng: () => number, index: number, k: number): string {
  const style = (index + k) % 3;
  if (style === 0) {
    return `${String(100 + ((index * 7 + k) % 900))}-${String(10000 + ((index * 131 + k * 17) % 90000))}`;
  }
  if (style === 1) {
    return String(10000 + index * 4 + k);
  }
  return `SO-${2024 + Math.floor(rng() * 3)}-${String(index * 4 + k).padStart(4, '0')}`;
}

function makePerson(rng: () => number, index: number, overrides: Partial<SeedPerson> = {}): SeedPerson {
  const localeRoll = rng();
  const locale: SeedPerson['locale'] = localeRoll < 0.35 ? 'ja-JP' : localeRoll < 0.5 ? 'en-GB' : 'en-US';
  let firstName: string;
  let lastName: string;
  let fullName: string;
  let email: string;
  if (locale === 'ja-JP') {
    const [family, familyRomaji] = pick(rng, JA_FAMILY);
    const [given, givenRomaji] = pick(rng, JA_GIVEN);
    firstName = given;
    lastName = family;
    fullName = `${family}${given}`;
    email = `${familyRomaji}.${givenRomaji}${index}@example.jp`;
  } else {
    firstName = pick(rng, EN_FIRST);
    lastName = pick(rng, EN_LAST);
    fullName = `${firstName} ${lastName}`;
    email = `${firstName}.${lastName.replace(/'/g, '')}${index}@example.com`.toLowerCase();
  }
  const key = `p${String(index).padStart(4, '0')}`;
  const presentIn = VENDORS.filter(() => rng() < 0.9);
  if (presentIn.length === 0) {
    presentIn.push(VENDORS[index % VENDORS.length]);
  }
  const duplicateIn = DUPLICATE_FRIENDLY.filter((vendor) => presentIn.includes(vendor) && rng() < 0.03);
  const currency: SeedPerson['orders'][number]['currency'] =
    locale === 'ja-JP' ? 'JPY' : locale === 'en-GB' ? 'EUR' : 'USD';
  const orders = Array.from({ length: Math.floor(rng() * 4) }, (_, k) => {
    const items = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => {
      const [sku, name, price] = pick(rng, PRODUCTS);
      const unitPrice = currency === 'JPY' ? price * 150 : price;
      return { sku, name, quantity: 1 + Math.floor(rng() * 3), unitPrice };
    });
    return {
      number: orderNumber(rng, index, k),
      status: pick(rng, ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const),
      currency,
      total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
      placedAt: iso(EPOCH - Math.floor(rng() * 200) * DAY - k * DAY),
      items,
    };
  });
  const notes = Array.from({ length: Math.floor(rng() * 4) }, () => ({
    body: pick(rng, NOTE_TEXTS),
    author: pick(rng, ['Alice Agent', 'Bob Support', '山田サポート']),
    createdAt: iso(EPOCH - Math.floor(rng() * 300) * DAY),
    private: rng() < 0.3,
  }));
  const cases = Array.from({ length: Math.floor(rng() * 3) }, () => {
    const subject = pick(rng, CASE_SUBJECTS);
    return {
      subject,
      description: `${subject} — reported by ${fullName}.`,
      status: pick(rng, ['new', 'open', 'pending', 'solved', 'closed'] as const),
      priority: pick(rng, ['low', 'normal', 'high', 'urgent'] as const),
      createdAt: iso(EPOCH - Math.floor(rng() * 120) * DAY),
    };
  });
  const tierRoll = rng();
  return {
    key,
    externalId: `ext-${key}`,
    firstName,
    lastName,
    fullName,
    locale,
    email,
    ...phoneFor(rng, locale, index),
    ...(() => {
      const company = pick(rng, COMPANIES);
      return company === undefined ? {} : { company };
    })(),
    tier: tierRoll < 0.05 ? 'vip' : tierRoll < 0.2 ? 'gold' : 'standard',
    presentIn,
    duplicateIn,
    updatedAt: iso(EPOCH - Math.floor(rng() * 60) * DAY),
    orders,
    notes,
    cases,
    ...overrides,
  };
}

function fixtures(rng: () => number): SeedPerson[] {
  const english = makePerson(rng, 0, {
    firstName: 'Emma',
    lastName: 'Johnson',
    fullName: 'Emma Johnson',
    locale: 'en-US',
    email: 'emma.johnson@example.com',
    phone: '(415) 555-2671',
    phoneE164: '+14155552671',
    company: 'Acme Corp',
    tier: 'vip',
    presentIn: [...VENDORS],
    duplicateIn: [],
  });
  english.orders = [
    {
      number: '245-12784',
      status: 'shipped',
      currency: 'USD',
      total: 170,
      placedAt: '2026-09-20T10:00:00.000Z',
      items: [
        { sku: 'SKU-200', name: 'Mechanical Keyboard', quantity: 1, unitPrice: 120 },
        { sku: 'SKU-100', name: 'Wireless Mouse', quantity: 2, unitPrice: 25 },
      ],
    },
    {
      number: '10023',
      status: 'delivered',
      currency: 'USD',
      total: 45,
      placedAt: '2026-06-02T08:30:00.000Z',
      items: [{ sku: 'SKU-300', name: 'USB-C Hub', quantity: 1, unitPrice: 45 }],
    },
  ];
  const japanese = makePerson(rng, 1, {
    firstName: '雪',
    lastName: '田中',
    fullName: '田中雪',
    locale: 'ja-JP',
    email: 'tanaka.yuki@example.jp',
    phone: '090-1234-5678',
    phoneE164: '+819012345678',
    company: '株式会社サクラ',
    tier: 'gold',
    presentIn: [...VENDORS],
    duplicateIn: [],
  });
  japanese.orders = [
    {
      number: 'SO-2024-0042',
      status: 'paid',
      currency: 'JPY',
      total: 42000,
      placedAt: '2026-09-28T01:00:00.000Z',
      items: [{ sku: 'SKU-500', name: 'ノイズキャンセリングヘッドホン', quantity: 1, unitPrice: 42000 }],
    },
  ];
  const ambiguous = makePerson(rng, 2, {
    firstName: 'Sam',
    lastName: 'Taylor',
    fullName: 'Sam Taylor',
    locale: 'en-GB',
    email: 'sam.taylor@example.com',
    phone: '020 7946 0018',
    phoneE164: '+442079460018',
    presentIn: [...VENDORS],
    duplicateIn: [...DUPLICATE_FRIENDLY],
  });
  const onlyIn = VENDORS.map((vendor, offset) =>
    makePerson(rng, 3 + offset, {
      email: `only.${vendor}@example.com`,
      presentIn: [vendor],
      duplicateIn: [],
    }),
  );
  return [english, japanese, ambiguous, ...onlyIn];
}

/**
 * The same `seed` and `count` always give the same people. The first seven are fixtures with fixed identities
 * that tests and the demo refer to (see FIXTURE); the rest are random but reproducible.
 */
export function seedPeople(seed: number, count: number): SeedPerson[] {
  const rng = createRng(seed);
  const people = fixtures(rng);
  for (let index = people.length; index < count; index += 1) {
    people.push(makePerson(rng, index));
  }
  return people.slice(0, Math.max(count, 0));
}

const fixtureList = fixtures(createRng(1));
/** Fixture identities (the same for every seed: only the random people after them change). */
export const FIXTURE = {
  english: fixtureList[0],
  japanese: fixtureList[1],
  ambiguous: fixtureList[2],
  onlyIn: Object.fromEntries(VENDORS.map((vendor, i) => [vendor, fixtureList[3 + i]])) as Record<Vendor, SeedPerson>,
};
