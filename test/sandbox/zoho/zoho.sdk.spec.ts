/**
 * The Zoho sandbox driven by the official @zohocrm/typescript-sdk-8.0 (single tenant): token refresh, search,
 * get, insert, upsert, update, list with If-Modified-Since, notes, related records, cases, notifications.
 */
import { FIXTURE } from '../common/seed-data';
import { escapeCriteriaValue } from './zoho-criteria';
import { initSdk, Z, type SdkHandle } from './zoho-sdk-harness';
import { startZohoSandbox, type ZohoRunningSandbox } from './zoho.sandbox';

let sandbox: ZohoRunningSandbox;
let sdk: SdkHandle;
const contacts = () => new Z.Record.RecordOperations('Contacts');

async function params(entries: Array<[Z.Param<unknown>, unknown]>): Promise<Z.ParameterMap> {
  const map = new Z.ParameterMap();
  for (const [param, value] of entries) {
    await map.add(param, value);
  }
  return map;
}

async function searchContacts(param: Z.Param<string>, value: string) {
  return contacts().searchRecords(await params([[param, value]]), new Z.HeaderMap());
}

function records(response: Z.APIResponse<unknown>): Z.Record.Record[] {
  const wrapper = response.getObject();
  if (!(wrapper instanceof Z.Record.ResponseWrapper)) {
    throw new Error(`expected a ResponseWrapper, got status ${response.getStatusCode()}`);
  }
  return wrapper.getData();
}

function actions(response: Z.APIResponse<unknown>): Array<Z.Record.SuccessResponse | Z.Record.APIException> {
  const wrapper = response.getObject();
  if (!(wrapper instanceof Z.Record.ActionWrapper)) {
    throw new Error(`expected an ActionWrapper, got status ${response.getStatusCode()}`);
  }
  return wrapper.getData() as Array<Z.Record.SuccessResponse | Z.Record.APIException>;
}

function body(values: Record<string, unknown>[], duplicateCheck?: string[]): Z.Record.BodyWrapper {
  const wrapper = new Z.Record.BodyWrapper();
  wrapper.setData(
    values.map((fields) => {
      const record = new Z.Record.Record();
      for (const [key, value] of Object.entries(fields)) {
        record.addKeyValue(key, value);
      }
      return record;
    }),
  );
  if (duplicateCheck) {
    wrapper.setDuplicateCheckFields(duplicateCheck);
  }
  return wrapper;
}

function lookup(id: bigint | string): Z.Record.Record {
  const ref = new Z.Record.Record();
  ref.setId(BigInt(String(id)));
  return ref;
}

beforeAll(async () => {
  sandbox = await startZohoSandbox({ people: 40 });
  sdk = await initSdk(sandbox, { findUser: true });
});

afterAll(async () => {
  sdk.cleanup();
  await sandbox.stop();
});

describe('Zoho sandbox through the official TypeScript SDK', () => {
  let emmaId: bigint;

  it('refreshes the token once (multipart grant), resolves the current user and the org, then searches by email', async () => {
    const response = await searchContacts(Z.Record.SearchRecordsParam.EMAIL, FIXTURE.english.email);
    expect(response.getStatusCode()).toBe(200);
    const [emma] = records(response);
    expect(emma?.getKeyValue('Email')).toBe(FIXTURE.english.email);
    expect(emma?.getKeyValue('Full_Name')).toBe('Emma Johnson');
    expect(emma?.getKeyValue('External_Id')).toBe(FIXTURE.english.externalId);
    expect(emma?.getKeyValue('Customer_Tier')).toEqual(new Z.Choice('VIP'));
    expect(typeof emma?.getId()).toBe('bigint');
    const account = emma?.getKeyValue('Account_Name') as Z.Record.Record;
    expect(account.getKeyValue('name')).toBe('Acme Corp');
    expect(emma?.getKeyValue('Created_Time')).toBeInstanceOf(Date);
    emmaId = emma?.getId();

    expect(sandbox.tokenRefreshCount()).toBe(1);
    const paths = sandbox.requests.entries().map((r) => `${r.method} ${r.path}`);
    expect(paths.slice(0, 3)).toEqual(['POST /oauth/v2/token', 'GET /crm/v8/users', 'GET /crm/v8/org']);
    expect(paths).toContain('GET /crm/v8/settings/fields');
    expect(sandbox.requests.entries({ pathIncludes: '/Contacts/search' })[0]?.credential).toMatch(/^zo-at-/);
  });

  it('answers a search without matches with 204 and no body (the SDK gives a null object)', async () => {
    const response = await searchContacts(Z.Record.SearchRecordsParam.EMAIL, 'nobody.at.all@nowhere.example');
    expect(response.getStatusCode()).toBe(204);
    expect(response.getObject()).toBeNull();
  });

  it('finds a contact by the phone as typed, but not by its E.164 form (Zoho stores phones verbatim)', async () => {
    const typed = await searchContacts(Z.Record.SearchRecordsParam.PHONE, FIXTURE.english.phone);
    expect(records(typed).map((r) => r.getId())).toEqual([emmaId]);
    const e164 = await searchContacts(Z.Record.SearchRecordsParam.PHONE, FIXTURE.english.phoneE164);
    expect(e164.getStatusCode()).toBe(204);
  });

  it('returns both contacts that share the ambiguous fixture email', async () => {
    const response = await searchContacts(Z.Record.SearchRecordsParam.EMAIL, FIXTURE.ambiguous.email);
    const found = records(response);
    expect(found).toHaveLength(2);
    expect(new Set(found.map((r) => r.getKeyValue('Email')))).toEqual(new Set([FIXTURE.ambiguous.email]));
  });

  it('searches by criteria with an escaped hostile value and gets exactly that record', async () => {
    const hostile = "O'Brien (Jr), Esq)or(Last_Name:starts_with:";
    const created = await contacts().createRecords(
      body([{ Last_Name: hostile, Email: 'hostile@example.com' }]),
      new Z.HeaderMap(),
    );
    expect(created.getStatusCode()).toBe(201);
    const response = await searchContacts(
      Z.Record.SearchRecordsParam.CRITERIA,
      `(Last_Name:equals:${escapeCriteriaValue(hostile)})`,
    );
    const found = records(response);
    expect(found).toHaveLength(1);
    expect(found[0]?.getKeyValue('Last_Name')).toBe(hostile);
  });

  it('surfaces a malformed criteria as an APIException INVALID_QUERY (HTTP 400)', async () => {
    const response = await searchContacts(Z.Record.SearchRecordsParam.CRITERIA, '(Last_Name:equals:Burns,B)');
    expect(response.getStatusCode()).toBe(400);
    const error = response.getObject() as Z.Record.APIException;
    expect(error).toBeInstanceOf(Z.Record.APIException);
    expect(error.getCode().getValue()).toBe('INVALID_QUERY');
  });

  it('gets a record by id and the sales orders of a contact (lookup criteria, subform rows)', async () => {
    const one = await contacts().getRecord(emmaId, new Z.ParameterMap(), new Z.HeaderMap());
    expect(records(one)[0]?.getKeyValue('Last_Name')).toBe('Johnson');

    const orders = await new Z.Record.RecordOperations('Sales_Orders').searchRecords(
      await params([[Z.Record.SearchRecordsParam.CRITERIA, `(Contact_Name:equals:${emmaId})`]]),
      new Z.HeaderMap(),
    );
    const list = records(orders);
    expect(list.map((o) => o.getKeyValue('SO_Number')).sort()).toEqual(['10023', '245-12784']);
    const order = list.find((o) => o.getKeyValue('SO_Number') === '245-12784') as Z.Record.Record;
    expect(order.getKeyValue('Grand_Total')).toBe(170);
    expect(order.getKeyValue('Status')).toEqual(new Z.Choice('Shipped'));
    const items = order.getKeyValue('Ordered_Items') as Z.Record.Record[];
    expect(items).toHaveLength(2);
    const product = items[0]?.getKeyValue('Product_Name') as Z.Record.Record;
    expect(product.getKeyValue('name')).toBe('Mechanical Keyboard');
  });

  it('creates a contact (201, SuccessResponse) and journals it under its External_Id', async () => {
    const response = await contacts().createRecords(
      body([{ First_Name: 'Nora', Last_Name: 'Quinn', Email: 'nora.quinn@example.com', External_Id: 'ext-sdk-1' }]),
      new Z.HeaderMap(),
    );
    expect(response.getStatusCode()).toBe(201);
    const [result] = actions(response);
    expect(result).toBeInstanceOf(Z.Record.SuccessResponse);
    expect(result?.getCode().getValue()).toBe('SUCCESS');
    expect(result?.getMessage().getValue()).toBe('record added');
    const id = String(result?.getDetails().get('id'));
    expect(sandbox.journal.entries({ object: 'Contacts', externalKey: 'ext-sdk-1' })).toEqual([
      expect.objectContaining({ operation: 'create', recordId: id }),
    ]);
  });

  it('rejects a duplicate External_Id per record with DUPLICATE_DATA naming the existing record', async () => {
    const existing = sandbox.journal.entries({ externalKey: 'ext-sdk-1' })[0]?.recordId;
    const response = await contacts().createRecords(
      body([{ Last_Name: 'Copy', External_Id: 'EXT-SDK-1' }]),
      new Z.HeaderMap(),
    );
    expect(response.getStatusCode()).toBe(400);
    const [error] = actions(response);
    expect(error).toBeInstanceOf(Z.Record.APIException);
    expect(error?.getCode().getValue()).toBe('DUPLICATE_DATA');
    expect(error?.getDetails().get('api_name')).toBe('External_Id');
    expect(String(error?.getDetails().get('id'))).toBe(existing);
  });

  it('answers a mixed batch with 207 and one result per record', async () => {
    const response = await contacts().createRecords(
      body([
        { Last_Name: 'Batch One', External_Id: 'ext-sdk-batch-1' },
        { Last_Name: 'Batch Two', External_Id: 'ext-sdk-1' },
      ]),
      new Z.HeaderMap(),
    );
    expect(response.getStatusCode()).toBe(207);
    const [ok, failed] = actions(response);
    expect(ok).toBeInstanceOf(Z.Record.SuccessResponse);
    expect((failed as Z.Record.APIException).getCode().getValue()).toBe('DUPLICATE_DATA');
    expect(sandbox.journal.entries({ externalKey: 'ext-sdk-batch-1' })).toHaveLength(1);
  });

  it('upserts by External_Id: updates the match, inserts the rest, reports action and duplicate_field', async () => {
    const response = await contacts().upsertRecords(
      body(
        [
          { Last_Name: 'Quinn-Updated', External_Id: 'ext-sdk-1' },
          { Last_Name: 'Fresh', External_Id: 'ext-sdk-2' },
        ],
        ['External_Id'],
      ),
      new Z.HeaderMap(),
    );
    expect(response.getStatusCode()).toBe(200);
    const [updated, inserted] = actions(response) as Z.Record.SuccessResponse[];
    expect(updated?.getAction().getValue()).toBe('update');
    expect(updated?.getDuplicateField()).toBe('External_Id');
    expect(updated?.getMessage().getValue()).toBe('record updated');
    expect(inserted?.getAction().getValue()).toBe('insert');
    // duplicate_field is null on the wire; the SDK leaves the property unset.
    expect(inserted?.getDuplicateField()).toBeUndefined();
    expect(sandbox.journal.entries({ operation: 'upsert', externalKey: 'ext-sdk-1' })).toHaveLength(1);

    const check = await searchContacts(Z.Record.SearchRecordsParam.CRITERIA, '(External_Id:equals:ext-sdk-1)');
    expect(records(check)[0]?.getKeyValue('Last_Name')).toBe('Quinn-Updated');
  });

  it('updates one record (PUT /Contacts/{id}) and reads it back through the External ID header', async () => {
    const id = BigInt(sandbox.journal.entries({ externalKey: 'ext-sdk-2' })[0]?.recordId);
    const response = await contacts().updateRecord(id, body([{ Mobile: '+81 90 0000 1111' }]), new Z.HeaderMap());
    expect(response.getStatusCode()).toBe(200);
    expect((actions(response)[0] as Z.Record.SuccessResponse).getMessage().getValue()).toBe('record updated');

    const headers = new Z.HeaderMap();
    await headers.add(Z.Record.GetRecordHeader.X_EXTERNAL, 'Contacts.External_Id');
    const byExternal = await contacts().getRecordUsingExternalId('ext-sdk-2', new Z.ParameterMap(), headers);
    expect(records(byExternal)[0]?.getKeyValue('Mobile')).toBe('+81 90 0000 1111');
  });

  it('lists records with fields; If-Modified-Since answers 304 when nothing changed', async () => {
    const fields: Array<[Z.Param<unknown>, unknown]> = [
      [Z.Record.GetRecordsParam.FIELDS, 'Last_Name,Email,Modified_Time'],
    ];
    const later = new Z.HeaderMap();
    await later.add(Z.Record.GetRecordsHeader.IF_MODIFIED_SINCE, new Date(Date.now() + 2000));
    const unchanged = await contacts().getRecords(await params(fields), later);
    expect(unchanged.getStatusCode()).toBe(304);
    expect(unchanged.getObject()).toBeNull();

    const recent = new Z.HeaderMap();
    await recent.add(Z.Record.GetRecordsHeader.IF_MODIFIED_SINCE, new Date(Date.now() - 60_000));
    const changed = await contacts().getRecords(
      await params([...fields, [Z.Record.GetRecordsParam.SORT_ORDER, 'asc']]),
      recent,
    );
    const list = records(changed);
    expect(list.map((r) => r.getKeyValue('Last_Name'))).toEqual(
      expect.arrayContaining(['Quinn-Updated', 'Fresh', 'Batch One']),
    );
    expect(list.every((r) => r.getKeyValue('Email') !== undefined)).toBe(true);
    const info = (changed.getObject() as Z.Record.ResponseWrapper).getInfo();
    expect(info.getMoreRecords()).toBe(false);
  });

  it('creates a note on a contact and reads it back through Notes and the related list', async () => {
    const note = new Z.Notes.Note();
    note.setNoteTitle('chat:sess-123');
    note.setNoteContent('Visitor: hello\nAgent: hi!');
    const parent = new Z.Notes.ParentId();
    const module = new Z.Modules.MinifiedModule();
    module.setAPIName('Contacts');
    parent.setModule(module);
    parent.setId(emmaId);
    note.setParentId(parent);
    const wrapper = new Z.Notes.BodyWrapper();
    wrapper.setData([note]);
    const created = await new Z.Notes.NotesOperations().createNotes(wrapper);
    expect(created.getStatusCode()).toBe(201);
    const result = (created.getObject() as Z.Notes.ActionWrapper).getData()[0] as Z.Notes.SuccessResponse;
    expect(result.getCode().getValue()).toBe('SUCCESS');
    expect(sandbox.journal.entries({ object: 'Notes', externalKey: 'chat:sess-123' })).toHaveLength(1);

    const related = await new Z.RelatedRecords.RelatedRecordsOperations('Notes', 'Contacts').getRelatedRecords(
      emmaId,
      await params([[Z.RelatedRecords.GetRelatedRecordsParam.FIELDS, 'Note_Title,Note_Content']]),
      new Z.HeaderMap(),
    );
    const titles = (related.getObject() as Z.RelatedRecords.ResponseWrapper)
      .getData()
      .map((r) => r.getKeyValue('Note_Title'));
    expect(titles).toContain('chat:sess-123');

    const all = await new Z.Notes.NotesOperations().getNotes(
      await params([
        [Z.Notes.GetNotesParam.FIELDS, 'Note_Title,Parent_Id'],
        [Z.Notes.GetNotesParam.SORT_ORDER, 'desc'],
      ]),
      new Z.HeaderMap(),
    );
    const newest = (all.getObject() as Z.Notes.ResponseWrapper).getData()[0];
    expect(newest?.getNoteTitle()).toBe('chat:sess-123');
    expect(newest?.getParentId().getModule().getAPIName()).toBe('Contacts');
    expect(newest?.getParentId().getId()).toBe(emmaId);
  });

  it('creates a case for the contact and finds it by its Chat_Session_Key', async () => {
    const cases = new Z.Record.RecordOperations('Cases');
    const created = await cases.createRecords(
      body([
        {
          Subject: 'Live chat escalation',
          Description: 'Visitor reports a missing parcel',
          Status: new Z.Choice('New'),
          Priority: new Z.Choice('High'),
          Case_Origin: new Z.Choice('Chat'),
          Related_To: lookup(emmaId),
          Chat_Session_Key: 'chat-sess-42',
        },
      ]),
      new Z.HeaderMap(),
    );
    expect(created.getStatusCode()).toBe(201);
    const found = await cases.searchRecords(
      await params([[Z.Record.SearchRecordsParam.CRITERIA, '(Chat_Session_Key:equals:chat-sess-42)']]),
      new Z.HeaderMap(),
    );
    const [kase] = records(found);
    expect((kase?.getKeyValue('Related_To') as Z.Record.Record).getKeyValue('name')).toBe('Emma Johnson');
    expect(kase?.getKeyValue('Case_Number')).toMatch(/^\d+$/);
    expect(sandbox.journal.entries({ object: 'Cases', externalKey: 'chat-sess-42' })).toHaveLength(1);

    const again = await cases.createRecords(
      body([{ Subject: 'Retry', Chat_Session_Key: 'chat-sess-42' }]),
      new Z.HeaderMap(),
    );
    expect((actions(again)[0] as Z.Record.APIException).getCode().getValue()).toBe('DUPLICATE_DATA');
  });

  it('enables a notification channel through NotificationsOperations', async () => {
    const channel = new Z.Notifications.Notification();
    channel.setChannelId('1000000000042');
    channel.setNotifyUrl('http://127.0.0.1:9/zoho');
    channel.setEvents(['Contacts.all']);
    channel.setToken('sdk-token');
    const wrapper = new Z.Notifications.BodyWrapper();
    wrapper.setWatch([channel]);
    const response = await new Z.Notifications.NotificationsOperations().enableNotifications(wrapper);
    expect(response.getStatusCode()).toBe(201);
    const listed = await new Z.Notifications.NotificationsOperations().getNotifications(new Z.ParameterMap());
    const watch = (listed.getObject() as Z.Notifications.ResponseWrapper).getWatch();
    expect(watch.map((w) => w.getChannelId())).toContain('1000000000042');
  });

  it('runs a COQL query through CoqlOperations (open cases of the contact)', async () => {
    const wrapper = new Z.Coql.BodyWrapper();
    wrapper.setSelectQuery(
      `select Subject, Status from Cases where Related_To = '${emmaId}' and Status != 'Closed' limit 200`,
    );
    const response = await new Z.Coql.CoqlOperations().getRecords(wrapper);
    expect(response.getStatusCode()).toBe(200);
    const rows = (response.getObject() as Z.Coql.ResponseWrapper).getData();
    expect(rows.map((r) => r.getKeyValue('Subject'))).toContain('Live chat escalation');
    expect(rows.every((r) => typeof r.getId() === 'bigint')).toBe(true);

    const broken = new Z.Coql.BodyWrapper();
    broken.setSelectQuery('select from Cases');
    const error = await new Z.Coql.CoqlOperations().getRecords(broken);
    expect(error.getStatusCode()).toBe(400);
    expect((error.getObject() as Z.Coql.APIException).getCode().getValue()).toBe('SYNTAX_ERROR');
  });

  it('answers 401 INVALID_TOKEN once tokens are expired; the SDK does not refresh on a 401', async () => {
    sandbox.expireAllTokens();
    const response = await searchContacts(Z.Record.SearchRecordsParam.EMAIL, FIXTURE.english.email);
    expect(response.getStatusCode()).toBe(401);
    const error = response.getObject() as Z.Record.APIException;
    expect(error.getCode().getValue()).toBe('INVALID_TOKEN');
    expect(error.getMessage().getValue()).toBe('invalid oauth token');
    expect(sandbox.tokenRefreshCount()).toBe(1);
  });
});
