/**
 * Search Records (GET /crm/v8/{module}/search) over raw HTTP, and Get Records pagination past 2,000 records.
 */
import { FIXTURE } from '../common/seed-data';
import { escapeCriteriaValue } from './zoho-criteria';
import { q, zohoApi, type ZohoApi } from './zoho-test-client';
import { startZohoSandbox, type ZohoRunningSandbox } from './zoho.sandbox';

describe('Search Records: GET /crm/v8/{module}/search', () => {
  let sandbox: ZohoRunningSandbox;
  let api: ZohoApi;

  beforeAll(async () => {
    sandbox = await startZohoSandbox({ people: 80 });
    api = await zohoApi(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  const emails = (response: { body: { data: Array<{ Email: string }> } }) => response.body.data.map((r) => r.Email);

  it('finds by email, with Zoho info keys', async () => {
    const response = await api.get(`/Contacts/search${q({ email: FIXTURE.english.email })}`);
    expect(response.status).toBe(200);
    expect(emails(response)).toEqual([FIXTURE.english.email]);
    expect(response.body.info).toEqual({ per_page: 200, count: 1, page: 1, more_records: false });
  });

  it('matches partial emails, as documented (clients must re-check for equality)', async () => {
    const partial = await api.get(`/Contacts/search${q({ email: 'emma.johnson' })}`);
    expect(emails(partial)).toContain(FIXTURE.english.email);
    const domain = await api.get(`/Contacts/search${q({ email: '@example.jp' })}`);
    expect(emails(domain).every((e) => e.endsWith('@example.jp'))).toBe(true);
    expect(emails(domain).length).toBeGreaterThan(1);
  });

  it('matches phones on digits, as stored', async () => {
    for (const phone of ['(415) 555-2671', '4155552671', '555-2671']) {
      const response = await api.get(`/Contacts/search${q({ phone })}`);
      expect(emails(response)).toContain(FIXTURE.english.email);
    }
    const japanese = await api.get(`/Contacts/search${q({ phone: '090-1234-5678' })}`);
    expect(emails(japanese)).toEqual([FIXTURE.japanese.email]);
    expect((await api.get(`/Contacts/search${q({ phone: '+819012345678' })}`)).status).toBe(204);
  });

  it('searches a word across text fields', async () => {
    const response = await api.get(`/Contacts/search${q({ word: 'Johnson' })}`);
    expect(
      response.body.data.every((r: { Last_Name: string; Email: string }) =>
        /johnson/i.test(`${r.Last_Name} ${r.Email}`),
      ),
    ).toBe(true);
  });

  it('uses only the highest-priority parameter: criteria over email over phone over word', async () => {
    const response = await api.get(
      `/Contacts/search${q({ criteria: `(Email:equals:${FIXTURE.japanese.email})`, email: FIXTURE.english.email, word: 'zzz' })}`,
    );
    expect(emails(response)).toEqual([FIXTURE.japanese.email]);
  });

  it('evaluates criteria with and/or, equals-as-contains and lookups', async () => {
    const criteria = `((Email:equals:${FIXTURE.english.email})or(Email:equals:${FIXTURE.japanese.email}))and(Customer_Tier:in:VIP,Gold)`;
    const response = await api.get(`/Contacts/search${q({ criteria })}`);
    expect(new Set(emails(response))).toEqual(new Set([FIXTURE.english.email, FIXTURE.japanese.email]));

    const acme = await api.get(`/Accounts/search${q({ criteria: '(Account_Name:equals:Acme)' })}`);
    expect(acme.body.data.map((a: { Account_Name: string }) => a.Account_Name)).toContain('Acme Corp');

    const emma = (await api.get(`/Contacts/search${q({ email: FIXTURE.english.email })}`)).body.data[0].id;
    const orders = await api.get(
      `/Sales_Orders/search${q({ criteria: `(Contact_Name:equals:${emma})`, fields: 'SO_Number' })}`,
    );
    expect(orders.body.data.map((o: { SO_Number: string }) => o.SO_Number).sort()).toEqual(['10023', '245-12784']);
    expect(Object.keys(orders.body.data[0]).sort()).toEqual(['SO_Number', 'id']);
  });

  it('keeps escaped hostile values literal end to end (created, then found by exact criteria only)', async () => {
    const hostile = ['x)or(Last_Name:starts_with:', 'A,B', 'back\\slash\\', '(paren)', 'semi;colon&amp=1+2'];
    const created = await api.post('/Contacts', {
      data: hostile.map((value, i) => ({ Last_Name: value, External_Id: `ext-hostile-${i}` })),
    });
    expect(created.status).toBe(201);
    for (const [i, value] of hostile.entries()) {
      const criteria = `(Last_Name:equals:${escapeCriteriaValue(value)})`;
      const response = await api.get(`/Contacts/search${q({ criteria, fields: 'Last_Name,External_Id' })}`);
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual([
        expect.objectContaining({ Last_Name: value, External_Id: `ext-hostile-${i}` }),
      ]);
    }
    const unescaped = await api.get(`/Contacts/search${q({ criteria: '(Last_Name:equals:A,B)' })}`);
    expect(unescaped.status).toBe(400);
    expect(unescaped.body).toMatchObject({ code: 'INVALID_QUERY', message: 'Invalid query formed', status: 'error' });
  });

  it('searches notes by title and cases by their contact', async () => {
    const emma = (await api.get(`/Contacts/search${q({ email: FIXTURE.english.email })}`)).body.data[0].id;
    await api.post(`/Contacts/${emma}/Notes`, { data: [{ Note_Title: 'chat:key-77', Note_Content: 'hello' }] });
    const notes = await api.get(`/Notes/search${q({ criteria: '(Note_Title:equals:chat:key-77)' })}`);
    expect(notes.body.data).toEqual([
      expect.objectContaining({ Note_Title: 'chat:key-77', Parent_Id: expect.objectContaining({ id: emma }) }),
    ]);
    await api.post('/Cases', { data: [{ Subject: 'Where is my parcel', Related_To: { id: emma }, Status: 'New' }] });
    const cases = await api.get(
      `/Cases/search${q({ criteria: `((Related_To:equals:${emma})and(Status:not_equal:Closed))` })}`,
    );
    expect(cases.body.data.map((c: { Subject: string }) => c.Subject)).toContain('Where is my parcel');
  });

  it('pages and sorts search results', async () => {
    const criteria = '(Email:starts_with:a)or(Email:starts_with:e)or(Email:starts_with:s)or(Email:starts_with:t)';
    const first = await api.get(
      `/Contacts/search${q({ criteria: `(${criteria})`, per_page: '3', page: '1', sort_by: 'Last_Name', sort_order: 'asc' })}`,
    );
    const second = await api.get(
      `/Contacts/search${q({ criteria: `(${criteria})`, per_page: '3', page: '2', sort_by: 'Last_Name', sort_order: 'asc' })}`,
    );
    expect(first.body.info).toMatchObject({ per_page: 3, count: 3, page: 1, more_records: true });
    const names = [...first.body.data, ...second.body.data].map((r: { Last_Name: string }) =>
      r.Last_Name.toLowerCase(),
    );
    expect([...names].sort()).toEqual(names);
    const limit = await api.get(`/Contacts/search${q({ word: 'example', per_page: '200', page: '11' })}`);
    expect(limit.body).toEqual({
      code: 'LIMIT_REACHED',
      details: { limit: '2000' },
      message: 'maximum response iteration limit reached',
      status: 'error',
    });
  });

  it('answers 204 without a content type when nothing matches', async () => {
    const response = await api.get(`/Contacts/search${q({ criteria: '(Last_Name:equals:Zzyzx)' })}`);
    expect(response.status).toBe(204);
    expect(response.headers.get('content-type')).toBeNull();
    expect(response.text).toBe('');
  });

  it.each([
    [{}, { code: 'EXPECTED_PARAM_MISSING', details: { param_names: ['criteria', 'email', 'phone', 'word'] } }],
    [{ criteria: '(Nope:equals:x)' }, { code: 'INVALID_QUERY', details: { api_name: 'Nope' } }],
    [
      { criteria: '(Last_Name:like:x)' },
      { code: 'INVALID_QUERY', details: { operator: 'like', reason: 'invalid operator found' } },
    ],
    [{ criteria: '(Last_Name:greater_than:x)' }, { code: 'INVALID_QUERY', details: { operator: 'greater_than' } }],
    [
      { criteria: '(Created_Time:greater_than:2026-13-45)' },
      { code: 'INVALID_QUERY', details: { expected_data_type: 'datetime' } },
    ],
    [{ phone: '12' }, { code: 'INVALID_DATA', details: { param_name: 'phone' } }],
    [{ phone: 'call me' }, { code: 'INVALID_DATA', details: { param_name: 'phone' } }],
    [{ word: 'x' }, { code: 'INVALID_DATA', details: { param_name: 'word' } }],
    [
      { email: 'a@b.c', per_page: '500' },
      { code: 'INVALID_DATA', details: { param_name: 'per_page' } },
    ],
  ])('rejects %j with HTTP 400', async (params, error) => {
    const response = await api.get(`/Contacts/search${q(params)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ ...error, status: 'error' });
  });

  it('rejects an unknown module', async () => {
    const response = await api.get(`/Leeds/search${q({ email: 'a@b.c' })}`);
    expect(response.body).toMatchObject({ code: 'INVALID_MODULE', details: { resource_path_index: 0 } });
  });
});

describe('Search indexing delay', () => {
  it('hides fresh writes from search (not from Get Records) until they are indexed', async () => {
    const sandbox = await startZohoSandbox({ seed: false, searchIndexDelayMs: 1500 });
    try {
      const api = await zohoApi(sandbox);
      const id = (await api.post('/Contacts', { data: [{ Last_Name: 'Fresh', Email: 'fresh@example.com' }] })).body
        .data[0].details.id;
      expect((await api.get(`/Contacts/search${q({ email: 'fresh@example.com' })}`)).status).toBe(204);
      expect((await api.get(`/Contacts/${id}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect((await api.get(`/Contacts/search${q({ email: 'fresh@example.com' })}`)).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('Get Records beyond 2,000 records', () => {
  it('refuses page 11 without a token and walks the whole module with next_page_token', async () => {
    const sandbox = await startZohoSandbox({ people: 2500 });
    try {
      const api = await zohoApi(sandbox);
      const seen = new Set<string>();
      let path = '/Contacts?fields=Email&per_page=200';
      let pages = 0;
      for (;;) {
        const response = await api.get(path);
        expect(response.status).toBe(200);
        for (const record of response.body.data) {
          seen.add(record.id);
        }
        pages += 1;
        if (!response.body.info.more_records) {
          break;
        }
        path = `/Contacts?fields=Email&per_page=200&page_token=${response.body.info.next_page_token}`;
      }
      expect(seen.size).toBeGreaterThan(2000);
      expect(pages).toBe(Math.ceil(seen.size / 200));
      const page11 = await api.get('/Contacts?fields=Email&per_page=200&page=11');
      expect(page11.body).toEqual({
        code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
        message: 'You can only get the first 2000 records without using page_token param',
        status: 'error',
        details: { limit: 2000 },
      });
      // A token belongs to the query it came from.
      const first = await api.get('/Contacts?fields=Email&per_page=200');
      const mismatched = await api.get(
        `/Contacts?fields=Email&per_page=200&sort_order=asc&page_token=${first.body.info.next_page_token}`,
      );
      expect(mismatched.body).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'page_token' } });
    } finally {
      await sandbox.stop();
    }
  });
});
