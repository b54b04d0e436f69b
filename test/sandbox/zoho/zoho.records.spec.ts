/**
 * Record, related-list and metadata APIs over raw HTTP: success paths, Zoho's error bodies, duplicates,
 * If-Modified-Since, pagination and deletes.
 */
import { FIXTURE } from '../common/seed-data';
import { q, zohoApi, type ZohoApi } from './zoho-test-client';
import { startZohoSandbox, type ZohoRunningSandbox } from './zoho.sandbox';

let sandbox: ZohoRunningSandbox;
let api: ZohoApi;

beforeAll(async () => {
  sandbox = await startZohoSandbox({ people: 60 });
  api = await zohoApi(sandbox);
});

afterAll(async () => {
  await sandbox.stop();
});

/** Id of a seeded person's contact, by its External ID (emails are not unique: tests add a twin). */
async function contactId(person: { externalId: string }): Promise<string> {
  const response = await api.get(`/Contacts/${person.externalId}`, { 'X-EXTERNAL': 'Contacts.External_Id' });
  return response.body.data[0].id as string;
}

describe('Get Records: GET /crm/v8/{module}', () => {
  it('returns the requested fields (plus id) with Zoho info keys, newest id first', async () => {
    const response = await api.get('/Contacts?fields=Last_Name,Email&per_page=5');
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(5);
    expect(Object.keys(response.body.data[0]).sort()).toEqual(['Email', 'Last_Name', 'id']);
    const ids = response.body.data.map((r: { id: string }) => BigInt(r.id));
    expect([...ids].sort((a, b) => (a < b ? 1 : -1))).toEqual(ids);
    expect(response.body.info).toEqual({
      call: false,
      per_page: 5,
      next_page_token: expect.any(String),
      count: 5,
      sort_by: 'id',
      page: 1,
      previous_page_token: null,
      page_token_expiry: expect.stringMatching(/\+00:00$/),
      sort_order: 'desc',
      email: false,
      more_records: true,
    });
  });

  it('renders lookups as {name, id} and times as yyyy-MM-ddTHH:mm:ss+00:00', async () => {
    const id = await contactId(FIXTURE.english);
    const response = await api.get(`/Contacts/${id}`);
    const [emma] = response.body.data;
    expect(emma.Account_Name).toEqual({ name: 'Acme Corp', id: expect.stringMatching(/^\d{19}$/) });
    expect(emma.Owner).toEqual({ name: 'Patricia Boyle', id: expect.any(String), email: expect.any(String) });
    expect(emma.Modified_Time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(emma.Full_Name).toBe('Emma Johnson');
    expect(emma.Customer_Tier).toBe('VIP');
  });

  it('pages with page/per_page and sorts by Modified_Time', async () => {
    const first = await api.get(
      '/Contacts?fields=Modified_Time&per_page=3&page=1&sort_by=Modified_Time&sort_order=asc',
    );
    const second = await api.get(
      '/Contacts?fields=Modified_Time&per_page=3&page=2&sort_by=Modified_Time&sort_order=asc',
    );
    expect(second.body.info.page).toBe(2);
    const times = [...first.body.data, ...second.body.data].map((r: { Modified_Time: string }) =>
      Date.parse(r.Modified_Time),
    );
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const ids = new Set([...first.body.data, ...second.body.data].map((r: { id: string }) => r.id));
    expect(ids.size).toBe(6);
  });

  it('follows next_page_token and previous_page_token', async () => {
    const first = await api.get('/Notes?fields=Note_Title&per_page=4');
    const next = await api.get(`/Notes?fields=Note_Title&per_page=4&page_token=${first.body.info.next_page_token}`);
    expect(next.body.info.page).toBe(2);
    const back = await api.get(`/Notes?fields=Note_Title&per_page=4&page_token=${next.body.info.previous_page_token}`);
    expect(back.body.data).toEqual(first.body.data);
    const bogus = await api.get('/Notes?fields=Note_Title&page_token=deadbeef');
    expect(bogus.status).toBe(400);
    expect(bogus.body).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'page_token' } });
  });

  it('filters by ids', async () => {
    const id = await contactId(FIXTURE.japanese);
    const response = await api.get(`/Contacts?fields=Last_Name&ids=${id}`);
    expect(response.body.data).toEqual([{ id, Last_Name: '田中' }]);
  });

  it('returns only records modified after If-Modified-Since, and 304 (no body) when there are none', async () => {
    const unchanged = await api.get('/Contacts?fields=Email', {
      'If-Modified-Since': new Date(Date.now() + 1500).toISOString(),
    });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');

    const since = new Date(Date.now() - 1000);
    await api.post('/Contacts', { data: [{ Last_Name: 'Recent', Email: 'recent@example.com' }] });
    for (const header of [since.toISOString().replace(/\.\d{3}Z$/, '+00:00'), since.toUTCString()]) {
      const changed = await api.get('/Contacts?fields=Email', { 'If-Modified-Since': header });
      expect(changed.status).toBe(200);
      expect(changed.body.data.map((r: { Email: string }) => r.Email)).toEqual(['recent@example.com']);
    }
    const bad = await api.get('/Contacts?fields=Email', { 'If-Modified-Since': 'yesterday-ish' });
    expect(bad.body).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'If-Modified-Since' } });
  });

  it.each([
    [
      '/Contacts',
      400,
      { code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'fields' }, message: 'required param is missing' },
    ],
    [
      `/Contacts?fields=${Array.from({ length: 51 }, (_, i) => `F${i}`).join(',')}`,
      400,
      { code: 'LIMIT_EXCEEDED', details: { limit: 50, param_name: 'fields' } },
    ],
    ['/Contacts?fields=Email&per_page=201', 400, { code: 'INVALID_DATA', details: { param_name: 'per_page' } }],
    [
      '/Contacts?fields=Email&sort_by=Email',
      400,
      {
        code: 'INVALID_DATA',
        details: { param_name: 'sort_by', supported_values: ['id', 'Created_Time', 'Modified_Time'] },
      },
    ],
    ['/Contacts?fields=Email&page=11', 400, { code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', details: { limit: 2000 } }],
    ['/Contacts?fields=Email&ids=12,abc', 400, { code: 'INVALID_DATA', details: { param_name: 'ids' } }],
    [
      '/Leeds?fields=Email',
      400,
      {
        code: 'INVALID_MODULE',
        details: { resource_path_index: 0 },
        message: 'the module name given seems to be invalid',
      },
    ],
    ['/Ordered_Items?fields=Quantity', 400, { code: 'NOT_SUPPORTED' }],
    [
      '/Contacts/1/2/3/4',
      404,
      { code: 'INVALID_URL_PATTERN', message: 'Please check if the URL trying to access is a correct one' },
    ],
  ])('GET %s → %i %j', async (path, status, error) => {
    const response = await api.get(path);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ ...error, status: 'error' });
  });

  it('answers 204 without a content type for an empty module or a page past the end', async () => {
    const empty = await startZohoSandbox({ seed: false });
    try {
      const response = await (await zohoApi(empty)).get('/Contacts?fields=Email');
      expect(response.status).toBe(204);
      expect(response.headers.get('content-type')).toBeNull();
    } finally {
      await empty.stop();
    }
    expect((await api.get('/Contacts?fields=Email&page=9&per_page=200')).status).toBe(204);
  });
});

describe('Get Record: GET /crm/v8/{module}/{id}', () => {
  it('answers 204 for an unknown id and 400 for a malformed one', async () => {
    expect((await api.get('/Contacts/5725767000999999999')).status).toBe(204);
    const malformed = await api.get('/Contacts/abc');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'INVALID_DATA', details: { resource_path_index: 1 } });
  });

  it('resolves an External ID with X-EXTERNAL and rejects a field that is not one', async () => {
    const byExternal = await api.get(`/Contacts/${FIXTURE.english.externalId}`, {
      'X-EXTERNAL': 'Contacts.External_Id',
    });
    expect(byExternal.body.data[0].Email).toBe(FIXTURE.english.email);
    const notExternal = await api.get('/Contacts/x@y.z', { 'X-EXTERNAL': 'Contacts.Email' });
    expect(notExternal.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'X-EXTERNAL' } });
  });
});

describe('Insert Records: POST /crm/v8/{module}', () => {
  it('creates records: 201, per-record SUCCESS with audit details, journal entries', async () => {
    sandbox.journal.clear();
    const response = await api.post('/Contacts', {
      data: [
        {
          First_Name: 'Ada',
          Last_Name: 'Lovelace',
          Email: 'ada@example.com',
          External_Id: 'ext-rest-1',
          Customer_Tier: 'Gold',
        },
        {
          Last_Name: 'Babbage',
          Account_Name: {
            id: (await api.get(`/Contacts/${await contactId(FIXTURE.english)}`)).body.data[0].Account_Name.id,
          },
        },
      ],
      trigger: [],
    });
    expect(response.status).toBe(201);
    expect(response.body.data).toHaveLength(2);
    expect(response.body.data[0]).toEqual({
      code: 'SUCCESS',
      details: {
        Modified_Time: expect.any(String),
        Modified_By: { name: 'Patricia Boyle', id: expect.any(String) },
        Created_Time: expect.any(String),
        id: expect.stringMatching(/^\d{19}$/),
        Created_By: { name: 'Patricia Boyle', id: expect.any(String) },
        $approval_state: 'approved',
      },
      message: 'record added',
      status: 'success',
    });
    const journal = sandbox.journal.entries({ object: 'Contacts' });
    expect(journal.map((e) => [e.operation, e.externalKey])).toEqual([
      ['create', 'ext-rest-1'],
      ['create', undefined],
    ]);
    const babbage = await api.get(`/Contacts/${response.body.data[1].details.id}`);
    expect(babbage.body.data[0].Account_Name.name).toBe('Acme Corp');
  });

  it('rejects a duplicate unique value with DUPLICATE_DATA (case-insensitive), within one batch too', async () => {
    const response = await api.post('/Contacts', {
      data: [
        { Last_Name: 'One', External_Id: 'ext-batch-dup' },
        { Last_Name: 'Two', External_Id: 'EXT-BATCH-DUP' },
      ],
    });
    expect(response.status).toBe(207);
    const [ok, duplicate] = response.body.data;
    expect(ok.status).toBe('success');
    expect(duplicate).toEqual({
      code: 'DUPLICATE_DATA',
      details: {
        api_name: 'External_Id',
        json_path: '$.data[1].External_Id',
        duplicate_record: {
          id: ok.details.id,
          Owner: expect.objectContaining({ name: 'Patricia Boyle' }),
          module: { api_name: 'Contacts', id: expect.any(String) },
        },
        id: ok.details.id,
        more_records: false,
      },
      message: 'duplicate data',
      status: 'error',
    });
  });

  it('allows two contacts with the same email (Email is not unique in Zoho)', async () => {
    const response = await api.post('/Contacts', { data: [{ Last_Name: 'Twin', Email: FIXTURE.english.email }] });
    expect(response.status).toBe(201);
  });

  it.each([
    [
      { First_Name: 'NoLast' },
      {
        code: 'MANDATORY_NOT_FOUND',
        details: { api_name: 'Last_Name', json_path: '$.data[0].Last_Name' },
        message: 'required field not found',
      },
    ],
    [{ Last_Name: null }, { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name' } }],
    [
      { Last_Name: 'X', Email: 'not-an-email' },
      { code: 'INVALID_DATA', details: { api_name: 'Email', json_path: '$.data[0].Email' } },
    ],
    [{ Last_Name: 'X'.repeat(81) }, { code: 'INVALID_DATA', details: { api_name: 'Last_Name', maximum_length: 80 } }],
    [{ Last_Name: 42 }, { code: 'INVALID_DATA', details: { api_name: 'Last_Name', expected_data_type: 'text' } }],
    [
      { Last_Name: 'X', Account_Name: { id: '5725767000999999999' } },
      { code: 'INVALID_DATA', details: { api_name: 'Account_Name', json_path: '$.data[0].Account_Name.id' } },
    ],
    [
      { Last_Name: 'X', Account_Name: 'Acme Corp' },
      { code: 'INVALID_DATA', details: { api_name: 'Account_Name', expected_data_type: 'jsonobject' } },
    ],
    [
      { Last_Name: 'X', Owner: { id: '1' } },
      { code: 'INVALID_DATA', details: { api_name: 'Owner' } },
    ],
    ['just a string', { code: 'INVALID_DATA', details: { expected_data_type: 'jsonobject', json_path: '$.data[0]' } }],
  ])('rejects %j per record with HTTP 400', async (record, error) => {
    const response = await api.post('/Contacts', { data: [record] });
    expect(response.status).toBe(400);
    expect(response.body.data[0]).toMatchObject({ ...error, status: 'error' });
  });

  it('ignores unknown and read-only fields', async () => {
    const response = await api.post('/Contacts', {
      data: [{ Last_Name: 'Quiet', Nonexistent__c: 1, Full_Name: 'Forged', Created_Time: '2001-01-01T00:00:00+00:00' }],
    });
    expect(response.status).toBe(201);
    const record = (await api.get(`/Contacts/${response.body.data[0].details.id}`)).body.data[0];
    expect(record.Full_Name).toBe('Quiet');
    expect(record.Nonexistent__c).toBeUndefined();
    expect(record.Created_Time).not.toMatch(/^2001/);
  });

  it.each([
    [{}, { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'data', json_path: '$.data' } }],
    [{ data: {} }, { code: 'INVALID_DATA', details: { api_name: 'data', expected_data_type: 'jsonarray' } }],
    [{ data: [] }, { code: 'INVALID_DATA', details: { api_name: 'data' } }],
    [
      { data: [{ Last_Name: 'x' }], trigger: 'workflow' },
      { code: 'INVALID_DATA', details: { api_name: 'trigger' } },
    ],
  ])('rejects the request body %j', async (payload, error) => {
    const response = await api.post('/Contacts', payload);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ ...error, status: 'error' });
  });

  it('caps a request at 100 records with LIMIT_EXCEEDED', async () => {
    const response = await api.post('/Contacts', {
      data: Array.from({ length: 101 }, (_, i) => ({ Last_Name: `L${i}` })),
    });
    expect(response.status).toBe(400);
    expect(response.body.data[0]).toEqual({
      code: 'LIMIT_EXCEEDED',
      details: { maximum_length: 100, api_name: 'data' },
      message: 'count of records in your request exceeds the limit',
      status: 'error',
    });
  });

  it('answers malformed JSON with INVALID_REQUEST, and an unknown module with INVALID_MODULE inside data', async () => {
    const malformed = await api.call('POST', '/Contacts', {
      body: '{"data": [',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('INVALID_REQUEST');
    const module = await api.post('/Leeds', { data: [{ Last_Name: 'x' }] });
    expect(module.body).toEqual({
      data: [expect.objectContaining({ code: 'INVALID_MODULE', details: { resource_path_index: 0 } })],
    });
  });

  it('creates sales orders with Ordered_Items and computes the totals', async () => {
    const product = (await api.get('/Products?fields=Product_Name&per_page=1')).body.data[0];
    const contact = await contactId(FIXTURE.english);
    const response = await api.post('/Sales_Orders', {
      data: [
        {
          Subject: 'Order 9001',
          SO_Number: '9001',
          Status: 'Created',
          Contact_Name: { id: contact },
          Ordered_Items: [{ Product_Name: { id: product.id }, Quantity: 3, List_Price: 10.5 }],
        },
      ],
    });
    expect(response.status).toBe(201);
    const order = (await api.get(`/Sales_Orders/${response.body.data[0].details.id}`)).body.data[0];
    expect(order.Grand_Total).toBe(31.5);
    expect(order.Ordered_Items[0]).toMatchObject({
      Product_Name: { name: product.Product_Name, id: product.id },
      Quantity: 3,
      Total: 31.5,
    });
    const badRow = await api.post('/Sales_Orders', { data: [{ Subject: 'Bad', Ordered_Items: [{ Quantity: 1 }] }] });
    expect(badRow.body.data[0]).toMatchObject({
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'Product_Name', json_path: '$.data[0].Ordered_Items[0].Product_Name' },
    });
  });
});

describe('Update Records: PUT /crm/v8/{module} and /{module}/{id}', () => {
  let id: string;

  beforeAll(async () => {
    id = (await api.post('/Contacts', { data: [{ Last_Name: 'Before', External_Id: 'ext-upd-1' }] })).body.data[0]
      .details.id;
  });

  it('updates by id in the body (200 "record updated") and by id in the path', async () => {
    const many = await api.put('/Contacts', { data: [{ id, Phone: '+1 555 0100' }] });
    expect(many.status).toBe(200);
    expect(many.body.data[0]).toMatchObject({ code: 'SUCCESS', message: 'record updated', details: { id } });
    const one = await api.put(`/Contacts/${id}`, { data: [{ Last_Name: 'After' }] });
    expect(one.status).toBe(200);
    const record = (await api.get(`/Contacts/${id}`)).body.data[0];
    expect([record.Last_Name, record.Phone, record.Full_Name]).toEqual(['After', '+1 555 0100', 'After']);
    expect(sandbox.journal.entries({ operation: 'update' }).filter((e) => e.recordId === id)).toHaveLength(2);
  });

  it('updates through the External ID header', async () => {
    const response = await api.put(
      '/Contacts/ext-upd-1',
      { data: [{ Title: 'CTO' }] },
      { 'X-EXTERNAL': 'Contacts.External_Id' },
    );
    expect(response.status).toBe(200);
    expect((await api.get(`/Contacts/${id}`)).body.data[0].Title).toBe('CTO');
  });

  it('reports missing, malformed and unknown ids per record', async () => {
    const response = await api.put('/Contacts', {
      data: [{ Phone: '1' }, { id: 'abc' }, { id: '5725767000999999999' }, { id, Phone: '2' }],
    });
    expect(response.status).toBe(207);
    expect(response.body.data.map((r: { code: string }) => r.code)).toEqual([
      'MANDATORY_NOT_FOUND',
      'INVALID_DATA',
      'INVALID_DATA',
      'SUCCESS',
    ]);
    expect(response.body.data[0].details).toEqual({ api_name: 'id', json_path: '$.data[0].id' });
    expect(response.body.data[2].message).toBe('the id given seems to be invalid');
  });

  it("refuses to clear a mandatory field and to take another record's unique value", async () => {
    const cleared = await api.put(`/Contacts/${id}`, { data: [{ Last_Name: '' }] });
    expect(cleared.body.data[0]).toMatchObject({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name' } });
    const stolen = await api.put(`/Contacts/${id}`, { data: [{ External_Id: FIXTURE.english.externalId }] });
    expect(stolen.body.data[0]).toMatchObject({ code: 'DUPLICATE_DATA', details: { api_name: 'External_Id' } });
  });

  it('answers 412 ALREADY_MODIFIED when If-Unmodified-Since is older than the record', async () => {
    const response = await api.put(
      '/Contacts',
      { data: [{ id, Title: 'Late' }] },
      { 'If-Unmodified-Since': '2020-01-01T00:00:00+00:00' },
    );
    expect(response.status).toBe(412);
    expect(response.body.data[0]).toMatchObject({
      code: 'ALREADY_MODIFIED',
      message: 'record updated time has already passed if-unmodified-since time',
    });
    const fresh = await api.put(
      '/Contacts',
      { data: [{ id, Title: 'OnTime' }] },
      { 'If-Unmodified-Since': new Date(Date.now() + 5000).toISOString() },
    );
    expect(fresh.status).toBe(200);
  });
});

describe('Upsert Records: POST /crm/v8/{module}/upsert', () => {
  it('uses the system duplicate check (Email for Contacts) when duplicate_check_fields is absent', async () => {
    const response = await api.post('/Contacts/upsert', {
      data: [{ Last_Name: 'Johnson', Email: FIXTURE.japanese.email, Title: 'Upserted' }],
    });
    expect(response.status).toBe(200);
    expect(response.body.data[0]).toMatchObject({
      code: 'SUCCESS',
      duplicate_field: 'Email',
      action: 'update',
      message: 'record updated',
    });
  });

  it('updates the earliest-created record when a non-unique duplicate field matches several', async () => {
    const both = (await api.get(`/Contacts/search${q({ email: FIXTURE.ambiguous.email })}`)).body.data as Array<{
      id: string;
      Created_Time: string;
    }>;
    const oldest = [...both].sort((a, b) => Date.parse(a.Created_Time) - Date.parse(b.Created_Time))[0];
    const response = await api.post('/Contacts/upsert', {
      data: [{ Last_Name: 'Taylor', Email: FIXTURE.ambiguous.email }],
      duplicate_check_fields: ['Email'],
    });
    expect(response.body.data[0].details.id).toBe(oldest?.id);
  });

  it('inserts when nothing matches (duplicate_field null) and journals an upsert keyed by the check field value', async () => {
    const response = await api.post('/Contacts/upsert', {
      data: [{ Last_Name: 'New', External_Id: 'ext-ups-1', Email: 'new.upsert@example.com' }],
      duplicate_check_fields: ['External_Id', 'Email'],
    });
    expect(response.body.data[0]).toMatchObject({ duplicate_field: null, action: 'insert', message: 'record added' });
    expect(sandbox.journal.entries({ operation: 'upsert', externalKey: 'ext-ups-1' })).toHaveLength(1);
    const again = await api.post('/Contacts/upsert', {
      data: [{ Last_Name: 'New2', External_Id: 'ext-ups-1' }],
      duplicate_check_fields: ['External_Id'],
    });
    expect(again.body.data[0]).toMatchObject({
      duplicate_field: 'External_Id',
      action: 'update',
      details: { id: response.body.data[0].details.id },
    });
  });

  it('needs the mandatory fields only when it inserts, and reports a mix as 207', async () => {
    const response = await api.post('/Contacts/upsert', {
      data: [{ External_Id: 'ext-ups-1', Title: 'No name needed' }, { External_Id: 'ext-ups-unknown' }],
      duplicate_check_fields: ['External_Id'],
    });
    expect(response.status).toBe(207);
    expect(response.body.data[1]).toMatchObject({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name' } });
  });

  it('rejects duplicate_check_fields that are neither unique nor system duplicate-check fields', async () => {
    const response = await api.post('/Contacts/upsert', {
      data: [{ Last_Name: 'x' }],
      duplicate_check_fields: ['Phone'],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'INVALID_DATA',
      details: {
        api_name: 'duplicate_check_fields',
        json_path: '$.duplicate_check_fields[0]',
        supported_values: expect.arrayContaining(['Email', 'External_Id']),
      },
    });
  });
});

describe('Delete Records', () => {
  it('deletes one record with its notes, journals it, and reports unknown ids', async () => {
    const id = (await api.post('/Contacts', { data: [{ Last_Name: 'Temp' }] })).body.data[0].details.id;
    await api.post(`/Contacts/${id}/Notes`, { data: [{ Note_Title: 'bye', Note_Content: 'gone soon' }] });
    const response = await api.delete(`/Contacts/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: [{ code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' }],
    });
    expect((await api.get(`/Contacts/${id}`)).status).toBe(204);
    const notes = await api.get(`/Notes${q({ fields: 'Note_Title' })}`);
    expect(notes.body.data.map((n: { Note_Title: string }) => n.Note_Title)).not.toContain('bye');
    expect(sandbox.journal.entries({ operation: 'delete' }).map((e) => e.recordId)).toContain(id);
    const again = await api.delete(`/Contacts/${id}`);
    expect(again.status).toBe(400);
  });

  it('deletes several with ?ids= (207 when some are unknown) and needs the parameter', async () => {
    const created = await api.post('/Accounts', { data: [{ Account_Name: 'Del A' }, { Account_Name: 'Del B' }] });
    const ids = created.body.data.map((r: { details: { id: string } }) => r.details.id);
    const response = await api.delete(`/Accounts?ids=${ids.join(',')},5725767000999999999`);
    expect(response.status).toBe(207);
    expect((await api.delete('/Accounts')).body).toMatchObject({
      code: 'REQUIRED_PARAM_MISSING',
      details: { param_name: 'ids' },
    });
  });
});

describe('Related records and notes', () => {
  let emma: string;

  beforeAll(async () => {
    emma = await contactId(FIXTURE.english);
  });

  it('lists the sales orders, cases and notes of a contact', async () => {
    const orders = await api.get(`/Contacts/${emma}/SalesOrders?fields=SO_Number,Grand_Total`);
    expect(orders.body.data.map((o: { SO_Number: string }) => o.SO_Number)).toEqual(
      expect.arrayContaining(['10023', '245-12784']),
    );
    const notes = await api.get(`/Contacts/${emma}/Notes?fields=Note_Title,Note_Content,Parent_Id`);
    for (const note of notes.body.data ?? []) {
      expect(note.Parent_Id).toEqual({
        module: { api_name: 'Contacts', id: expect.any(String) },
        name: 'Emma Johnson',
        id: emma,
      });
    }
    const cases = await api.get(`/Contacts/${emma}/Cases?fields=Subject,Status`);
    expect([200, 204]).toContain(cases.status);
  });

  it('creates notes under a record (POST /Contacts/{id}/Notes) and journals them by title', async () => {
    const response = await api.post(`/Contacts/${emma}/Notes`, {
      data: [{ Note_Title: 'chat:rel-1', Note_Content: 'Transcript' }],
    });
    expect(response.status).toBe(201);
    expect(sandbox.journal.entries({ object: 'Notes', externalKey: 'chat:rel-1' })).toHaveLength(1);
    const listed = await api.get(`/Contacts/${emma}/Notes?fields=Note_Title`);
    expect(listed.body.data.map((n: { Note_Title: string }) => n.Note_Title)).toContain('chat:rel-1');
  });

  it('validates notes: content and a valid parent are mandatory', async () => {
    const noContent = await api.post('/Notes', {
      data: [{ Note_Title: 't', Parent_Id: { module: { api_name: 'Contacts' }, id: emma } }],
    });
    expect(noContent.body.data[0]).toMatchObject({
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'Note_Content' },
    });
    const noParent = await api.post('/Notes', { data: [{ Note_Content: 'x' }] });
    expect(noParent.body.data[0]).toMatchObject({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Parent_Id' } });
    const badModule = await api.post('/Notes', {
      data: [{ Note_Content: 'x', Parent_Id: { module: { api_name: 'Nope' }, id: emma } }],
    });
    expect(badModule.body.data[0]).toMatchObject({
      code: 'INVALID_DATA',
      details: { json_path: '$.data[0].Parent_Id.module.api_name' },
    });
    const badId = await api.post('/Notes', {
      data: [{ Note_Content: 'x', Parent_Id: { module: { api_name: 'Cases' }, id: emma } }],
    });
    expect(badId.body.data[0]).toMatchObject({
      code: 'INVALID_DATA',
      details: { json_path: '$.data[0].Parent_Id.id' },
    });
  });

  it.each([
    ['/Contacts/{id}/Notes', 400, { code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'fields' } }],
    ['/Contacts/{id}/Deals?fields=Deal_Name', 400, { code: 'INVALID_DATA', details: { api_name: 'Deals' } }],
    [
      '/Contacts/5725767000999999999/Notes?fields=Note_Title',
      404,
      { code: 'INVALID_DATA', message: 'The record does not exist' },
    ],
  ])('GET %s → %i', async (path, status, error) => {
    const response = await api.get(path.replace('{id}', emma));
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject(error);
  });

  it('answers 204 for an empty related list', async () => {
    const lonely = (await api.post('/Contacts', { data: [{ Last_Name: 'Lonely' }] })).body.data[0].details.id;
    expect((await api.get(`/Contacts/${lonely}/Notes?fields=Note_Title`)).status).toBe(204);
  });
});

describe('Metadata, users and org', () => {
  it('describes fields of a module (including custom and unique ones)', async () => {
    const response = await api.get('/settings/fields?module=Contacts');
    expect(response.status).toBe(200);
    const external = response.body.fields.find((f: { api_name: string }) => f.api_name === 'External_Id');
    expect(external).toMatchObject({
      data_type: 'text',
      custom_field: true,
      unique: { casesensitive: 'false' },
      external: { type: 'user' },
    });
    const lastName = response.body.fields.find((f: { api_name: string }) => f.api_name === 'Last_Name');
    expect(lastName).toMatchObject({ system_mandatory: true, length: 80, json_type: 'string' });
    const account = response.body.fields.find((f: { api_name: string }) => f.api_name === 'Account_Name');
    expect(account.lookup.module.api_name).toBe('Accounts');
    expect((await api.get('/settings/fields')).body).toMatchObject({
      code: 'REQUIRED_PARAM_MISSING',
      details: { param_name: 'module' },
    });
    expect((await api.get('/settings/fields?module=Nope')).body.code).toBe('INVALID_MODULE');
  });

  it('lists modules and related lists', async () => {
    const modules = await api.get('/settings/modules');
    expect(modules.body.modules.map((m: { api_name: string }) => m.api_name)).toEqual(
      expect.arrayContaining(['Contacts', 'Accounts', 'Sales_Orders', 'Cases', 'Notes']),
    );
    const one = await api.get('/settings/modules/Cases');
    expect(one.body.modules[0]).toMatchObject({ api_name: 'Cases', api_supported: true });
    const lists = await api.get('/settings/related_lists?module=Contacts');
    expect(lists.body.related_lists.map((l: { api_name: string }) => l.api_name)).toEqual([
      'Notes',
      'Cases',
      'SalesOrders',
    ]);
    expect(lists.body.related_lists[2].module).toEqual({ api_name: 'Sales_Orders', id: expect.any(String) });
  });

  it('returns the current user and the org', async () => {
    const users = await api.get('/users?type=CurrentUser');
    expect(users.body.users[0]).toMatchObject({ full_name: 'Patricia Boyle', status: 'active' });
    expect(users.body.info).toEqual({ per_page: 200, count: 1, page: 1, more_records: false });
    expect((await api.get('/users?type=Bogus')).body).toMatchObject({
      code: 'INVALID_DATA',
      details: { param_name: 'type' },
    });
    const org = await api.get('/org');
    expect(org.body.org[0]).toMatchObject({ company_name: expect.any(String), time_zone: 'Etc/UTC', iso_code: 'USD' });
  });
});
