import { AssociationTypes, type Client } from '@hubspot/api-client';
import { FIXTURE } from '../common/seed-data';
import { startHubspotSandbox, type HubspotSandbox } from './hubspot.sandbox';
import { apiError, raw, sdk } from './hubspot.test-helpers';

const HUBSPOT_DEFINED = 'HUBSPOT_DEFINED' as never;

describe('HubSpot sandbox: associations v4 and pipelines through @hubspot/api-client', () => {
  let sandbox: HubspotSandbox;
  let client: Client;
  let contactId: string;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ people: 30 });
    client = sdk(sandbox);
    contactId = (
      await client.crm.contacts.basicApi.getById(FIXTURE.english.email, undefined, undefined, undefined, false, 'email')
    ).id;
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  it("lists a contact's seeded orders with the documented type id (contact→order 508) and pages", async () => {
    const all = await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'orders');
    expect(all.results).toHaveLength(2);
    expect(all.results[0]?.associationTypes).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 508, label: null }]);
    expect(typeof all.results[0]?.toObjectId).toBe('number');

    const first = await client.crm.associations.v4.basicApi.getPage('contact', contactId, 'order', undefined, 1);
    expect(first.results).toHaveLength(1);
    const after = first.paging?.next?.after as string;
    expect(after).toBeTruthy();
    const second = await client.crm.associations.v4.basicApi.getPage('0-1', contactId, '0-123', after, 1);
    expect(second.results).toHaveLength(1);
    expect(second.paging).toBeUndefined();
    expect(new Set([first.results[0]?.toObjectId, second.results[0]?.toObjectId]).size).toBe(2);

    // The reverse direction carries the reverse type id (order→contact 507).
    const back = await client.crm.associations.v4.basicApi.getPage(
      'orders',
      String(all.results[0]?.toObjectId),
      'contacts',
    );
    expect(back.results).toEqual([
      expect.objectContaining({
        toObjectId: Number(contactId),
        associationTypes: [expect.objectContaining({ typeId: 507 })],
      }),
    ]);
    const badLimit = await apiError(
      client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'orders', undefined, 501),
    );
    expect(badLimit.code).toBe(400);
  });

  it('returns associations inline on GET ?associations=', async () => {
    const contact = await client.crm.contacts.basicApi.getById(contactId, ['email'], undefined, [
      'orders',
      'tickets',
      'widgets',
    ]);
    expect(contact.associations?.orders?.results).toHaveLength(2);
    expect(contact.associations?.orders?.results[0]?.type).toBe('contact_to_order');
    expect(contact.associations).not.toHaveProperty('widgets');
  });

  it('creates a note associated to a contact inline (202) and links it to a ticket with createDefault', async () => {
    const note = await client.crm.objects.notes.basicApi.create({
      properties: {
        hs_note_body: 'Chat transcript…',
        hs_timestamp: new Date().toISOString(),
        chat_transcript_key: 'conv-1',
      },
      associations: [
        {
          to: { id: contactId },
          types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: AssociationTypes.noteToContact }],
        },
      ],
    });
    const notesOfContact = await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'notes');
    expect(notesOfContact.results.map((r) => String(r.toObjectId))).toContain(note.id);
    const link = notesOfContact.results.find((r) => String(r.toObjectId) === note.id);
    expect(link?.associationTypes.map((t) => t.typeId)).toEqual([201]);

    const ticket = await client.crm.tickets.basicApi.create({
      properties: {
        subject: 'Escalated chat',
        content: 'Customer wants a refund',
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
        hs_ticket_priority: 'HIGH',
        chat_session_key: 'sess-1',
      },
      associations: [
        { to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 16 }] },
      ],
    });
    const result = await client.crm.associations.v4.basicApi.createDefault('notes', note.id, 'tickets', ticket.id);
    expect(result.status).toBe('COMPLETE');
    expect(result.results.map((r) => r.associationSpec.associationTypeId).sort((a, b) => a - b)).toEqual([227, 228]);
    expect(result.results[0]?._from.id).toBe(note.id);

    const ticketsOfContact = await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'tickets');
    expect(ticketsOfContact.results.find((r) => String(r.toObjectId) === ticket.id)?.associationTypes[0]?.typeId).toBe(
      15,
    );
    const journal = sandbox.journal.entries({ object: 'associations' });
    expect(journal.map((e) => e.recordId)).toContain(`notes/${note.id}->tickets/${ticket.id}`);
  });

  it('creates labelled associations with PUT, validates type ids and removes associations with DELETE', async () => {
    const order = await client.crm.objects.basicApi.create('orders', {
      properties: {
        hs_order_name: 'Chat order',
        hs_currency_code: 'USD',
        hs_total_price: '12.5',
        hs_pipeline_stage: 'processed',
      },
      associations: [
        { to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 507 }] },
      ],
    });
    const line = await client.crm.lineItems.basicApi.create({
      properties: { name: 'Cable', quantity: '2', price: '6.25', hs_sku: 'SKU-9' },
      associations: [],
    });
    expect(line.properties.amount).toBe('12.5');
    const labelled = await client.crm.associations.v4.basicApi.create('line_items', line.id, 'orders', order.id, [
      { associationCategory: HUBSPOT_DEFINED, associationTypeId: 514 },
    ]);
    expect(labelled).toMatchObject({ fromObjectTypeId: '0-8', toObjectTypeId: '0-123', labels: [] });
    const lines = await client.crm.associations.v4.basicApi.getPage('orders', order.id, 'line_items');
    expect(lines.results).toEqual([
      expect.objectContaining({
        toObjectId: Number(line.id),
        associationTypes: [expect.objectContaining({ typeId: 513 })],
      }),
    ]);

    const wrongType = await apiError(
      client.crm.associations.v4.basicApi.create('line_items', line.id, 'orders', order.id, [
        { associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 },
      ]),
    );
    expect(wrongType.code).toBe(400);
    const missing = await apiError(
      client.crm.associations.v4.basicApi.createDefault('orders', order.id, 'contacts', '77'),
    );
    expect(missing.code).toBe(400);
    const noDefault = await apiError(
      client.crm.associations.v4.basicApi.createDefault('contacts', contactId, 'line_items', line.id),
    );
    expect(noDefault.code).toBe(400);
    const badInline = await apiError(
      client.crm.objects.notes.basicApi.create({
        properties: { hs_timestamp: '2026-11-01T00:00:00Z' },
        associations: [
          { to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 16 }] },
        ],
      }),
    );
    expect(badInline.code).toBe(400);
    const deadTarget = await apiError(
      client.crm.objects.notes.basicApi.create({
        properties: { hs_timestamp: '2026-11-01T00:00:00Z' },
        associations: [
          { to: { id: '123' }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }] },
        ],
      }),
    );
    expect(deadTarget.code).toBe(400);

    await client.crm.associations.v4.basicApi.archive('orders', order.id, 'line_items', line.id);
    expect((await client.crm.associations.v4.basicApi.getPage('orders', order.id, 'line_items')).results).toEqual([]);
    expect((await client.crm.associations.v4.basicApi.getPage('line_items', line.id, 'orders')).results).toEqual([]);
  });

  it('lists association types between two objects (labels endpoint)', async () => {
    const types = await client.crm.associations.v4.schema.definitionsApi.getAll('notes', 'contacts');
    expect(types.results).toEqual([expect.objectContaining({ category: 'HUBSPOT_DEFINED', typeId: 202 })]);
    const none = await client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'line_items');
    expect(none.results).toEqual([]);
  });

  it('serves the ticket and order pipelines with open/closed stage metadata', async () => {
    const tickets = await client.crm.pipelines.pipelinesApi.getAll('tickets');
    const support = tickets.results.find((p) => p.id === '0');
    expect(support?.label).toBe('Support Pipeline');
    expect(support?.stages.map((s) => [s.id, s.metadata?.ticketState, s.metadata?.isClosed])).toEqual([
      ['1', 'OPEN', 'false'],
      ['2', 'OPEN', 'false'],
      ['3', 'OPEN', 'false'],
      ['4', 'CLOSED', 'true'],
    ]);
    const one = await client.crm.pipelines.pipelinesApi.getById('tickets', '0');
    expect(one.stages).toHaveLength(4);
    const orders = await client.crm.pipelines.pipelinesApi.getAll('orders');
    expect(orders.results[0]?.stages.map((s) => s.id)).toContain('shipped');
    expect((await apiError(client.crm.pipelines.pipelinesApi.getById('tickets', 'nope'))).code).toBe(404);
    expect((await apiError(client.crm.pipelines.pipelinesApi.getAll('contacts'))).code).toBe(400);
  });

  it('answers malformed association requests with 400', async () => {
    const notArray = await raw(sandbox, 'PUT', `/crm/v4/objects/contacts/${contactId}/associations/orders/2000001`, {
      x: 1,
    });
    expect(notArray.status).toBe(400);
    const badAfter = await raw(sandbox, 'GET', `/crm/v4/objects/contacts/${contactId}/associations/orders?after=%%%`);
    expect(badAfter.status).toBe(400);
    const badType = await raw(sandbox, 'GET', `/crm/v4/objects/contacts/${contactId}/associations/widgets`);
    expect(badType.status).toBe(400);
  });
  it('batch-creates labelled associations (201, 207 for missing records) and batch-reads them', async () => {
    const notes = await client.crm.objects.notes.batchApi.create({
      inputs: [0, 1].map((i) => ({
        properties: { hs_note_body: `batch assoc ${i}`, hs_timestamp: new Date().toISOString() },
        associations: [],
      })),
    });
    const [a, b] = notes.results.map((n) => n.id) as [string, string];
    const types = [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }];
    const created = await client.crm.associations.v4.batchApi.create('notes', 'contacts', {
      inputs: [a, b].map((id) => ({ _from: { id }, to: { id: contactId }, types })),
    });
    expect(created.results).toHaveLength(2);
    expect(created.results[0]).toMatchObject({ fromObjectTypeId: '0-46', toObjectTypeId: '0-1' });
    expect('errors' in created ? created.errors : undefined).toBeUndefined();

    const partial = await client.crm.associations.v4.batchApi.create('notes', 'contacts', {
      inputs: [
        { _from: { id: a }, to: { id: contactId }, types },
        { _from: { id: '4999999' }, to: { id: contactId }, types },
      ],
    });
    expect(partial.results).toHaveLength(1);
    expect('numErrors' in partial ? partial.numErrors : 0).toBe(1);

    const badType = await apiError(
      client.crm.associations.v4.batchApi.create('notes', 'contacts', {
        inputs: [
          {
            _from: { id: a },
            to: { id: contactId },
            types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 16 }],
          },
        ],
      }),
    );
    expect(badType.code).toBe(400);

    const read = await client.crm.associations.v4.batchApi.getPage('notes', 'contacts', {
      inputs: [{ id: a }, { id: b }, { id: '4999999' }],
    });
    expect(read.results.map((r) => [r._from.id, r.to.map((t) => Number(t.toObjectId))])).toEqual([
      [a, [Number(contactId)]],
      [b, [Number(contactId)]],
    ]);
    expect('numErrors' in read ? read.numErrors : 0).toBe(1);
    expect(sandbox.journal.entries({ object: 'associations' }).length).toBeGreaterThanOrEqual(3);
  });
});
