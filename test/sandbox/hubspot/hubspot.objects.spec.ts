import { FIXTURE } from '../common/seed-data';
import { startHubspotSandbox, type HubspotSandbox } from './hubspot.sandbox';
import { apiError, raw, sdk } from './hubspot.test-helpers';
import type { Client } from '@hubspot/api-client';

describe('HubSpot sandbox: CRM objects through @hubspot/api-client', () => {
  let sandbox: HubspotSandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ people: 40 });
    client = sdk(sandbox);
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  afterEach(() => {
    sandbox.faults.reset();
  });

  it('reads a seeded contact by email and by the custom unique external id', async () => {
    const { english, japanese } = FIXTURE;
    const byEmail = await client.crm.contacts.basicApi.getById(
      english.email,
      ['email', 'firstname', 'lastname', 'phone', 'customer_tier', 'chat_bridge_external_id', 'hs_language'],
      undefined,
      undefined,
      false,
      'email',
    );
    expect(byEmail.properties).toMatchObject({
      email: 'emma.johnson@example.com',
      firstname: 'Emma',
      lastname: 'Johnson',
      phone: '(415) 555-2671',
      customer_tier: 'vip',
      chat_bridge_external_id: english.externalId,
      hs_language: 'en',
    });
    expect(byEmail.createdAt).toBeInstanceOf(Date);
    expect(byEmail.archived).toBe(false);

    const byExternal = await client.crm.contacts.basicApi.getById(
      english.externalId,
      ['email'],
      undefined,
      undefined,
      false,
      'chat_bridge_external_id',
    );
    expect(byExternal.id).toBe(byEmail.id);

    // Japanese mobile numbers are filed under mobilephone.
    const jp = await client.crm.contacts.basicApi.getById(
      japanese.email,
      ['firstname', 'lastname', 'phone', 'mobilephone', 'hs_language'],
      undefined,
      undefined,
      false,
      'email',
    );
    expect(jp.properties).toMatchObject({
      firstname: '雪',
      lastname: '田中',
      mobilephone: '090-1234-5678',
      phone: null,
      hs_language: 'ja',
    });
  });

  it('returns the default property set when none are requested and ignores unknown property names', async () => {
    const contact = await client.crm.contacts.basicApi.getById(
      FIXTURE.english.email,
      undefined,
      undefined,
      undefined,
      false,
      'email',
    );
    expect(Object.keys(contact.properties).sort()).toEqual(
      ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'].sort(),
    );
    expect(contact.properties.hs_object_id).toBe(contact.id);
    const withUnknown = await client.crm.contacts.basicApi.getById(contact.id, ['no_such_property', 'company']);
    expect(withUnknown.properties).not.toHaveProperty('no_such_property');
    expect(withUnknown.properties.company).toBe('Acme Corp');
  });

  it('answers a missing record with the SDK ApiException 404 / OBJECT_NOT_FOUND', async () => {
    const missing = await apiError(client.crm.contacts.basicApi.getById('999'));
    expect(missing.name).toBe('ApiException');
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    expect(typeof missing.body.correlationId).toBe('string');

    const byEmail = await apiError(
      client.crm.contacts.basicApi.getById('nobody@example.com', undefined, undefined, undefined, false, 'email'),
    );
    expect(byEmail.code).toBe(404);

    const notNumeric = await apiError(client.crm.contacts.basicApi.getById('abc'));
    expect(notNumeric.body.message).toBe('Object not found.  objectId are usually numeric.');

    const notUnique = await apiError(
      client.crm.contacts.basicApi.getById('Emma', undefined, undefined, undefined, false, 'firstname'),
    );
    expect(notUnique.code).toBe(400);
    expect(notUnique.body.category).toBe('VALIDATION_ERROR');
  });

  it('creates, updates (by id and by idProperty) and archives a contact, journaling every write', async () => {
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'New.Person@Example.com', firstname: 'New', chat_bridge_external_id: 'ext-new-1' },
      associations: [],
    });
    expect(created.id).toMatch(/^\d+$/);
    // HubSpot stores emails lower-cased and echoes every property that has a value plus its defaults.
    expect(created.properties).toMatchObject({
      email: 'new.person@example.com',
      firstname: 'New',
      lastname: null,
      hs_object_id: created.id,
    });
    expect(sandbox.journal.entries({ object: 'contacts', operation: 'create' })).toEqual([
      expect.objectContaining({ recordId: created.id, externalKey: 'ext-new-1' }),
    ]);

    const updated = await client.crm.contacts.basicApi.update(created.id, { properties: { phone: '+14155550100' } });
    expect(updated.properties.phone).toBe('+14155550100');
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

    const byEmail = await client.crm.contacts.basicApi.update(
      'new.person@example.com',
      { properties: { lastname: 'Person', customer_tier: 'gold' } },
      'email',
    );
    expect(byEmail.id).toBe(created.id);
    expect(byEmail.properties).toMatchObject({ lastname: 'Person', customer_tier: 'gold', phone: '+14155550100' });

    // "" clears a value.
    const cleared = await client.crm.contacts.basicApi.update(created.id, { properties: { phone: '' } });
    expect(cleared.properties.phone).toBeNull();

    await client.crm.contacts.basicApi.archive(created.id);
    expect((await apiError(client.crm.contacts.basicApi.getById(created.id))).code).toBe(404);
    const archived = await client.crm.contacts.basicApi.getById(created.id, undefined, undefined, undefined, true);
    expect(archived.archived).toBe(true);
    expect(archived.archivedAt).toBeInstanceOf(Date);
    // Archiving frees the unique email.
    const again = await client.crm.contacts.basicApi.create({
      properties: { email: 'new.person@example.com' },
      associations: [],
    });
    expect(again.id).not.toBe(created.id);

    const ops = sandbox.journal.entries({ object: 'contacts' }).map((e) => [e.operation, e.recordId]);
    expect(ops).toEqual([
      ['create', created.id],
      ['update', created.id],
      ['update', created.id],
      ['update', created.id],
      ['delete', created.id],
      ['create', again.id],
    ]);
    // A second DELETE is still a 204 and writes nothing.
    await client.crm.contacts.basicApi.archive(created.id);
    expect(sandbox.journal.entries({ object: 'contacts', operation: 'delete' })).toHaveLength(1);
  });

  it('surfaces a duplicate email as ApiException 409 naming the existing id, and writes nothing', async () => {
    const existing = await client.crm.contacts.basicApi.getById(
      FIXTURE.english.email,
      undefined,
      undefined,
      undefined,
      false,
      'email',
    );
    const before = sandbox.journal.entries().length;
    const conflict = await apiError(
      client.crm.contacts.basicApi.create({
        properties: { email: 'EMMA.JOHNSON@example.com', firstname: 'Dup' },
        associations: [],
      }),
    );
    expect(conflict.name).toBe('ApiException');
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({
      status: 'error',
      message: `Contact already exists. Existing ID: ${existing.id}`,
      category: 'OBJECT_ALREADY_EXISTS',
    });
    expect(String(conflict.body.message).match(/Existing ID: (\d+)/)?.[1]).toBe(existing.id);

    const externalConflict = await apiError(
      client.crm.contacts.basicApi.create({
        properties: { email: 'someone.else@example.com', chat_bridge_external_id: FIXTURE.english.externalId },
        associations: [],
      }),
    );
    expect(externalConflict.code).toBe(409);
    expect(externalConflict.body.category).toBe('CONFLICT');
    expect(externalConflict.body.message).toContain(`Existing ID: ${existing.id}`);

    // Changing another contact's email to a taken one is a conflict too.
    const other = await client.crm.contacts.basicApi.getById(
      FIXTURE.japanese.email,
      undefined,
      undefined,
      undefined,
      false,
      'email',
    );
    const updateConflict = await apiError(
      client.crm.contacts.basicApi.update(other.id, { properties: { email: FIXTURE.english.email } }),
    );
    expect(updateConflict.code).toBe(409);
    expect(sandbox.journal.entries().length).toBe(before);
  });

  it("rejects invalid property values with HubSpot's VALIDATION_ERROR envelope", async () => {
    const unknown = await apiError(
      client.crm.contacts.basicApi.create({ properties: { favourite_colour: 'red' }, associations: [] }),
    );
    expect(unknown.code).toBe(400);
    expect(unknown.body.category).toBe('VALIDATION_ERROR');
    expect(unknown.body.message).toMatch(/^Property values were not valid: \[/);
    const problems = JSON.parse(String(unknown.body.message).replace('Property values were not valid: ', '')) as Array<
      Record<string, unknown>
    >;
    expect(problems[0]).toMatchObject({ isValid: false, error: 'PROPERTY_DOESNT_EXIST', name: 'favourite_colour' });

    const readOnly = await apiError(
      client.crm.contacts.basicApi.create({ properties: { hs_object_id: '5' }, associations: [] }),
    );
    expect(readOnly.body.message).toContain('READ_ONLY_VALUE');

    const badOption = await apiError(
      client.crm.contacts.basicApi.create({ properties: { customer_tier: 'platinum' }, associations: [] }),
    );
    expect(badOption.body.message).toContain('INVALID_OPTION');

    const badEmail = await apiError(
      client.crm.contacts.basicApi.create({ properties: { email: 'not-an-email' }, associations: [] }),
    );
    expect(badEmail.body.message).toContain('INVALID_EMAIL');

    const ticket = await apiError(
      client.crm.tickets.basicApi.create({ properties: { content: 'no subject' }, associations: [] }),
    );
    expect(ticket.code).toBe(400);
    expect(ticket.body.message).toContain('"name":"subject"');
    expect(ticket.body.message).toContain('"name":"hs_pipeline_stage"');

    const priority = await apiError(
      client.crm.tickets.basicApi.create({
        properties: { subject: 's', hs_pipeline_stage: '1', hs_ticket_priority: 'high' },
        associations: [],
      }),
    );
    expect(priority.body.message).toContain('INVALID_OPTION');

    const note = await apiError(
      client.crm.objects.notes.basicApi.create({ properties: { hs_note_body: 'x' }, associations: [] }),
    );
    expect(note.body.message).toContain('"name":"hs_timestamp"');

    const price = await apiError(
      client.crm.lineItems.basicApi.create({ properties: { name: 'x', price: 'twelve' }, associations: [] }),
    );
    expect(price.body.message).toContain('INVALID_DOUBLE');
  });

  it('answers malformed requests with 400s, never 500s', async () => {
    const badJson = await raw(sandbox, 'POST', '/crm/v3/objects/contacts', '{"properties":');
    expect(badJson.status).toBe(400);
    expect(badJson.json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });

    const notObject = await raw(sandbox, 'PATCH', '/crm/v3/objects/contacts/1000001', { properties: 'x' });
    expect(notObject.status).toBe(400);

    const badArchived = await raw(sandbox, 'GET', '/crm/v3/objects/contacts?archived=maybe');
    expect(badArchived.status).toBe(400);

    const unknownType = await apiError(client.crm.objects.basicApi.getPage('widgets'));
    expect(unknownType.code).toBe(400);
    expect(unknownType.body.message).toBe('Unable to infer object type from: widgets');

    const unknownRoute = await raw(sandbox, 'GET', '/crm/v3/nothing-here');
    expect(unknownRoute.status).toBe(404);
  });

  it('lists records with cursor paging (limit ≤ 100, after, link)', async () => {
    const first = await client.crm.contacts.basicApi.getPage(5, undefined, ['email']);
    expect(first.results).toHaveLength(5);
    expect(first.paging?.next?.after).toBeTruthy();
    expect(first.paging?.next?.link).toContain(`${sandbox.baseUrl}/crm/v3/objects/contacts?limit=5&after=`);
    const second = await client.crm.contacts.basicApi.getPage(5, first.paging?.next?.after, ['email']);
    const firstIds = first.results.map((r) => Number(r.id));
    const secondIds = second.results.map((r) => Number(r.id));
    expect(Math.min(...secondIds)).toBeGreaterThan(Math.max(...firstIds));

    let seen = 0;
    let after: string | undefined;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after);
      seen += page.results.length;
      after = page.paging?.next?.after;
    } while (after);
    const search = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
    expect(seen).toBe(search.total);

    const tooMany = await apiError(client.crm.contacts.basicApi.getPage(101));
    expect(tooMany.code).toBe(400);
    const badCursor = await apiError(client.crm.contacts.basicApi.getPage(10, '@@@'));
    expect(badCursor.code).toBe(400);
  });

  it('returns property history with propertiesWithHistory', async () => {
    const c = await client.crm.contacts.basicApi.create({
      properties: { email: 'history@example.com', firstname: 'A' },
      associations: [],
    });
    await client.crm.contacts.basicApi.update(c.id, { properties: { firstname: 'B' } });
    const read = await client.crm.contacts.basicApi.getById(c.id, ['firstname'], ['firstname']);
    expect(read.propertiesWithHistory?.firstname?.map((h) => h.value)).toEqual(['B', 'A']);
    expect(read.propertiesWithHistory?.firstname?.[0]?.sourceType).toBe('API');
  });

  it("applies injected faults: 5xx in HubSpot's envelope, latency, and reset after a committed write", async () => {
    sandbox.faults.set({ errorRates: { 503: 1 } });
    const unavailable = await apiError(client.crm.contacts.basicApi.getPage(1));
    expect(unavailable.code).toBe(503);
    expect(unavailable.body).toMatchObject({ status: 'error' });
    sandbox.faults.reset();

    sandbox.faults.set({ latency: { kind: 'fixed', ms: 150 } });
    const started = Date.now();
    await client.crm.contacts.basicApi.getPage(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    sandbox.faults.reset();

    sandbox.faults.set({ resetAfterCommitRate: 1 });
    const before = sandbox.journal.entries({ object: 'contacts', operation: 'create' }).length;
    let error: unknown;
    try {
      await client.crm.contacts.basicApi.create({ properties: { email: 'ambiguous@example.com' }, associations: [] });
    } catch (err) {
      error = err;
    }
    // Not an ApiException: the connection died after the write was committed (fetch's "fetch failed").
    expect(error).toBeDefined();
    expect((error as { code?: unknown }).code).toBeUndefined();
    expect(String((error as Error).message)).toMatch(/fetch failed|socket|ECONNRESET/i);
    sandbox.faults.reset();
    expect(sandbox.journal.entries({ object: 'contacts', operation: 'create' })).toHaveLength(before + 1);
    const stored = await client.crm.contacts.basicApi.getById(
      'ambiguous@example.com',
      undefined,
      undefined,
      undefined,
      false,
      'email',
    );
    expect(stored.properties.email).toBe('ambiguous@example.com');
  });

  it('logs every request with the credential it carried', async () => {
    sandbox.requests.clear();
    await client.crm.contacts.basicApi.getPage(1);
    const entries = sandbox.requests.entries({ pathIncludes: '/crm/v3/objects/contacts', method: 'GET' });
    expect(entries).toEqual([
      expect.objectContaining({ status: 200, credential: sandbox.credentials.privateAppToken }),
    ]);
  });
});
