import type { Client } from '@hubspot/api-client';
import { FIXTURE } from '../common/seed-data';
import { startHubspotSandbox, type HubspotSandbox } from './hubspot.sandbox';
import { apiError, raw, sdk } from './hubspot.test-helpers';

type Operator =
  | 'EQ'
  | 'NEQ'
  | 'LT'
  | 'LTE'
  | 'GT'
  | 'GTE'
  | 'BETWEEN'
  | 'IN'
  | 'NOT_IN'
  | 'HAS_PROPERTY'
  | 'NOT_HAS_PROPERTY'
  | 'CONTAINS_TOKEN'
  | 'NOT_CONTAINS_TOKEN';
const f = (
  propertyName: string,
  operator: Operator,
  value?: string,
  extra: { values?: string[]; highValue?: string } = {},
) => ({ propertyName, operator: operator as never, ...(value === undefined ? {} : { value }), ...extra });

describe('HubSpot sandbox: CRM search through @hubspot/api-client', () => {
  let sandbox: HubspotSandbox;
  let client: Client;

  beforeAll(async () => {
    // Search is 5/s per account; the tests fire more than that, so lift it here and test the limit separately.
    sandbox = await startHubspotSandbox({ people: 300, searchRequestsPerSecond: 1000 });
    client = sdk(sandbox);
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  it('finds a contact by email, case-insensitively, with requested properties plus id/created/modified', async () => {
    const res = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('email', 'EQ', 'Emma.Johnson@EXAMPLE.com')] }],
      properties: ['email', 'firstname', 'phone'],
      limit: 1,
    });
    expect(res.total).toBe(1);
    expect(res.results[0]?.properties).toEqual({
      createdate: expect.any(String),
      email: FIXTURE.english.email,
      firstname: 'Emma',
      hs_object_id: res.results[0]?.id,
      lastmodifieddate: expect.any(String),
      phone: '(415) 555-2671',
    });
    expect(res.paging).toBeUndefined();
  });

  it('ORs filter groups (phone or mobilephone) and ANDs filters inside a group', async () => {
    const byPhone = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [f('phone', 'EQ', '090-1234-5678')] },
        { filters: [f('mobilephone', 'EQ', '090-1234-5678')] },
      ],
      properties: ['email'],
      limit: 10,
    });
    expect(byPhone.results.map((r) => r.properties.email)).toEqual([FIXTURE.japanese.email]);

    const both = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('firstname', 'EQ', 'Emma'), f('lastname', 'EQ', 'Nobody')] }],
      limit: 10,
    });
    expect(both.total).toBe(0);
  });

  it('compares hostile values literally', async () => {
    for (const value of [
      "emma.johnson@example.com' OR '1'='1",
      '*',
      '.*',
      'emma.johnson@example.com\\',
      '${email}',
      '%',
    ]) {
      const res = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [f('email', 'EQ', value)] }],
        limit: 10,
      });
      expect(res.total).toBe(0);
    }
    const glob = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('email', 'CONTAINS_TOKEN', '(.*)@example.com')] }],
      limit: 10,
    });
    expect(glob.total).toBe(0);
  });

  it('supports CONTAINS_TOKEN with wildcards, IN, HAS_PROPERTY / NOT_HAS_PROPERTY, NEQ and BETWEEN', async () => {
    const jp = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('email', 'CONTAINS_TOKEN', '*@example.jp')] }],
      properties: ['email'],
      limit: 200,
    });
    expect(jp.total).toBeGreaterThan(0);
    expect(jp.results.every((r) => r.properties.email?.endsWith('@example.jp'))).toBe(true);

    const tokens = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('company', 'CONTAINS_TOKEN', 'acme')] }],
      properties: ['company'],
      limit: 200,
    });
    expect(tokens.results.every((r) => r.properties.company === 'Acme Corp')).toBe(true);

    const tiers = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('customer_tier', 'IN', undefined, { values: ['vip', 'gold'] })] }],
      properties: ['customer_tier'],
      limit: 200,
    });
    expect(tiers.total).toBeGreaterThan(0);
    expect(new Set(tiers.results.map((r) => r.properties.customer_tier))).toEqual(new Set(['vip', 'gold']));

    const withMobile = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('mobilephone', 'HAS_PROPERTY')] }],
      limit: 1,
    });
    const withoutMobile = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('mobilephone', 'NOT_HAS_PROPERTY')] }],
      limit: 1,
    });
    const all = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
    expect(withMobile.total + withoutMobile.total).toBe(all.total);
    expect(withMobile.total).toBeGreaterThan(0);

    const open = await client.crm.tickets.searchApi.doSearch({
      filterGroups: [{ filters: [f('hs_pipeline_stage', 'NEQ', '4')] }],
      limit: 1,
    });
    const closed = await client.crm.tickets.searchApi.doSearch({
      filterGroups: [{ filters: [f('hs_pipeline_stage', 'EQ', '4')] }],
      limit: 1,
    });
    const tickets = await client.crm.tickets.searchApi.doSearch({ filterGroups: [], limit: 1 });
    expect(open.total + closed.total).toBe(tickets.total);

    const mid = await client.crm.objects.searchApi.doSearch('orders', {
      filterGroups: [{ filters: [f('hs_total_price', 'BETWEEN', '100', { highValue: '200' })] }],
      properties: ['hs_total_price'],
      limit: 200,
    });
    expect(mid.total).toBeGreaterThan(0);
    expect(
      mid.results.every(
        (r) => Number(r.properties.hs_total_price) >= 100 && Number(r.properties.hs_total_price) <= 200,
      ),
    ).toBe(true);
  });

  it('pages with limit/after and reports the total', async () => {
    const seen = new Set<string>();
    let after: string | undefined;
    let total = 0;
    let pages = 0;
    do {
      const page = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        properties: ['email'],
        limit: 50,
        ...(after ? { after } : {}),
      });
      total = page.total;
      page.results.forEach((r) => seen.add(r.id));
      after = page.paging?.next?.after;
      pages += 1;
    } while (after);
    expect(seen.size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 50));
  });

  it('sorts by one property and supports the incremental "modified since" pattern', async () => {
    const newest = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [],
      sorts: ['-lastmodifieddate'],
      properties: ['lastmodifieddate'],
      limit: 20,
    });
    const stamps = newest.results.map((r) => Date.parse(r.properties.lastmodifieddate as string));
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);

    const since = Date.now() - 1;
    const touched = await client.crm.contacts.basicApi.create({
      properties: { email: 'incremental@example.com' },
      associations: [],
    });
    const ticket = await client.crm.tickets.basicApi.create({
      properties: { subject: 'inc', hs_pipeline_stage: '1' },
      associations: [],
    });
    const changed = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GT', String(since))] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] as never,
      limit: 100,
    });
    expect(changed.results.map((r) => r.id)).toEqual([touched.id]);
    const viaIso = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [f('lastmodifieddate', 'GTE', new Date(since).toISOString())] }],
      limit: 100,
    });
    expect(viaIso.results.map((r) => r.id)).toEqual([touched.id]);
    const tickets = await client.crm.tickets.searchApi.doSearch({
      filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GT', String(since))] }],
      limit: 100,
    });
    expect(tickets.results.map((r) => r.id)).toEqual([ticket.id]);
  });

  it('filters tickets by associated contact (associations.contact) and supports free-text query', async () => {
    const contact = await client.crm.contacts.basicApi.getById(
      FIXTURE.english.email,
      undefined,
      undefined,
      undefined,
      false,
      'email',
    );
    const created = await client.crm.tickets.basicApi.create({
      properties: { subject: 'Chat escalation', hs_pipeline_stage: '1', hs_ticket_priority: 'HIGH' },
      associations: [
        { to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 16 }] },
      ],
    });
    const open = await client.crm.tickets.searchApi.doSearch({
      filterGroups: [{ filters: [f('associations.contact', 'EQ', contact.id), f('hs_pipeline_stage', 'NEQ', '4')] }],
      properties: ['subject', 'hs_pipeline_stage'],
      limit: 100,
    });
    expect(open.results.map((r) => r.id)).toContain(created.id);
    expect(open.results.every((r) => r.properties.hs_pipeline_stage !== '4')).toBe(true);

    const text = await client.crm.contacts.searchApi.doSearch({
      query: 'emma johns',
      filterGroups: [],
      limit: 10,
      properties: ['email'],
    });
    expect(text.results.map((r) => r.properties.email)).toContain(FIXTURE.english.email);
  });

  it('rejects what HubSpot rejects: limit > 200, paging past 10,000, too many groups or filters, unknown properties', async () => {
    const big = await apiError(client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 201 }));
    expect(big.code).toBe(400);
    expect(big.body.category).toBe('VALIDATION_ERROR');

    const deep = await apiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 10, after: '10000' }),
    );
    expect(deep.code).toBe(400);
    expect(String(deep.body.message)).toContain('10000');

    const groups = await apiError(
      client.crm.contacts.searchApi.doSearch({
        filterGroups: Array.from({ length: 6 }, () => ({ filters: [f('email', 'EQ', 'a@b.c')] })),
        limit: 1,
      }),
    );
    expect(groups.code).toBe(400);

    const filters = await apiError(
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: Array.from({ length: 7 }, () => f('email', 'EQ', 'a@b.c')) }],
        limit: 1,
      }),
    );
    expect(filters.code).toBe(400);

    const unknown = await apiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [f('shoe_size', 'EQ', '9')] }], limit: 1 }),
    );
    expect(unknown.code).toBe(400);

    const noValue = await apiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [f('email', 'EQ')] }], limit: 1 }),
    );
    expect(noValue.code).toBe(400);

    const twoSorts = await apiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: ['email', 'firstname'], limit: 1 }),
    );
    expect(twoSorts.code).toBe(400);

    const huge = await raw(sandbox, 'POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'x'.repeat(3100) }] }],
    });
    expect(huge.status).toBe(400);

    const notJson = await raw(sandbox, 'POST', '/crm/v3/objects/contacts/search', '[1,2]');
    expect(notJson.status).toBe(400);
  });
});

describe('HubSpot sandbox: search rate limit', () => {
  it('limits search to its own per-second budget with the "secondly" 429 and no rate-limit headers', async () => {
    const sandbox = await startHubspotSandbox({ people: 10, searchRequestsPerSecond: 2 });
    try {
      const client = sdk(sandbox);
      const search = () => client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
      await search();
      await search();
      const limited = await apiError(search());
      expect(limited.code).toBe(429);
      expect(limited.body).toMatchObject({
        status: 'error',
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'SECONDLY',
      });
      expect(limited.headers['x-hubspot-ratelimit-remaining']).toBeUndefined();
      // Non-search calls are not charged against the search budget.
      await expect(client.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
    } finally {
      await sandbox.stop();
    }
  });
});
