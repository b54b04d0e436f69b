import { FIXTURE, seedPeople } from '../common/seed-data';
import { startHubspotSandbox } from './hubspot.sandbox';
import { apiError, sdk } from './hubspot.test-helpers';

describe('HubSpot sandbox: seed data', () => {
  it('holds the default 1000-person seed the HubSpot way, deterministically', async () => {
    const [a, b] = await Promise.all([startHubspotSandbox(), startHubspotSandbox()]);
    try {
      const people = seedPeople(1, 1000).filter((p) => p.presentIn.includes('hubspot'));
      const client = sdk(a);
      const contacts = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
      expect(contacts.total).toBe(people.length);
      const tickets = await client.crm.tickets.searchApi.doSearch({ filterGroups: [], limit: 1 });
      expect(tickets.total).toBe(people.reduce((n, p) => n + p.cases.length, 0));
      const orders = await client.crm.objects.searchApi.doSearch('orders', { filterGroups: [], limit: 1 });
      expect(orders.total).toBe(people.reduce((n, p) => n + p.orders.length, 0));
      const notes = await client.crm.objects.notes.searchApi.doSearch({ filterGroups: [], limit: 1 });
      expect(notes.total).toBe(people.reduce((n, p) => n + p.notes.length, 0));

      // Only-in fixtures: HubSpot's is here, the others are not.
      const mine = await client.crm.contacts.basicApi.getById(
        FIXTURE.onlyIn.hubspot.email,
        undefined,
        undefined,
        undefined,
        false,
        'email',
      );
      expect(mine.properties.email).toBe('only.hubspot@example.com');
      expect(
        (
          await apiError(
            client.crm.contacts.basicApi.getById(
              'only.salesforce@example.com',
              undefined,
              undefined,
              undefined,
              false,
              'email',
            ),
          )
        ).code,
      ).toBe(404);

      // Same seed → same ids for the same people.
      const sample = people[123];
      const inA = await client.crm.contacts.basicApi.getById(
        sample?.email,
        ['firstname'],
        undefined,
        undefined,
        false,
        'email',
      );
      const inB = await sdk(b).crm.contacts.basicApi.getById(
        sample?.email,
        ['firstname'],
        undefined,
        undefined,
        false,
        'email',
      );
      expect(inA.id).toBe(inB.id);
      expect(inA.properties.firstname).toBe(sample?.firstName);

      // Seeded timestamps come from the seed person (updatedAt → lastmodifieddate).
      expect(inA.updatedAt.toISOString()).toBe(sample?.updatedAt);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('maps seed orders, notes and cases onto HubSpot objects and associations', async () => {
    const sandbox = await startHubspotSandbox({ people: 10 });
    try {
      const client = sdk(sandbox);
      const { english, japanese } = FIXTURE;
      const jp = await client.crm.contacts.basicApi.getById(
        japanese.email,
        undefined,
        undefined,
        ['orders', 'notes', 'tickets'],
        false,
        'email',
      );
      const orderId = jp.associations?.orders?.results[0]?.id as string;
      const order = await client.crm.objects.basicApi.getById('orders', orderId, [
        'hs_order_name',
        'hs_external_order_id',
        'hs_total_price',
        'hs_currency_code',
        'hs_pipeline_stage',
        'hs_fulfillment_status',
      ]);
      expect(order.properties).toMatchObject({
        hs_external_order_id: 'SO-2024-0042',
        hs_total_price: '42000',
        hs_currency_code: 'JPY',
        hs_pipeline_stage: 'processed',
      });
      expect(order.createdAt.toISOString()).toBe('2026-09-28T01:00:00.000Z');
      expect(jp.associations?.notes?.results.length ?? 0).toBe(japanese.notes.length);
      expect(jp.associations?.tickets?.results.length ?? 0).toBe(japanese.cases.length);

      const en = await client.crm.contacts.basicApi.getById(
        english.email,
        undefined,
        undefined,
        ['tickets'],
        false,
        'email',
      );
      for (const link of en.associations?.tickets?.results ?? []) {
        const ticket = await client.crm.tickets.basicApi.getById(link.id, [
          'subject',
          'hs_ticket_priority',
          'hs_pipeline',
        ]);
        expect(english.cases.map((c) => c.subject)).toContain(ticket.properties.subject);
        expect(['LOW', 'MEDIUM', 'HIGH', 'URGENT']).toContain(ticket.properties.hs_ticket_priority);
        expect(ticket.properties.hs_pipeline).toBe('0');
      }
      // The seed is not a write: the journal starts empty.
      expect(sandbox.journal.entries()).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });

  it('starts empty with seed: false', async () => {
    const sandbox = await startHubspotSandbox({ seed: false });
    try {
      const res = await sdk(sandbox).crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
      expect(res.total).toBe(0);
    } finally {
      await sandbox.stop();
    }
  });
});
