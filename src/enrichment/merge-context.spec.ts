import type { CrmCase, CrmNote, CrmOrder, CrmPerson } from '../connectors/crm.types';
import type { ContextHistoryItem } from './enrichment.types';
import { mergeContext, type MergeSource, type SourceResult } from './merge-context';

const now = new Date('2026-03-01T09:00:00.000Z');

function person(overrides: Partial<CrmPerson> & { id: string }): CrmPerson {
  return {
    objectType: 'Contact',
    name: null,
    firstName: null,
    lastName: null,
    emails: [],
    phones: [],
    company: null,
    locale: null,
    tier: null,
    externalId: null,
    updatedAt: null,
    url: null,
    ...overrides,
  };
}

function order(overrides: Partial<CrmOrder> & { id: string; number: string }): CrmOrder {
  return { status: null, total: null, currency: null, placedAt: null, items: [], url: null, ...overrides };
}

function note(id: string, createdAt: string | null): CrmNote {
  return { id, title: null, body: `note ${id}`, author: null, createdAt, private: true, url: null };
}

function crmCase(id: string, overrides: Partial<CrmCase> = {}): CrmCase {
  return {
    id,
    number: null,
    subject: `case ${id}`,
    status: 'Open',
    state: 'open',
    priority: null,
    createdAt: null,
    updatedAt: null,
    url: null,
    ...overrides,
  };
}

const SALESFORCE = { id: 'c-sf', kind: 'salesforce', name: 'Salesforce EU' } as const;
const HUBSPOT = { id: 'c-hs', kind: 'hubspot', name: 'HubSpot' } as const;
const ZENDESK = { id: 'c-zd', kind: 'zendesk', name: 'Zendesk' } as const;
const ZOHO = { id: 'c-zo', kind: 'zoho', name: 'Zoho' } as const;

function answered(connector: MergeSource['connector'], result: Partial<SourceResult>): MergeSource {
  const chosen = result.chosen ?? null;
  return {
    connector,
    status: 'ok',
    latencyMs: 120,
    fetchedAt: '2026-03-01T08:59:59.000Z',
    error: null,
    result: {
      matches: chosen ? [{ person: chosen, matchedBy: 'email' }] : [],
      chosen,
      orders: [],
      notes: [],
      openCases: [],
      ...result,
    },
  };
}

function failed(connector: MergeSource['connector'], status: MergeSource['status'], error: string): MergeSource {
  return { connector, status, latencyMs: status === 'timeout' ? 3000 : 80, fetchedAt: null, error };
}

const merge = (sources: MergeSource[], message?: string, history: ContextHistoryItem[] = []) =>
  mergeContext({ sources, history, now, ...(message === undefined ? {} : { message }) });

describe('mergeContext: one person in two CRMs', () => {
  const inSalesforce = person({
    id: '003SF',
    name: 'Ada Lovelace',
    emails: ['Ada@Example.com'],
    phones: ['+44 20 7946 0018'],
    locale: 'en_GB',
    url: 'https://sf.example/003SF',
  });
  const inHubspot = person({
    id: '901',
    objectType: 'contacts',
    name: 'Ada King',
    emails: ['ada@example.com', 'countess@example.org'],
    phones: ['+442079460018', '+44 7700 900123'],
    company: 'Analytical Engines Ltd',
    locale: 'en',
    tier: 'Gold',
  });

  const context = merge([answered(SALESFORCE, { chosen: inSalesforce }), answered(HUBSPOT, { chosen: inHubspot })]);
  const fromSalesforce = { connectorId: 'c-sf', kind: 'salesforce', recordId: '003SF' };
  const fromHubspot = { connectorId: 'c-hs', kind: 'hubspot', recordId: '901' };

  it('takes each single-valued field from the first source (connector priority) that has it', () => {
    expect(context.contact).toMatchObject({
      name: { value: 'Ada Lovelace', source: fromSalesforce },
      locale: { value: 'en_GB', source: fromSalesforce },
      company: { value: 'Analytical Engines Ltd', source: fromHubspot },
      tier: { value: 'Gold', source: fromHubspot },
      vip: true,
    });
  });

  it('unions emails (case-insensitively) and phones (by digits), crediting the first source of each', () => {
    expect(context.contact?.emails).toEqual([
      { value: 'Ada@Example.com', source: fromSalesforce },
      { value: 'countess@example.org', source: fromHubspot },
    ]);
    expect(context.contact?.phones).toEqual([
      { value: '+44 20 7946 0018', source: fromSalesforce },
      { value: '+44 7700 900123', source: fromHubspot },
    ]);
  });

  it('keeps one record per CRM, each an exact match', () => {
    expect(context.records).toEqual([
      {
        connectorId: 'c-sf',
        kind: 'salesforce',
        object: 'Contact',
        id: '003SF',
        url: 'https://sf.example/003SF',
        matchedBy: 'email',
        confidence: 1,
        ambiguous: false,
        candidates: [],
      },
      expect.objectContaining({ connectorId: 'c-hs', object: 'contacts', id: '901', confidence: 1 }),
    ]);
  });

  it('lets the other source win when the order of sources changes', () => {
    const reversed = merge([answered(HUBSPOT, { chosen: inHubspot }), answered(SALESFORCE, { chosen: inSalesforce })]);
    expect(reversed.contact?.name).toEqual({ value: 'Ada King', source: fromHubspot });
    expect(reversed.contact?.locale?.value).toBe('en');
  });

  it('skips blank values and trims the ones it keeps', () => {
    const blank = person({ id: 'b', name: '  ', company: '', emails: [' '], phones: ['n/a'] });
    const filled = person({ id: 'f', name: ' Grace Hopper ', company: ' Navy ' });
    const merged = merge([answered(SALESFORCE, { chosen: blank }), answered(HUBSPOT, { chosen: filled })]).contact;
    expect(merged?.name?.value).toBe('Grace Hopper');
    expect(merged?.company).toEqual({ value: 'Navy', source: { connectorId: 'c-hs', kind: 'hubspot', recordId: 'f' } });
    expect(merged?.emails).toEqual([]);
    expect(merged?.phones).toEqual([]);
  });
});

describe('mergeContext: ambiguous duplicates', () => {
  const older = person({
    id: 'u-1',
    name: 'Taro Yamada',
    emails: ['old@example.jp'],
    updatedAt: '2025-01-01T00:00:00Z',
  });
  const newer = person({
    id: 'u-2',
    name: 'Taro Yamada',
    emails: ['new@example.jp'],
    updatedAt: '2026-02-01T00:00:00Z',
    url: 'https://zd.example/u-2',
  });
  const context = merge([
    answered(ZENDESK, {
      matches: [
        { person: older, matchedBy: 'email' },
        { person: newer, matchedBy: 'email' },
      ],
      chosen: newer,
    }),
  ]);

  it("keeps the caller's choice, lowers confidence and lists the other candidates", () => {
    expect(context.records).toEqual([
      expect.objectContaining({
        id: 'u-2',
        matchedBy: 'email',
        ambiguous: true,
        confidence: 0.5,
        candidates: [{ id: 'u-1', name: 'Taro Yamada', updatedAt: '2025-01-01T00:00:00Z', url: null }],
      }),
    ]);
  });

  it('never merges a candidate into the contact', () => {
    expect(context.contact?.emails.map((email) => email.value)).toEqual(['new@example.jp']);
  });

  it('does not call one record found by two identifiers ambiguous', () => {
    const one = person({ id: 'p' });
    const records = merge([
      answered(ZOHO, {
        matches: [
          { person: one, matchedBy: 'email' },
          { person: one, matchedBy: 'phone' },
        ],
        chosen: one,
      }),
    ]).records;
    expect(records[0]).toMatchObject({ matchedBy: 'email', ambiguous: false, confidence: 1, candidates: [] });
  });

  it('lists a candidate found by two identifiers once', () => {
    const chosen = person({ id: 'p' });
    const other = person({ id: 'q' });
    const records = merge([
      answered(ZOHO, {
        matches: [
          { person: chosen, matchedBy: 'phone' },
          { person: other, matchedBy: 'phone' },
          { person: other, matchedBy: 'email' },
        ],
        chosen,
      }),
    ]).records;
    expect(records[0]?.candidates.map((candidate) => candidate.id)).toEqual(['q']);
  });

  it('credits a chosen record no search returned to a stored link', () => {
    const linked = person({ id: 'linked' });
    expect(merge([answered(ZOHO, { matches: [], chosen: linked })]).records[0]?.matchedBy).toBe('link');
    expect(
      merge([answered(ZOHO, { matches: [{ person: linked, matchedBy: 'created' }], chosen: linked })]).records[0]
        ?.matchedBy,
    ).toBe('created');
  });
});

describe('mergeContext: sources that did not answer', () => {
  it('builds the context from the sources that answered and reports every source in input order', () => {
    const found = person({ id: 'h1', name: 'Grace Hopper' });
    const context = merge([
      failed(SALESFORCE, 'timeout', 'timeout'),
      answered(HUBSPOT, { chosen: found, orders: [order({ id: 'o1', number: '10023' })] }),
      failed(ZENDESK, 'rate_limited', 'rate_limited'),
      answered(ZOHO, { chosen: null }),
    ]);
    expect(context.contact?.name).toEqual({
      value: 'Grace Hopper',
      source: { connectorId: 'c-hs', kind: 'hubspot', recordId: 'h1' },
    });
    expect(context.records.map((record) => record.connectorId)).toEqual(['c-hs']);
    expect(context.orders.map((o) => o.id)).toEqual(['o1']);
    expect(context.sources).toEqual([
      {
        connectorId: 'c-sf',
        kind: 'salesforce',
        name: 'Salesforce EU',
        status: 'timeout',
        latencyMs: 3000,
        fetchedAt: null,
        error: 'timeout',
      },
      {
        connectorId: 'c-hs',
        kind: 'hubspot',
        name: 'HubSpot',
        status: 'ok',
        latencyMs: 120,
        fetchedAt: '2026-03-01T08:59:59.000Z',
        error: null,
      },
      expect.objectContaining({ connectorId: 'c-zd', status: 'rate_limited', error: 'rate_limited' }),
      expect.objectContaining({ connectorId: 'c-zo', status: 'ok', error: null }),
    ]);
  });

  it('has no contact when no source found anyone, and still passes history through', () => {
    const history: ContextHistoryItem[] = [
      {
        sessionId: 's2',
        externalId: 'chat-2',
        startedAt: '2026-02-20T00:00:00Z',
        closedAt: null,
        channel: 'web',
        tags: [],
        csat: null,
        summary: null,
      },
    ];
    const context = merge(
      [failed(SALESFORCE, 'error', 'unavailable'), answered(HUBSPOT, { chosen: null })],
      'hi',
      history,
    );
    expect(context).toEqual({
      contact: null,
      records: [],
      orders: [],
      referencedOrder: null,
      notes: [],
      openCases: [],
      history,
      sources: [expect.objectContaining({ status: 'error' }), expect.objectContaining({ status: 'ok' })],
      generatedAt: '2026-03-01T09:00:00.000Z',
    });
  });

  it('uses a stale answer like any other', () => {
    const stale = { ...answered(ZENDESK, { chosen: person({ id: 'z', name: 'Cached' }) }), status: 'stale' as const };
    expect(merge([stale]).contact?.name?.value).toBe('Cached');
  });
});

describe('mergeContext: Japanese names', () => {
  it('composes family name first for Japanese names and given name first otherwise', () => {
    const japanese = person({ id: 'j', firstName: '太郎', lastName: '山田' });
    const katakana = person({ id: 'k', firstName: 'タロウ', lastName: 'ヤマダ' });
    const western = person({ id: 'w', firstName: 'Ada', lastName: 'Lovelace' });
    const onlyFamily = person({ id: 'f', lastName: '佐藤' });
    const names = [japanese, katakana, western, onlyFamily].map(
      (chosen) => merge([answered(ZOHO, { chosen })]).contact?.name?.value,
    );
    expect(names).toEqual(['山田 太郎', 'ヤマダ タロウ', 'Ada Lovelace', '佐藤']);
  });

  it('prefers the full name as stored', () => {
    const chosen = person({ id: 'j', name: '山田太郎', firstName: '太郎', lastName: '山田' });
    expect(merge([answered(SALESFORCE, { chosen })]).contact?.name?.value).toBe('山田太郎');
  });

  it('names ambiguous candidates the same way', () => {
    const a = person({ id: 'a', firstName: '花子', lastName: '鈴木', updatedAt: '2026-01-01T00:00:00Z' });
    const b = person({ id: 'b', firstName: '花子', lastName: '鈴木', updatedAt: '2025-01-01T00:00:00Z' });
    const context = merge([
      answered(SALESFORCE, {
        matches: [
          { person: a, matchedBy: 'phone' },
          { person: b, matchedBy: 'phone' },
        ],
        chosen: a,
      }),
    ]);
    expect(context.records[0]?.candidates).toEqual([
      { id: 'b', name: '鈴木 花子', updatedAt: '2025-01-01T00:00:00Z', url: null },
    ]);
  });
});

describe('mergeContext: VIP', () => {
  const vipOf = (...tiers: Array<string | null>) =>
    merge(
      tiers.map((tier, index) =>
        answered(index === 0 ? SALESFORCE : HUBSPOT, { chosen: person({ id: `p${index}`, tier }) }),
      ),
    ).contact?.vip;

  it.each([['VIP'], ['vip'], [' Platinum '], ['GOLD']])('%j is VIP', (tier) => {
    expect(vipOf(tier)).toBe(true);
  });

  it.each([['silver'], ['bronze'], ['golden'], [''], [null]])('%j is not', (tier) => {
    expect(vipOf(tier)).toBe(false);
  });

  it('is VIP when any source says so, even one that does not provide the tier shown', () => {
    const context = merge([
      answered(SALESFORCE, { chosen: person({ id: 'a', tier: 'Standard' }) }),
      answered(HUBSPOT, { chosen: person({ id: 'b', tier: 'platinum' }) }),
    ]);
    expect(context.contact).toMatchObject({ tier: { value: 'Standard' }, vip: true });
  });
});

describe('mergeContext: orders', () => {
  const sources = () => [
    answered(SALESFORCE, {
      chosen: person({ id: 's' }),
      orders: [
        order({ id: 'sf-old', number: 'SO-2024-0042', placedAt: '2024-05-01T00:00:00Z' }),
        order({ id: 'sf-undated', number: '77777' }),
        order({ id: 'sf-new', number: '245-12784', placedAt: '2026-02-27T00:00:00Z' }),
      ],
    }),
    answered(ZOHO, {
      chosen: person({ id: 'z' }),
      orders: [
        order({ id: 'zo-mid', number: '#10023', placedAt: '2025-12-24T10:00:00+09:00', total: 42000, currency: 'JPY' }),
      ],
    }),
  ];

  it('lists every source’s orders newest first, undated last, with provenance', () => {
    const context = merge(sources());
    expect(context.orders.map((o) => o.id)).toEqual(['sf-new', 'zo-mid', 'sf-old', 'sf-undated']);
    expect(context.orders[1]).toEqual({
      id: 'zo-mid',
      number: '#10023',
      status: null,
      total: 42000,
      currency: 'JPY',
      placedAt: '2025-12-24T10:00:00+09:00',
      items: [],
      url: null,
      source: { connectorId: 'c-zo', kind: 'zoho', recordId: 'zo-mid' },
    });
    expect(context.referencedOrder).toBeNull();
  });

  it('surfaces the order the message quotes and moves it to the top', () => {
    const context = merge(sources(), '注文番号SO-2024-0042の件で連絡しました');
    expect(context.referencedOrder?.id).toBe('sf-old');
    expect(context.orders.map((o) => o.id)).toEqual(['sf-old', 'sf-new', 'zo-mid', 'sf-undated']);
  });

  it('matches a quoted number without the stored "#"', () => {
    const context = merge(sources(), 'Where is order 10023?');
    expect(context.referencedOrder?.id).toBe('zo-mid');
    expect(context.orders[0]?.id).toBe('zo-mid');
    expect(context.orders).toHaveLength(4);
  });

  it('leaves the order list alone when the message quotes nothing known', () => {
    const ids = merge(sources()).orders.map((o) => o.id);
    expect(merge(sources(), 'order #55555, call 090-1234-5678').orders.map((o) => o.id)).toEqual(ids);
    expect(merge(sources(), 'order #55555').referencedOrder).toBeNull();
  });
});

describe('mergeContext: notes and open cases', () => {
  it('lists notes newest first across sources, undated last', () => {
    const context = merge([
      answered(SALESFORCE, { notes: [note('a', '2026-01-01T00:00:00Z'), note('b', null)] }),
      answered(ZENDESK, { notes: [note('c', '2026-02-01T00:00:00Z'), note('d', 'not a date')] }),
    ]);
    expect(context.notes.map((n) => n.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(context.notes[0]?.source).toEqual({ connectorId: 'c-zd', kind: 'zendesk', recordId: 'c' });
  });

  it('orders open cases by priority, then longest waiting first, and drops solved and closed ones', () => {
    const context = merge([
      answered(ZENDESK, {
        openCases: [
          crmCase('normal-new', { priority: 'normal', createdAt: '2026-02-28T00:00:00Z' }),
          crmCase('none', { priority: null, createdAt: '2020-01-01T00:00:00Z' }),
          crmCase('solved-urgent', { priority: 'urgent', state: 'solved' }),
          crmCase('high-new', { priority: 'high', createdAt: '2026-02-20T00:00:00Z' }),
          crmCase('low', { priority: 'low', createdAt: '2021-01-01T00:00:00Z' }),
        ],
      }),
      answered(SALESFORCE, {
        openCases: [
          crmCase('normal-undated', { priority: 'normal' }),
          crmCase('normal-old', { priority: 'normal', createdAt: '2026-01-15T00:00:00Z', state: 'pending' }),
          crmCase('closed-high', { priority: 'high', state: 'closed' }),
          crmCase('urgent', { priority: 'urgent', createdAt: '2026-02-28T12:00:00Z' }),
          crmCase('high-old', { priority: 'high', createdAt: '2026-01-01T00:00:00Z' }),
        ],
      }),
    ]);
    expect(context.openCases.map((c) => c.id)).toEqual([
      'urgent',
      'high-old',
      'high-new',
      'normal-old',
      'normal-new',
      'normal-undated',
      'low',
      'none',
    ]);
    expect(context.openCases[3]).toMatchObject({
      state: 'pending',
      source: { connectorId: 'c-sf', kind: 'salesforce', recordId: 'normal-old' },
    });
  });
});
