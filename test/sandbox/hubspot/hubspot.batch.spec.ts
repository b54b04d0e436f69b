import type { Client } from '@hubspot/api-client';
import { FIXTURE } from '../common/seed-data';
import { startHubspotSandbox, type HubspotSandbox } from './hubspot.sandbox';
import { apiError, raw, sdk } from './hubspot.test-helpers';

describe('HubSpot sandbox: batch endpoints through @hubspot/api-client', () => {
  let sandbox: HubspotSandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ people: 60 });
    client = sdk(sandbox);
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  afterEach(() => {
    sandbox.faults.reset();
  });

  it('reads by idProperty and reports unknown ids as a 207 OBJECT_NOT_FOUND error (returned, not thrown)', async () => {
    const ok = await client.crm.contacts.batchApi.read({
      idProperty: 'email',
      inputs: [{ id: FIXTURE.english.email }, { id: FIXTURE.japanese.email }],
      properties: ['email', 'firstname'],
      propertiesWithHistory: [],
    });
    expect(ok.status).toBe('COMPLETE');
    expect(ok.results.map((r) => r.properties.email).sort()).toEqual(
      [FIXTURE.english.email, FIXTURE.japanese.email].sort(),
    );
    expect(ok.startedAt).toBeInstanceOf(Date);
    expect(ok.completedAt).toBeInstanceOf(Date);
    expect('numErrors' in ok ? ok.numErrors : undefined).toBeUndefined();

    const partial = await client.crm.contacts.batchApi.read({
      idProperty: 'chat_bridge_external_id',
      inputs: [{ id: FIXTURE.english.externalId }, { id: 'ext-nope-1' }, { id: 'ext-nope-2' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(partial.results).toHaveLength(1);
    expect('numErrors' in partial && partial.numErrors).toBe(1);
    const errors = 'errors' in partial ? partial.errors : [];
    expect(errors?.[0]).toMatchObject({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
      context: { ids: ['ext-nope-1', 'ext-nope-2'] },
    });
  });

  it('reads orders and line items through crm.objects / crm.lineItems batch read', async () => {
    const contact = await client.crm.contacts.basicApi.getById(
      FIXTURE.english.email,
      undefined,
      undefined,
      undefined,
      false,
      'email',
    );
    const orderLinks = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'orders');
    const orders = await client.crm.objects.batchApi.read('orders', {
      inputs: orderLinks.results.map((r) => ({ id: String(r.toObjectId) })),
      properties: ['hs_order_name', 'hs_total_price', 'hs_currency_code', 'hs_external_order_id', 'hs_pipeline_stage'],
      propertiesWithHistory: [],
    });
    expect(orders.results.map((o) => o.properties.hs_external_order_id).sort()).toEqual(['10023', '245-12784']);
    const order = orders.results.find((o) => o.properties.hs_external_order_id === '245-12784');
    expect(order?.properties).toMatchObject({
      hs_total_price: '170',
      hs_currency_code: 'USD',
      hs_pipeline_stage: 'shipped',
    });

    const lineLinks = await client.crm.associations.v4.basicApi.getPage('orders', order?.id as string, 'line_items');
    const lines = await client.crm.lineItems.batchApi.read({
      inputs: lineLinks.results.map((r) => ({ id: String(r.toObjectId) })),
      properties: ['name', 'quantity', 'price', 'hs_sku', 'amount'],
      propertiesWithHistory: [],
    });
    expect(lines.results.map((l) => [l.properties.hs_sku, l.properties.quantity, l.properties.amount]).sort()).toEqual([
      ['SKU-100', '2', '50'],
      ['SKU-200', '1', '120'],
    ]);
  });

  it('rejects more than 100 inputs with a 400 VALIDATION_ERROR', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: String(1_000_001 + i) }));
    const tooMany = await apiError(
      client.crm.contacts.batchApi.read({ inputs, properties: [], propertiesWithHistory: [] }),
    );
    expect(tooMany.code).toBe(400);
    expect(tooMany.body.category).toBe('VALIDATION_ERROR');
    const createTooMany = await apiError(
      client.crm.contacts.batchApi.create({
        inputs: Array.from({ length: 101 }, () => ({ properties: {}, associations: [] })),
      }),
    );
    expect(createTooMany.code).toBe(400);
  });

  it('creates in batch (201), echoing objectWriteTraceId, and rejects the whole batch on an existing email (409)', async () => {
    const created = await client.crm.contacts.batchApi.create({
      inputs: [
        {
          properties: { email: 'batch.one@example.com', firstname: 'One' },
          associations: [],
          objectWriteTraceId: 't1',
        },
        {
          properties: { email: 'batch.two@example.com', firstname: 'Two' },
          associations: [],
          objectWriteTraceId: 't2',
        },
      ],
    });
    expect(created.status).toBe('COMPLETE');
    expect(created.results.map((r) => [r.objectWriteTraceId, r.properties.email]).sort()).toEqual([
      ['t1', 'batch.one@example.com'],
      ['t2', 'batch.two@example.com'],
    ]);
    expect(sandbox.journal.entries({ object: 'contacts', operation: 'create' })).toHaveLength(2);

    const conflict = await apiError(
      client.crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'batch.three@example.com' }, associations: [] },
          { properties: { email: 'batch.one@example.com' }, associations: [] },
        ],
      }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.message).toContain('Existing ID:');
    const invalid = await apiError(
      client.crm.contacts.batchApi.create({ inputs: [{ properties: { nope: 'x' }, associations: [] }] }),
    );
    expect(invalid.code).toBe(400);
    const inBatchDuplicate = await apiError(
      client.crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'same@example.com' }, associations: [] },
          { properties: { email: 'SAME@example.com' }, associations: [] },
        ],
      }),
    );
    expect(inBatchDuplicate.code).toBe(400);
    // Nothing from the rejected batches was written.
    expect(sandbox.journal.entries({ object: 'contacts', operation: 'create' })).toHaveLength(2);
    const search = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'EQ' as never, value: 'batch.three@example.com' }] },
      ],
    });
    expect(search.total).toBe(0);
  });

  it('updates in batch (200), reports missing ids as 207 and rejects duplicate ids', async () => {
    const a = await client.crm.contacts.basicApi.create({
      properties: { email: 'upd.a@example.com' },
      associations: [],
    });
    const updated = await client.crm.contacts.batchApi.update({
      inputs: [{ id: a.id, properties: { firstname: 'Alpha' } }],
    });
    expect(updated.results[0]?.properties.firstname).toBe('Alpha');

    const byEmail = await client.crm.contacts.batchApi.update({
      inputs: [{ id: 'upd.a@example.com', idProperty: 'email', properties: { lastname: 'Zulu' } }],
    });
    expect(byEmail.results[0]?.id).toBe(a.id);

    const partial = await client.crm.contacts.batchApi.update({
      inputs: [
        { id: a.id, properties: { company: 'Initech' } },
        { id: '999999', properties: { company: 'Ghost' } },
      ],
    });
    expect(partial.results.map((r) => r.id)).toEqual([a.id]);
    expect('numErrors' in partial && partial.numErrors).toBe(1);
    expect('errors' in partial && partial.errors?.[0]?.context).toEqual({ ids: ['999999'] });

    const dupes = await apiError(
      client.crm.contacts.batchApi.update({
        inputs: [
          { id: a.id, properties: { company: 'X' } },
          { id: a.id, properties: { company: 'Y' } },
        ],
      }),
    );
    expect(dupes.code).toBe(400);
    expect(dupes.body.message).toContain('Duplicate IDs found in batch input');
  });

  it('upserts by a unique property, flagging new records (SDK maps "new" to _new)', async () => {
    const existing = await client.crm.contacts.basicApi.getById(
      FIXTURE.english.email,
      ['firstname'],
      undefined,
      undefined,
      false,
      'email',
    );
    const res = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { idProperty: 'email', id: FIXTURE.english.email, properties: { company: 'Acme Corporation' } },
        { idProperty: 'email', id: 'Upsert.New@example.com', properties: { firstname: 'Fresh' } },
      ],
    });
    expect(res.status).toBe('COMPLETE');
    const byEmail = new Map(res.results.map((r) => [r.properties.email, r]));
    expect(byEmail.get(FIXTURE.english.email)?._new).toBe(false);
    expect(byEmail.get(FIXTURE.english.email)?.id).toBe(existing.id);
    expect(byEmail.get(FIXTURE.english.email)?.properties.company).toBe('Acme Corporation');
    expect(byEmail.get('upsert.new@example.com')?._new).toBe(true);

    const upserts = sandbox.journal.entries({ operation: 'upsert' });
    expect(upserts.map((e) => e.externalKey).sort()).toEqual([FIXTURE.english.email, 'upsert.new@example.com']);

    // Upserting a note by the custom unique chat_transcript_key twice creates it once.
    for (let i = 0; i < 2; i += 1) {
      await client.crm.objects.notes.batchApi.upsert({
        inputs: [
          {
            idProperty: 'chat_transcript_key',
            id: 'chat-42',
            properties: { hs_note_body: `Transcript v${i}`, hs_timestamp: '2026-11-01T10:00:00Z' },
          },
        ],
      });
    }
    const notes = await client.crm.objects.notes.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'chat_transcript_key', operator: 'EQ' as never, value: 'chat-42' }] }],
      properties: ['hs_note_body'],
    });
    expect(notes.results.map((n) => n.properties.hs_note_body)).toEqual(['Transcript v1']);

    const notUnique = await apiError(
      client.crm.contacts.batchApi.upsert({ inputs: [{ idProperty: 'firstname', id: 'Emma', properties: {} }] }),
    );
    expect(notUnique.code).toBe(400);
    const missingRequired = await apiError(
      client.crm.tickets.batchApi.upsert({
        inputs: [{ idProperty: 'chat_session_key', id: 's-1', properties: { content: 'x' } }],
      }),
    );
    expect(missingRequired.code).toBe(400);
  });

  it('archives in batch (204, unknown ids ignored)', async () => {
    const a = await client.crm.contacts.basicApi.create({
      properties: { email: 'arch.a@example.com' },
      associations: [],
    });
    await client.crm.contacts.batchApi.archive({ inputs: [{ id: a.id }, { id: '424242' }] });
    expect((await apiError(client.crm.contacts.basicApi.getById(a.id))).code).toBe(404);
    expect(sandbox.journal.entries({ operation: 'delete' }).map((e) => e.recordId)).toContain(a.id);
  });

  it('fails individual records on demand: 207 with numErrors, only the others are written and journaled', async () => {
    sandbox.faults.set({ batchRecordFailureRate: 0.5 });
    const inputs = Array.from({ length: 40 }, (_, i) => ({
      properties: { email: `partial${i}@example.com` },
      associations: [],
      objectWriteTraceId: `p${i}`,
    }));
    const before = sandbox.journal.entries({ object: 'contacts', operation: 'create' }).length;
    const res = await client.crm.contacts.batchApi.createWithHttpInfo({ inputs });
    expect(res.httpStatusCode).toBe(207);
    const body = res.data;
    const numErrors = 'numErrors' in body ? (body.numErrors as number) : 0;
    expect(numErrors).toBeGreaterThan(0);
    expect(body.results.length + numErrors).toBe(40);
    const failedTraces = ('errors' in body ? (body.errors ?? []) : []).map((e) => e.context?.objectWriteTraceId?.[0]);
    expect(failedTraces.every((t) => typeof t === 'string')).toBe(true);
    expect(sandbox.journal.entries({ object: 'contacts', operation: 'create' }).length - before).toBe(
      body.results.length,
    );

    const failed = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'email',
              operator: 'EQ' as never,
              value: `partial${String(failedTraces[0]).slice(1)}@example.com`,
            },
          ],
        },
      ],
    });
    expect(failed.total).toBe(0);
  });

  it('refuses the same records on every attempt (batchRecordRejectRate): 207 VALIDATION_ERROR, the rest written', async () => {
    sandbox.faults.set({ batchRecordRejectRate: 0.3 });
    const inputs = Array.from({ length: 40 }, (_, i) => ({
      id: `reject${i}@example.com`,
      idProperty: 'email',
      properties: { firstname: `Reject ${i}` },
    }));
    const upsert = () => raw(sandbox, 'POST', '/crm/v3/objects/contacts/batch/upsert', { inputs });
    const refusedIds = (json: unknown) =>
      ((json as { errors?: Array<{ context: { ids: string[] } }> }).errors ?? []).flatMap((e) => e.context.ids).sort();

    const first = await upsert();
    expect(first.status).toBe(207);
    const body = first.json as { results: unknown[]; numErrors: number; errors: unknown[] };
    expect(body.numErrors).toBeGreaterThan(0);
    expect(body.results.length + body.numErrors).toBe(40);
    expect(body.errors[0]).toEqual({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: expect.stringContaining('Property values were not valid'),
      context: { ids: [expect.stringMatching(/^reject\d+@example\.com$/)] },
    });
    // A validation rule, not bad luck: the retry is refused for exactly the same records.
    const again = await upsert();
    expect(refusedIds(again.json)).toEqual(refusedIds(first.json));
    expect(sandbox.faults.rejectedRecordKeys().sort()).toEqual(refusedIds(first.json));
    const written = new Set(sandbox.journal.entries({ object: 'contacts' }).map((e) => e.externalKey ?? ''));
    expect(refusedIds(first.json).filter((id) => written.has(id))).toEqual([]);
  });

  it('answers malformed batch bodies with 400', async () => {
    expect((await raw(sandbox, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: 'x' })).status).toBe(400);
    expect((await raw(sandbox, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ nope: 1 }] })).status).toBe(
      400,
    );
    expect(
      (await raw(sandbox, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: '1' }] })).status,
    ).toBe(400);
    expect(
      (await raw(sandbox, 'POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: 'a@b.co' }] })).status,
    ).toBe(400);
  });
});
