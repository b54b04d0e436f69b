/**
 * The COQL subset (POST /crm/v8/coql) over raw HTTP.
 */
import { FIXTURE } from '../common/seed-data';
import { coqlCredits, parseCoql } from './zoho-coql';
import { zohoApi, type ZohoApi } from './zoho-test-client';
import { startZohoSandbox, type ZohoRunningSandbox } from './zoho.sandbox';

let sandbox: ZohoRunningSandbox;
let api: ZohoApi;
let emma: string;

beforeAll(async () => {
  sandbox = await startZohoSandbox({ people: 40 });
  api = await zohoApi(sandbox);
  emma = (await api.get(`/Contacts/${FIXTURE.english.externalId}`, { 'X-EXTERNAL': 'Contacts.External_Id' })).body
    .data[0].id;
});

afterAll(async () => {
  await sandbox.stop();
});

const coql = (selectQuery: string) => api.post('/coql', { select_query: selectQuery });

describe('COQL: POST /crm/v8/coql', () => {
  it('selects fields with an exact, case-insensitive "="; lookups come back as {id}', async () => {
    const response = await coql(
      `select Last_Name, Email, Account_Name from Contacts where Email = '${FIXTURE.english.email.toUpperCase()}'`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: [
        { Last_Name: 'Johnson', Email: FIXTURE.english.email, Account_Name: { id: expect.any(String) }, id: emma },
      ],
      info: { count: 1, more_records: false },
    });
    expect((await coql("select Email from Contacts where Email = 'emma.johnson'")).status).toBe(204);
  });

  it('finds the open cases of a contact (lookup id, !=, AND)', async () => {
    await api.post('/Cases', {
      data: [
        { Subject: 'Open one', Status: 'New', Related_To: { id: emma } },
        { Subject: 'Done one', Status: 'Closed', Related_To: { id: emma } },
      ],
    });
    const response = await coql(
      `select Subject, Status from Cases where Related_To = '${emma}' and Status != 'Closed' order by Subject asc limit 200`,
    );
    const subjects = response.body.data.map((r: { Subject: string }) => r.Subject);
    expect(subjects).toContain('Open one');
    expect(subjects).not.toContain('Done one');
    const viaId = await coql(`select Subject from Cases where Related_To.id = '${emma}' and Subject like '%one'`);
    expect(viaId.body.data.map((r: { Subject: string }) => r.Subject).sort()).toEqual(['Done one', 'Open one']);
  });

  it('supports IN, BETWEEN, IS NULL, OR with parentheses, ORDER BY and LIMIT/OFFSET', async () => {
    const inList = await coql(
      `select Email from Contacts where Email in ('${FIXTURE.english.email}', '${FIXTURE.japanese.email}')`,
    );
    expect(inList.body.data).toHaveLength(2);
    const orders = await coql(
      `select SO_Number, Grand_Total from Sales_Orders where Contact_Name = '${emma}' and Grand_Total between 100 and 200`,
    );
    expect(orders.body.data.map((r: { SO_Number: string }) => r.SO_Number)).toEqual(['245-12784']);
    const noAccount = await coql(
      "select Last_Name from Contacts where (Account_Name is null or Last_Name = 'Johnson') and Email is not null limit 2, 3",
    );
    expect(noAccount.body.info.count).toBeLessThanOrEqual(3);
    const page1 = await coql(
      'select Last_Name from Contacts where Last_Name is not null order by Last_Name asc, id desc limit 5',
    );
    const page2 = await coql(
      'select Last_Name from Contacts where Last_Name is not null order by Last_Name asc, id desc limit 5 offset 5',
    );
    const names = [...page1.body.data, ...page2.body.data].map((r: { Last_Name: string }) => r.Last_Name.toLowerCase());
    expect([...names].sort()).toEqual(names);
    expect(page1.body.info.more_records).toBe(true);
  });

  it('keeps quoted values literal', async () => {
    await api.post('/Contacts', { data: [{ Last_Name: "O'Brien) or (1=1", Email: 'quote@example.com' }] });
    const response = await coql("select Email from Contacts where Last_Name = 'O''Brien) or (1=1'");
    expect(response.body.data.map((r: { Email: string }) => r.Email)).toEqual(['quote@example.com']);
    const backslash = await coql("select Email from Contacts where Last_Name = 'O\\'Brien) or (1=1'");
    expect(backslash.body.data).toHaveLength(1);
  });

  it.each([
    ['select from Contacts', 'SYNTAX_ERROR'],
    ["select Email Contacts where Email = 'x'", 'SYNTAX_ERROR'],
    ["select Email from Contacts where Email = 'unterminated", 'SYNTAX_ERROR'],
    ['select Email from Contacts where Email', 'SYNTAX_ERROR'],
    ["select Nope from Contacts where Email = 'x'", 'INVALID_QUERY'],
    ["select Email from Leeds where Email = 'x'", 'INVALID_QUERY'],
    ["select Email from Contacts where Account_Name.Account_Name = 'x'", 'INVALID_QUERY'],
    ["select Email from Contacts where Email = 'x' limit 2001", 'LIMIT_EXCEEDED'],
  ])('rejects %j with %s', async (query, code) => {
    const response = await coql(query);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code, status: 'error' });
  });

  it('reports where a syntax error is', () => {
    let caught: unknown;
    try {
      parseCoql("select Email from Contacts where Email == 'x'");
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'SYNTAX_ERROR',
      details: { clause: 'where', line: 1, column: 41, near: '=' },
    });
  });

  it('needs select_query, and charges credits by LIMIT', async () => {
    expect((await api.post('/coql', {})).body).toMatchObject({
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'select_query' },
    });
    expect([
      coqlCredits('select a from B limit 200'),
      coqlCredits('select a from B limit 0, 1000'),
      coqlCredits('select a from B limit 2000'),
    ]).toEqual([1, 2, 3]);
    const before = sandbox.credits().used;
    await coql('select Email from Contacts where Email is not null limit 1500');
    expect(sandbox.credits().used - before).toBe(3);
  });
});
