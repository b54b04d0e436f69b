import associationCreate from './__fixtures__/association-batch-create-207.json';
import contactsRead from './__fixtures__/contacts-batch-read.json';
import contactsMissing from './__fixtures__/contacts-batch-read-207.json';
import lineItems from './__fixtures__/line-items-batch-read.json';
import notesRead from './__fixtures__/notes-batch-read.json';
import notesUpsert from './__fixtures__/notes-batch-upsert-207.json';
import ordersRead from './__fixtures__/orders-batch-read.json';
import pipelinesFixture from './__fixtures__/pipelines-tickets.json';
import ticketsRead from './__fixtures__/tickets-batch-read.json';
import webhookEvents from './__fixtures__/webhook-events.json';
import { hubspotSettingsSchema } from './hubspot.descriptor';
import {
  SEARCH_RESULT_CAP,
  advanceStream,
  batchErrorCode,
  batchErrorFor,
  contactChange,
  decodeCursor,
  encodeCursor,
  htmlToText,
  isHubspotId,
  literalFilter,
  mapContact,
  mapNote,
  mapOrder,
  mapTicket,
  mapWebhookEvents,
  noteHtml,
  personProperties,
  phoneMatches,
  phoneRenderings,
  ticketChange,
  ticketContent,
  ticketPipelines,
  upsertCreated,
  webhookNeedsPipelines,
  type HsBatchResponse,
  type HsObject,
  type HsPipeline,
  type HsWebhookEvent,
} from './hubspot.mapper';

const settings = hubspotSettingsSchema.parse({ portalId: '24681357' });
const contacts = contactsRead as HsBatchResponse<HsObject>;
const pipelines = ticketPipelines((pipelinesFixture as { results: HsPipeline[] }).results);

describe('HubSpot mapper', () => {
  describe('contacts', () => {
    it('maps a contact with secondary emails, tier, external id and a deep link', () => {
      expect(mapContact(contacts.results[0], settings)).toEqual({
        id: '1000001',
        objectType: 'contacts',
        name: 'Emma Johnson',
        firstName: 'Emma',
        lastName: 'Johnson',
        emails: ['emma.johnson@example.com', 'emma@work.example.com'],
        phones: ['(415) 555-2671'],
        company: 'Acme Corp',
        locale: 'en',
        tier: 'vip',
        externalId: 'ext-p0000',
        updatedAt: '2026-09-30T12:00:00.000Z',
        url: 'https://app.hubspot.com/contacts/24681357/record/0-1/1000001',
      });
    });

    it('writes Japanese names family-first, reads SDK Dates, and has no link without a portal id', () => {
      const sdkShape: HsObject = { ...contacts.results[1], updatedAt: new Date('2026-09-29T01:02:03.000Z') };
      const person = mapContact(sdkShape, hubspotSettingsSchema.parse({}));
      expect(person).toMatchObject({
        name: '田中雪',
        phones: ['090-1234-5678'],
        tier: null,
        externalId: null,
        url: null,
      });
      expect(person.updatedAt).toBe('2026-09-29T01:02:03.000Z');
    });

    it('a 207 read with OBJECT_NOT_FOUND carries no results and a not_found category', () => {
      const missing = contactsMissing as HsBatchResponse<HsObject>;
      expect(missing.results).toEqual([]);
      expect(batchErrorCode(missing.errors?.[0]?.category)).toBe('not_found');
    });

    it('builds contact properties from a person input', () => {
      expect(
        personProperties({ email: ' Ada@Example.COM ', name: 'Ada King Lovelace', phone: '+441234567890' }),
      ).toEqual({
        email: 'ada@example.com',
        firstname: 'Ada King',
        lastname: 'Lovelace',
        phone: '+441234567890',
      });
      expect(personProperties({ name: '田中雪' })).toEqual({ firstname: '田中雪' });
      expect(personProperties({ firstName: 'A', lastName: "O'Neil", name: 'ignored' })).toEqual({
        firstname: 'A',
        lastname: "O'Neil",
      });
    });

    it('accepts only HubSpot-shaped ids', () => {
      expect(['1', '1000001', '12345678901234567890'].every(isHubspotId)).toBe(true);
      expect(['', '0', '01', '-1', '1.5', '1e3', '../x', '123456789012345678901', 'abc'].some(isHubspotId)).toBe(false);
    });
  });

  describe('search filters (the one place a value enters a query)', () => {
    it('keeps values as JSON strings and refuses bad property names', () => {
      expect(literalFilter('email', 'EQ', "x' OR '1'='1")).toEqual({
        propertyName: 'email',
        operator: 'EQ',
        value: "x' OR '1'='1",
      });
      expect(literalFilter('lastmodifieddate', 'GTE', 1790812800000)).toEqual({
        propertyName: 'lastmodifieddate',
        operator: 'GTE',
        value: '1790812800000',
      });
      expect(literalFilter('phone', 'IN', ['+1', 2])).toEqual({
        propertyName: 'phone',
        operator: 'IN',
        values: ['+1', '2'],
      });
      expect(() => literalFilter('email" OR', 'EQ', 'x')).toThrow(/property name/);
      expect(() => literalFilter('Email', 'EQ', 'x')).toThrow(/property name/);
      expect(() => literalFilter('email', 'IN', [])).toThrow(/at least one/);
      expect(() => literalFilter('email', 'EQ', ['a', 'b'])).toThrow(/one value/);
      expect(() => literalFilter('email', 'EQ', 'x'.repeat(513))).toThrow(/longer/);
    });

    it('strips control characters, which HubSpot would otherwise compare literally', () => {
      expect(literalFilter('email', 'EQ', 'a\u0000b\nc').value).toBe('abc');
    });

    it('offers no operator that interprets wildcards', () => {
      // @ts-expect-error CONTAINS_TOKEN treats `*` as a wildcard and is not a LiteralOperator.
      expect(() => literalFilter('email', 'CONTAINS_TOKEN', '*')).toThrow(/not a literal/);
    });
  });

  describe('phones', () => {
    it('renders a number the ways people type it', () => {
      const us = phoneRenderings('+14155552671');
      expect(us).toEqual(
        expect.arrayContaining([
          '+14155552671',
          '(415) 555-2671',
          '415-555-2671',
          '415.555.2671',
          '4155552671',
          '+1 415-555-2671',
          '+1 (415) 555-2671',
          '1-415-555-2671',
        ]),
      );
      expect(phoneRenderings('+819012345678')).toEqual(
        expect.arrayContaining([
          '090-1234-5678',
          '09012345678',
          '+81 90 1234 5678',
          '+81-90-1234-5678',
          '819012345678',
        ]),
      );
      expect(phoneRenderings('+442079460018')).toEqual(
        expect.arrayContaining(['020 7946 0018', '+44 (0)20 7946 0018']),
      );
      // Two IN filters of these values must fit HubSpot's 3,000-character search body with room to spare.
      expect(JSON.stringify(us).length * 2).toBeLessThan(2000);
    });

    it('re-checks a stored value exactly, reading local forms in the number’s own country', () => {
      expect(phoneMatches('090-1234-5678', '+819012345678')).toBe(true);
      expect(phoneMatches('(415) 555-2671', '+14155552671')).toBe(true);
      expect(phoneMatches('+1 415 555 2671', '+14155552671')).toBe(true);
      expect(phoneMatches('(415) 555-2672', '+14155552671')).toBe(false);
      expect(phoneMatches('4155552671', '+4414155552671')).toBe(false);
      expect(phoneMatches(null, '+14155552671')).toBe(false);
      expect(phoneMatches('not a phone', '+14155552671')).toBe(false);
    });
  });

  describe('notes', () => {
    it('writes escaped HTML with the title in bold and reads it back to plain text', () => {
      const html = noteHtml('Chat <42>', 'Visitor: a < b & c\nAgent: "ok"');
      expect(html).toBe(
        '<p><strong>Chat &lt;42&gt;</strong></p><p>Visitor: a &lt; b &amp; c<br>Agent: &quot;ok&quot;</p>',
      );
      expect(mapNote({ id: '1', properties: { hs_note_body: html } }, null)).toMatchObject({
        title: 'Chat <42>',
        body: 'Visitor: a < b & c\nAgent: "ok"',
      });
    });

    it('maps HubSpot notes (rich and plain) as internal notes dated by hs_timestamp', () => {
      const read = notesRead as HsBatchResponse<HsObject>;
      const url = 'https://app.hubspot.com/contacts/24681357/record/0-1/1000001';
      expect(mapNote(read.results[0], url)).toEqual({
        id: '4000101',
        title: 'Chat transcript 42',
        body: 'Visitor: 注文はどこですか？\nAgent: <b>発送済み</b> & on its way',
        author: null,
        createdAt: '2026-10-01T00:00:00.000Z',
        private: true,
        url,
      });
      expect(mapNote(read.results[1], null)).toMatchObject({ title: null, body: 'Customer prefers email follow-up.' });
    });

    it('cuts a huge body so the stored HTML stays within the property limit', () => {
      const html = noteHtml('t', '<>&\n'.repeat(30_000));
      expect(html.length).toBeLessThanOrEqual(65_536);
      expect(html.endsWith('…</p>')).toBe(true);
    });

    it('decodes numeric entities and block tags', () => {
      expect(htmlToText('<div>a&#39;b&#x263A;</div><ul><li>x</li></ul>&unknown;')).toBe("a'b☺\nx\n&unknown;");
    });

    it('reads upsert results: `new` on the wire, `_new` from the SDK, and finds per-record errors by key', () => {
      const upserted = notesUpsert as HsBatchResponse<HsObject>;
      expect(upserted.results.map(upsertCreated)).toEqual([true, false]);
      expect(upsertCreated({ id: '1', properties: {}, _new: true })).toBe(true);
      expect(upsertCreated({ id: '1', properties: {} })).toBe(false);
      const error = batchErrorFor(upserted.errors, ['session-c']);
      expect(batchErrorCode(error?.category)).toBe('unavailable');
      expect(batchErrorFor(upserted.errors, ['session-a'])).toBeUndefined();
      const linked = associationCreate as { errors: HsBatchResponse<HsObject>['errors'] };
      expect(batchErrorCode(batchErrorFor(linked.errors, ['4000102'])?.category)).toBe('invalid_request');
    });
  });

  describe('orders', () => {
    it('maps an order with its line items; the number is the external order id, else the name', () => {
      const [first, second] = (ordersRead as HsBatchResponse<HsObject>).results;
      const items = (lineItems as HsBatchResponse<HsObject>).results;
      expect(mapOrder(first, items, settings)).toEqual({
        id: '2000001',
        number: '245-12784',
        status: 'Shipped',
        total: 170,
        currency: 'USD',
        placedAt: '2026-09-20T10:00:00.000Z',
        items: [
          { sku: 'SKU-200', name: 'Mechanical Keyboard', quantity: 1, unitPrice: 120 },
          { sku: 'SKU-100', name: 'Wireless Mouse', quantity: 2, unitPrice: 25 },
        ],
        url: 'https://app.hubspot.com/contacts/24681357/record/0-123/2000001',
      });
      expect(mapOrder(second, [], settings)).toMatchObject({
        number: '10023',
        status: 'delivered',
        total: 45.5,
        placedAt: '2026-06-02T08:30:00.000Z',
      });
    });
  });

  describe('tickets and pipelines', () => {
    it('starts new tickets in the first open stage of the first pipeline by display order', () => {
      expect(pipelines.initialStage()).toEqual({ pipelineId: '0', stageId: '1' });
      expect(pipelines.initialStage('7654321')).toEqual({ pipelineId: '7654321', stageId: 'esc-new' });
      expect(pipelines.initialStage('missing')).toBeUndefined();
      expect(pipelines.stages.get('esc-done')).toEqual({ pipelineId: '7654321', label: 'Resolved', closed: true });
    });

    it('maps tickets: stage label as status, unified state and priority', () => {
      const [waiting, closed, fresh] = (ticketsRead as HsBatchResponse<HsObject>).results;
      expect(mapTicket(waiting, pipelines, settings)).toEqual({
        id: '5000001',
        number: '5000001',
        subject: 'Order not delivered',
        status: 'Waiting on contact',
        state: 'pending',
        priority: 'high',
        createdAt: '2026-08-01T00:00:00.000Z',
        updatedAt: '2026-08-01T06:00:00.000Z',
        url: 'https://app.hubspot.com/contacts/24681357/record/0-5/5000001',
      });
      expect(mapTicket(closed, pipelines, settings)).toMatchObject({
        state: 'solved',
        status: 'Closed',
        priority: 'normal',
      });
      expect(mapTicket(fresh, pipelines, settings)).toMatchObject({ state: 'open', status: 'New', priority: null });
    });

    it('puts the transcript after the description and respects the property limit', () => {
      expect(ticketContent('Escalated.', 'Visitor: hi')).toBe('Escalated.\n\n--- Chat transcript ---\nVisitor: hi');
      expect(ticketContent('Escalated.', '  ')).toBe('Escalated.');
      expect(ticketContent('x', 'y'.repeat(70_000)).length).toBe(65_536);
    });
  });

  describe('incremental changes', () => {
    const rows = (...pairs: Array<[string, number]>) => pairs.map(([id, modifiedMs]) => ({ id, modifiedMs }));

    it('round-trips the opaque cursor and rejects foreign or damaged ones', () => {
      const cursor = { contacts: { t: 5, skip: ['1'] }, tickets: { t: 6, skip: [], after: 100 } };
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
      expect(decodeCursor('hs1.' + Buffer.from('{"contacts":{"t":"x"}}').toString('base64url'))).toBeUndefined();
      expect(decodeCursor('hs1.!!!')).toBeUndefined();
      expect(decodeCursor('zd1.abc')).toBeUndefined();
      expect(
        decodeCursor(
          encodeCursor({ contacts: { t: 1, skip: [], after: SEARCH_RESULT_CAP }, tickets: { t: 1, skip: [] } }),
        ),
      ).toBeUndefined();
    });

    it('moves the time cursor to the last modification and skips what it already emitted there', () => {
      const first = advanceStream({ t: 100, skip: [] }, rows(['a', 100], ['b', 110], ['c', 110]), true, 3);
      expect(first).toEqual({ emit: ['a', 'b', 'c'], next: { t: 110, skip: ['b', 'c'] }, hasMore: true });
      const second = advanceStream(first.next, rows(['b', 110], ['c', 110], ['d', 120]), false, 3);
      expect(second).toEqual({ emit: ['d'], next: { t: 120, skip: ['d'] }, hasMore: false });
      const idle = advanceStream(second.next, rows(['d', 120]), false, 3);
      expect(idle).toEqual({ emit: [], next: { t: 120, skip: ['d'] }, hasMore: false });
    });

    it('pages with `after` only inside one crowded millisecond, and steps past it before the 10,000 cap', () => {
      const crowded = advanceStream({ t: 100, skip: [] }, rows(['a', 100], ['b', 100]), true, 2);
      expect(crowded).toEqual({ emit: ['a', 'b'], next: { t: 100, skip: ['a', 'b'], after: 2 }, hasMore: true });
      const onward = advanceStream(crowded.next, rows(['c', 100], ['d', 101]), true, 2);
      expect(onward).toEqual({ emit: ['c', 'd'], next: { t: 101, skip: ['d'] }, hasMore: true });
      const nearCap = advanceStream({ t: 100, skip: [], after: 9_800 }, rows(['x', 100]), true, 200);
      expect(nearCap.next).toEqual({ t: 101, skip: [] });
    });

    it('maps changed contacts and tickets to events with stable ids', () => {
      expect(contactChange(contacts.results[0])).toEqual({
        kind: 'person.changed',
        recordId: '1000001',
        personId: '1000001',
        occurredAt: '2026-09-30T12:00:00.000Z',
        eventId: `contact:1000001:${Date.parse('2026-09-30T12:00:00.000Z')}`,
        summary: null,
      });
      const [, closed] = (ticketsRead as HsBatchResponse<HsObject>).results;
      expect(ticketChange(closed, pipelines, '1000001')).toMatchObject({
        kind: 'case.solved',
        recordId: '5000002',
        personId: '1000001',
        summary: 'Closed',
      });
    });
  });

  describe('webhooks', () => {
    const events = webhookEvents as HsWebhookEvent[];

    it('maps contact and ticket events, a closing stage change to case.solved, and ignores other objects', () => {
      expect(webhookNeedsPipelines(events)).toBe(true);
      expect(mapWebhookEvents(events, pipelines)).toEqual([
        {
          kind: 'person.changed',
          recordId: '1000123',
          personId: '1000123',
          occurredAt: new Date(1790812800000).toISOString(),
          eventId: '9000000101',
          summary: null,
        },
        expect.objectContaining({ kind: 'case.solved', recordId: '5000007', personId: null, summary: 'Closed' }),
        expect.objectContaining({ kind: 'case.updated', recordId: '5000007', summary: null, eventId: '9000000103' }),
        expect.objectContaining({ kind: 'person.changed', recordId: '1000124', eventId: '9000000104' }),
        expect.objectContaining({ kind: 'case.updated', recordId: '5000008', summary: 'deleted' }),
      ]);
    });

    it('without pipeline data a stage change is only an update', () => {
      const stageChange = events.filter((e) => e.propertyName === 'hs_pipeline_stage');
      expect(mapWebhookEvents(stageChange, undefined)).toEqual([
        expect.objectContaining({ kind: 'case.updated', summary: '4' }),
      ]);
      expect(webhookNeedsPipelines(events.filter((e) => e.subscriptionType?.startsWith('contact')))).toBe(false);
    });

    it('skips events without a numeric object id', () => {
      expect(mapWebhookEvents([{ subscriptionType: 'contact.creation', objectId: '../1' }], undefined)).toEqual([]);
    });
  });
});
