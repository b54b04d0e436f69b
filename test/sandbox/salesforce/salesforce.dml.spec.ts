import jsforce, { type Connection } from 'jsforce';
import { FIXTURE } from '../common/seed-data';
import { API_VERSION, caught, connectWithAccessToken, disableJsforceRetries } from './jsforce-test-helpers';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from './salesforce.sandbox';

disableJsforceRetries();

type AnyRecord = Record<string, any>;

describe('Salesforce sandbox: sObject rows', () => {
  let sandbox: RunningSalesforceSandbox;
  let conn: Connection;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ people: 20 });
    conn = connectWithAccessToken(sandbox);
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('creates, retrieves, updates and deletes a contact, journaling each write', async () => {
    const created = await conn
      .sobject('Contact')
      .create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', External_Id__c: 'ext-ada' });
    expect(created).toEqual({ id: expect.stringMatching(/^003[A-Za-z0-9]{15}$/), success: true, errors: [] });
    const id = created.id as string;

    const record = (await conn.sobject('Contact').retrieve(id)) as AnyRecord;
    expect(record).toMatchObject({
      attributes: { type: 'Contact', url: `/services/data/v${API_VERSION}/sobjects/Contact/${id}` },
      Id: id,
      Name: 'Ada Lovelace',
      Email: 'ada@example.com',
      Phone: null,
      OwnerId: sandbox.userId,
      IsDeleted: false,
      CreatedDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/),
    });
    const partial = (await conn.sobject('Contact').retrieve(id, { fields: ['Email', 'name'] })) as AnyRecord;
    expect(Object.keys(partial)).toEqual(['attributes', 'Name', 'Email']);

    // 15-character ids name the same record.
    expect(((await conn.sobject('Contact').retrieve(id.slice(0, 15))) as AnyRecord).Id).toBe(id);

    const updated = await conn.sobject('Contact').update({ Id: id, Phone: '+44 20 7946 0000', LastName: 'King' });
    expect(updated).toEqual({ id, success: true, errors: [] });
    const after = (await conn.sobject('Contact').retrieve(id)) as AnyRecord;
    expect(after).toMatchObject({ Phone: '+44 20 7946 0000', Name: 'Ada King' });
    expect(after.SystemModstamp >= record.SystemModstamp).toBe(true);

    expect(await conn.sobject('Contact').destroy(id)).toEqual({ id, success: true, errors: [] });
    expect((await caught(conn.sobject('Contact').retrieve(id))).errorCode).toBe('NOT_FOUND');
    expect((await caught(conn.sobject('Contact').update({ Id: id, Phone: '1' }))).errorCode).toBe('ENTITY_IS_DELETED');
    expect((await caught(conn.sobject('Contact').destroy(id))).errorCode).toBe('ENTITY_IS_DELETED');

    expect(sandbox.journal.entries({ object: 'Contact' }).map((e) => [e.operation, e.recordId, e.externalKey])).toEqual(
      [
        ['create', id, 'ext-ada'],
        ['update', id, 'ext-ada'],
        ['delete', id, undefined],
      ],
    );
  });

  it('answers invalid writes with Salesforce error codes and field lists', async () => {
    const contacts = conn.sobject('Contact');
    const missing = await caught(contacts.create({ FirstName: 'NoLast' }));
    expect(missing).toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [LastName]',
      data: { fields: ['LastName'] },
    });

    expect(await caught(contacts.create({ LastName: 'X', Favourite_Color__c: 'red' }))).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: "No such column 'Favourite_Color__c' on sobject of type Contact",
    });
    expect(await caught(contacts.create({ LastName: 'X', Name: 'Full' }))).toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      data: { fields: ['Name'] },
    });
    expect(await caught(contacts.create({ LastName: 'x'.repeat(81) }))).toMatchObject({
      errorCode: 'STRING_TOO_LONG',
      data: { fields: ['LastName'] },
    });
    expect(await caught(contacts.create({ LastName: 'X', Email: 'not-an-email' }))).toMatchObject({
      errorCode: 'INVALID_EMAIL_ADDRESS',
    });
    expect(await caught(contacts.create({ LastName: 'X', Customer_Tier__c: 'Platinum' }))).toMatchObject({
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    });
    expect(await caught(contacts.create({ LastName: 'X', HasOptedOutOfEmail: 'maybe' }))).toMatchObject({
      errorCode: 'JSON_PARSER_ERROR',
    });
    expect(
      await caught(contacts.create({ LastName: 'X', AccountId: sandbox.contactIdFor(FIXTURE.english.key) })),
    ).toMatchObject({
      errorCode: 'MALFORMED_ID',
      data: { fields: ['AccountId'] },
    });
    expect(await caught(contacts.create({ LastName: 'X', AccountId: '001000000000000AAA' }))).toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
    });
    expect(await caught(contacts.create({ LastName: 'X', External_Id__c: FIXTURE.english.externalId }))).toMatchObject({
      errorCode: 'DUPLICATE_VALUE',
      message: expect.stringContaining(
        `duplicate value found: External_Id__c duplicates value on record with id: ${sandbox.contactIdFor(FIXTURE.english.key)}`,
      ),
    });
    expect(await caught(contacts.retrieve('003000000000000AAA'))).toMatchObject({
      errorCode: 'NOT_FOUND',
      message: 'The requested resource does not exist',
    });
    expect(await caught(contacts.retrieve('not-an-id'))).toMatchObject({
      errorCode: 'NOT_FOUND',
      message: 'Provided external ID field does not exist or is not accessible: not-an-id',
    });
    expect(await caught(conn.sobject('Widget__c').create({ Name: 'x' }))).toMatchObject({ errorCode: 'NOT_FOUND' });
    expect(
      await caught(contacts.update({ Id: sandbox.contactIdFor(FIXTURE.english.key) as string, LastName: null })),
    ).toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
    });
    expect(
      await caught(contacts.retrieve(sandbox.contactIdFor(FIXTURE.english.key) as string, { fields: ['Nope'] })),
    ).toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    // None of the refused writes reached the journal.
    expect(sandbox.journal.entries()).toEqual([]);
  });

  it('rejects malformed JSON bodies with JSON_PARSER_ERROR', async () => {
    const response = await fetch(`${sandbox.baseUrl}/services/data/v${API_VERSION}/sobjects/Contact`, {
      method: 'POST',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: '{"LastName": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([{ message: expect.any(String), errorCode: 'JSON_PARSER_ERROR' }]);
  });

  it('upserts by external id: 201 created, then 200 with created:false', async () => {
    const tasks = conn.sobject('Task');
    const whoId = sandbox.contactIdFor(FIXTURE.english.key) as string;
    const first = await tasks.upsert(
      {
        Chat_Transcript_Key__c: 'conv-42',
        WhoId: whoId,
        Subject: 'Chat transcript',
        Description: 'line 1',
        Type: 'Chat',
        Status: 'Completed',
      },
      'Chat_Transcript_Key__c',
    );
    expect(first).toEqual({ id: expect.stringMatching(/^00T/), success: true, errors: [], created: true });

    const second = await tasks.upsert(
      { Chat_Transcript_Key__c: 'conv-42', Description: 'line 1\nline 2' },
      'Chat_Transcript_Key__c',
    );
    expect(second).toEqual({ id: first.id, success: true, errors: [], created: false });

    const { records } = await conn.query<AnyRecord>(
      "SELECT Id, Description, IsClosed, Who.Name FROM Task WHERE Chat_Transcript_Key__c = 'conv-42'",
    );
    expect(records).toEqual([
      expect.objectContaining({
        Id: first.id,
        Description: 'line 1\nline 2',
        IsClosed: true,
        Who: expect.objectContaining({ Name: 'Emma Johnson' }),
      }),
    ]);
    expect(sandbox.journal.entries({ object: 'Task' }).map((e) => [e.operation, e.externalKey])).toEqual([
      ['upsert', 'conv-42'],
      ['upsert', 'conv-42'],
    ]);
    expect(sandbox.records('Task').filter((t) => t.Chat_Transcript_Key__c === 'conv-42')).toHaveLength(1);

    expect(
      await caught(tasks.upsert({ Subject_Line__c: 'x', Chat_Transcript_Key__c: 'conv-43' }, 'Chat_Transcript_Key__c')),
    ).toMatchObject({ errorCode: 'INVALID_FIELD' });
    expect(await caught(tasks.upsert({ Subject: 'x', Subject2: 'y' }, 'Subject'))).toMatchObject({
      errorCode: 'NOT_FOUND',
      message: 'Provided external ID field does not exist or is not accessible: Subject',
    });
  });

  it('answers an upsert update with 204 before API v46.0', async () => {
    const old = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: conn.accessToken as string,
      version: '45.0',
    });
    const result = await old
      .sobject('Contact')
      .upsert({ External_Id__c: FIXTURE.english.externalId, Title: 'CTO' }, 'External_Id__c');
    expect(result).toEqual({ success: true, errors: [] });
    expect(sandbox.requests.entries({ method: 'PATCH' }).at(-1)).toMatchObject({
      path: `/services/data/v45.0/sobjects/Contact/External_Id__c/${FIXTURE.english.externalId}`,
      status: 204,
    });
  });

  it('receives external id values exactly as jsforce puts them in the URL: unencoded', async () => {
    const tasks = conn.sobject('Task');
    // Spaces and non-ASCII survive (the HTTP client percent-encodes them)...
    await tasks.upsert({ Chat_Transcript_Key__c: 'conv 42 é', Subject: 'x' }, 'Chat_Transcript_Key__c');
    // ...but '?' starts the query string, so this upserts the key "conv" (and '#1' would hit the same record)...
    await tasks.upsert({ Chat_Transcript_Key__c: 'conv?x=1', Subject: 'x' }, 'Chat_Transcript_Key__c');
    // ...and '/' adds a path segment, which no resource matches.
    expect(
      await caught(tasks.upsert({ Chat_Transcript_Key__c: 'conv/1', Subject: 'x' }, 'Chat_Transcript_Key__c')),
    ).toMatchObject({
      errorCode: 'NOT_FOUND',
    });
    expect(sandbox.records('Task').map((t) => t.Chat_Transcript_Key__c)).toEqual(
      expect.arrayContaining(['conv 42 é', 'conv']),
    );
    expect(sandbox.records('Task').some((t) => t.Chat_Transcript_Key__c === 'conv?x=1')).toBe(false);
  });

  it('creates cases with autonumbers and derives IsClosed', async () => {
    const contactId = sandbox.contactIdFor(FIXTURE.english.key) as string;
    const result = await conn.sobject('Case').upsert(
      {
        Chat_Session_Key__c: 'sess-1',
        Subject: 'Chat escalation',
        Description: 'Customer asked for a refund',
        ContactId: contactId,
        Origin: 'Chat',
        Priority: 'High',
      },
      'Chat_Session_Key__c',
    );
    const kase = (await conn.sobject('Case').retrieve(result.id as string)) as AnyRecord;
    expect(kase).toMatchObject({
      CaseNumber: expect.stringMatching(/^\d{8}$/),
      Status: 'New',
      IsClosed: false,
      ClosedDate: null,
    });
    await conn.sobject('Case').update({ Id: kase.Id, Status: 'Closed' });
    const open = await conn.query(
      `SELECT Id FROM Case WHERE ContactId = '${contactId}' AND IsClosed = false AND Id = '${kase.Id}'`,
    );
    expect(open.totalSize).toBe(0);
  });

  it('rolls order lines up into Order.TotalAmount', async () => {
    const accountId = sandbox.records('Account')[0]?.Id;
    const order = await conn
      .sobject('Order')
      .create({ AccountId: accountId, Status: 'Draft', EffectiveDate: '2026-11-01', CurrencyIsoCode: 'EUR' });
    const product = await conn.sobject('Product2').create({ Name: 'Cable', ProductCode: 'SKU-900' });
    await conn.sobject('OrderItem').create([
      { OrderId: order.id, Product2Id: product.id, Quantity: 2, UnitPrice: 10 },
      { OrderId: order.id, Product2Id: product.id, Quantity: 1, UnitPrice: 5.5 },
    ]);
    const saved = (await conn.sobject('Order').retrieve(order.id as string)) as AnyRecord;
    expect(saved).toMatchObject({
      TotalAmount: 25.5,
      OrderNumber: expect.stringMatching(/^\d{8}$/),
      StatusCode: 'Draft',
    });
    expect(
      await caught(conn.sobject('Order').create({ AccountId: accountId, Status: 'Draft', EffectiveDate: 'tomorrow' })),
    ).toMatchObject({
      errorCode: 'JSON_PARSER_ERROR',
    });
  });
});

describe('Salesforce sandbox: duplicate rules', () => {
  let sandbox: RunningSalesforceSandbox;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ people: 10 });
    conn = connectWithAccessToken(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('blocks a contact whose email already exists and lists the matching records', async () => {
    const error = await caught(
      conn.sobject('Contact').create({ LastName: 'Taylor', Email: FIXTURE.ambiguous.email.toUpperCase() }),
    );
    expect(error.errorCode).toBe('DUPLICATES_DETECTED');
    const data = error.data as AnyRecord;
    expect(data.duplicateResult).toMatchObject({
      allowSave: false,
      duplicateRule: 'Standard_Contact_Duplicate_Rule',
      duplicateRuleEntityType: 'Contact',
      matchResults: [
        {
          entityType: 'Contact',
          matchEngine: 'ExactMatchEngine',
          rule: 'Standard_Contact_Match_Rule_v1_1',
          size: 2,
          success: true,
        },
      ],
    });
    const ids = data.duplicateResult.matchResults[0].matchRecords.map((m: AnyRecord) => m.record.Id);
    expect(ids).toContain(sandbox.contactIdFor(FIXTURE.ambiguous.key));
    expect(ids).toHaveLength(2);
  });

  it('applies the rule to an email change on update too', async () => {
    const error = await caught(
      conn
        .sobject('Contact')
        .update({ Id: sandbox.contactIdFor(FIXTURE.japanese.key) as string, Email: FIXTURE.english.email }),
    );
    expect(error.errorCode).toBe('DUPLICATES_DETECTED');
  });

  it('lets the save through in alert mode with allowSave=true, and always when the rule is off', async () => {
    sandbox.setDuplicateRule('alert');
    const alert = await caught(conn.sobject('Contact').create({ LastName: 'Dup', Email: FIXTURE.english.email }));
    expect((alert.data as AnyRecord).duplicateResult.allowSave).toBe(true);
    const saved = await conn
      .sobject('Contact')
      .create(
        { LastName: 'Dup', Email: FIXTURE.english.email },
        { headers: { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' } },
      );
    expect(saved.success).toBe(true);

    sandbox.setDuplicateRule('off');
    expect((await conn.sobject('Contact').create({ LastName: 'Dup2', Email: FIXTURE.english.email })).success).toBe(
      true,
    );
    sandbox.setDuplicateRule('block');
  });
});

describe('Salesforce sandbox: sObject Collections', () => {
  let sandbox: RunningSalesforceSandbox;
  let conn: Connection;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ people: 10 });
    conn = connectWithAccessToken(sandbox);
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('creates many records and reports each failure in its own slot', async () => {
    const results = await conn
      .sobject('Contact')
      .create([
        { LastName: 'One', Email: 'one@example.com' },
        { FirstName: 'NoLastName' },
        { LastName: 'Three', Email: FIXTURE.english.email },
        { LastName: 'Four' },
      ]);
    expect(results[0]).toEqual({ id: expect.stringMatching(/^003/), success: true, errors: [] });
    expect(results[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [LastName]',
          fields: ['LastName'],
        },
      ],
    });
    expect(results[2]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'DUPLICATES_DETECTED', duplicateResult: { allowSave: false } }],
    });
    expect(results[3]).toMatchObject({ success: true });
    expect(sandbox.journal.entries({ operation: 'create' }).map((e) => e.recordId)).toEqual([
      results[0]?.id,
      results[3]?.id,
    ]);
  });

  it('rolls the whole call back with allOrNone', async () => {
    const before = sandbox.records('Contact').length;
    const results = await conn
      .sobject('Contact')
      .create([{ LastName: 'Fine' }, { FirstName: 'Broken' }], { allOrNone: true });
    expect(results).toEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      },
      { success: false, errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })] },
    ]);
    expect(sandbox.records('Contact')).toHaveLength(before);
    expect(sandbox.journal.entries()).toEqual([]);
  });

  it('updates, upserts, retrieves and deletes collections', async () => {
    const english = sandbox.contactIdFor(FIXTURE.english.key) as string;
    const japanese = sandbox.contactIdFor(FIXTURE.japanese.key) as string;
    const updated = await conn.sobject('Contact').update([
      { Id: english, Title: 'VP' },
      { Id: '003000000000000AAA', Title: 'ghost' },
    ]);
    expect(updated[0]).toEqual({ id: english, success: true, errors: [] });
    expect(updated[1]).toMatchObject({ success: false, errors: [{ statusCode: 'NOT_FOUND' }] });

    const upserted = await conn.sobject('Task').upsert(
      [
        { Chat_Transcript_Key__c: 'k-1', WhoId: english, Subject: 'one' },
        { Chat_Transcript_Key__c: 'k-2', WhoId: japanese, Subject: 'two' },
      ],
      'Chat_Transcript_Key__c',
    );
    expect(upserted.map((r) => [r.success, (r as AnyRecord).created])).toEqual([
      [true, true],
      [true, true],
    ]);
    const again = await conn.sobject('Task').upsert(
      [
        { Chat_Transcript_Key__c: 'k-1', Subject: 'one again' },
        { Chat_Transcript_Key__c: 'k-3', Subject: 'three' },
        { Chat_Transcript_Key__c: 'k-3', Subject: 'three twice' },
      ],
      'Chat_Transcript_Key__c',
    );
    expect(again[0]).toMatchObject({ success: true, created: false, id: upserted[0]?.id });
    expect(again[1]).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID' }] });
    expect(again[2]).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID' }] });

    const fetched = (await conn
      .sobject('Contact')
      .retrieve([english, japanese], { fields: ['Id', 'Title'] })) as AnyRecord[];
    expect(fetched.map((r) => r.Title)).toEqual(['VP', null]);

    const ids = upserted.map((r) => r.id as string);
    const deleted = await conn.sobject('Task').destroy([...ids, 'garbage']);
    expect(deleted.slice(0, 2).map((r) => r.success)).toEqual([true, true]);
    expect(deleted[2]).toMatchObject({ success: false, errors: [{ statusCode: 'MALFORMED_ID' }] });
  });

  it('refuses more than 200 records per call, and jsforce splits them with allowRecursive', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ LastName: `Bulk ${i}` }));
    const error = await caught(conn.sobject('Contact').create(records));
    expect(error.errorCode).toBe('EXCEEDED_ID_LIMIT');
    const results = await conn.sobject('Contact').create(records, { allowRecursive: true });
    expect(results.filter((r) => r.success)).toHaveLength(201);
    expect(
      sandbox.requests.entries({ pathIncludes: '/composite/sobjects', method: 'POST' }).map((r) => r.status),
    ).toEqual([400, 200, 200]);
    expect(sandbox.journal.entries({ object: 'Contact' })).toHaveLength(201);
  });

  it('requires a concrete type per record', async () => {
    const response = await fetch(`${sandbox.baseUrl}/services/data/v${API_VERSION}/composite/sobjects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ LastName: 'No type' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([
      { message: 'Must send a concrete entity type.', errorCode: 'INVALID_TYPE' },
    ]);
  });
});

describe('Salesforce sandbox: replication and metadata', () => {
  let sandbox: RunningSalesforceSandbox;
  let conn: Connection;
  let clockOffset = 0;
  const orgNow = (): number => Date.now() + clockOffset;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ people: 10, salesforce: { clock: orgNow } });
    conn = connectWithAccessToken(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('lists records changed in a window with getUpdated once their minute is covered', async () => {
    // Park the org clock 5 s into a minute, so the whole test runs inside that minute.
    clockOffset = Math.ceil(Date.now() / 60_000) * 60_000 + 5_000 - Date.now();
    const start = new Date(orgNow() - 5 * 60_000);
    const created = await conn.sobject('Contact').create({ LastName: 'Fresh' });

    // Still in the current minute: not covered yet, so not listed.
    const early = await conn.sobject('Contact').updated(start, new Date(orgNow() + 10 * 60_000));
    expect(early.ids).not.toContain(created.id);
    expect(Date.parse(early.latestDateCovered.replace('+0000', 'Z'))).toBe(Math.floor(orgNow() / 60_000) * 60_000);

    clockOffset += 2 * 60_000;
    const later = await conn.sobject('Contact').updated(start, new Date(orgNow() + 10 * 60_000));
    expect(later.ids).toContain(created.id);
    expect(later.latestDateCovered).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000\+0000$/);
    // Seeded contacts were last modified long before the window.
    expect(later.ids).not.toContain(sandbox.contactIdFor(FIXTURE.english.key));

    // A window that ends before the write does not list it.
    const before = await conn.sobject('Contact').updated(new Date(orgNow() - 20 * 60_000), start);
    expect(before.ids).not.toContain(created.id);
  });

  it('accepts the documented trailing-slash form and rejects bad windows', async () => {
    const start = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const end = encodeURIComponent(new Date().toISOString());
    const ok = await conn.request<AnyRecord>(
      `/services/data/v${API_VERSION}/sobjects/Contact/updated/?start=${start}&end=${end}`,
    );
    expect(ok).toEqual({ ids: expect.any(Array), latestDateCovered: expect.any(String) });

    const backwards = await caught(conn.sobject('Contact').updated(new Date(), new Date(Date.now() - 3_600_000)));
    expect(backwards.errorCode).toBe('INVALID_REPLICATION_DATE');
    const tooOld = await caught(conn.sobject('Contact').updated(new Date(Date.now() - 40 * 86_400_000), new Date()));
    expect(tooOld).toMatchObject({
      errorCode: 'INVALID_REPLICATION_DATE',
      message: 'startDate cannot be more than 30 days ago',
    });
    const missing = await caught(conn.request(`/services/data/v${API_VERSION}/sobjects/Contact/updated`));
    expect(missing.errorCode).toBe('MISSING_ARGUMENT');
  });

  it('lists deleted records with getDeleted', async () => {
    const start = new Date(orgNow() - 60_000);
    const created = await conn.sobject('Case').create({ Subject: 'temp' });
    await conn.sobject('Case').destroy(created.id as string);
    clockOffset += 2 * 60_000;
    const result = await conn.sobject('Case').deleted(start, new Date(orgNow() + 60_000));
    expect(result.deletedRecords).toEqual([{ id: created.id, deletedDate: expect.stringMatching(/\+0000$/) }]);
    expect(result).toMatchObject({ earliestDateAvailable: expect.any(String), latestDateCovered: expect.any(String) });
  });

  it('describes objects, including the custom external id fields', async () => {
    const contact = await conn.sobject('Contact').describe();
    const ext = contact.fields.find((f) => f.name === 'External_Id__c');
    expect(ext).toMatchObject({ externalId: true, unique: true, idLookup: true, custom: true, type: 'string' });
    expect(contact.childRelationships).toEqual(
      expect.arrayContaining([expect.objectContaining({ relationshipName: 'Cases', childSObject: 'Case' })]),
    );
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Contact', 'Account', 'Order', 'OrderItem', 'Task', 'Note', 'Case', 'Product2']),
    );
    // find() without fields asks describe first, then selects every field.
    const rows = await conn.sobject('Contact').find({ Email: FIXTURE.english.email });
    expect(rows[0]).toMatchObject({ Email: FIXTURE.english.email, External_Id__c: FIXTURE.english.externalId });
  });

  it('answers unknown API versions and paths with NOT_FOUND', async () => {
    const response = await fetch(`${sandbox.baseUrl}/services/data/v99.0/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    expect(await caught(conn.request(`/services/data/v${API_VERSION}/nothing/here`))).toMatchObject({
      errorCode: 'NOT_FOUND',
    });
  });
});
