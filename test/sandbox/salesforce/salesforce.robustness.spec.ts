import { FIXTURE } from '../common/seed-data';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from './salesforce.sandbox';

/**
 * Raw HTTP for inputs no SDK would send: every one must get a Salesforce-shaped 4xx (a JSON array of
 * {message, errorCode}), never a 500 or an HTML page.
 */
describe('Salesforce sandbox: hostile and malformed requests', () => {
  let sandbox: RunningSalesforceSandbox;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ people: 10 });
    token = sandbox.issueAccessToken();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  async function call(method: string, path: string, body?: string): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${sandbox.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const v = '/services/data/v62.0';
  const contactId = (): string => sandbox.contactIdFor(FIXTURE.english.key) as string;

  it.each([
    ['POST', `${v}/sobjects/Contact`, '[]', 400, 'JSON_PARSER_ERROR'],
    ['POST', `${v}/sobjects/Contact`, '"just a string"', 400, 'JSON_PARSER_ERROR'],
    ['POST', `${v}/sobjects/Contact`, '{"LastName": {"nested": true}}', 400, 'JSON_PARSER_ERROR'],
    [
      'POST',
      `${v}/sobjects/Contact`,
      '{"LastName": "X", "Id": "003000000000000AAA", "CreatedDate": "2020-01-01"}',
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    ],
    ['POST', `${v}/sobjects/User`, '{"LastName": "X"}', 400, 'INVALID_TYPE_FOR_OPERATION'],
    ['PATCH', `${v}/sobjects/Contact/003000000000000`, '{"LastName": "X"}', 404, 'NOT_FOUND'],
    ['PATCH', `${v}/sobjects/Contact/001000000000000AAA`, '{"LastName": "X"}', 400, 'MALFORMED_ID'],
    ['PATCH', `${v}/sobjects/Contact/Id/003000000000000AAA`, '{"LastName": "X"}', 404, 'NOT_FOUND'],
    [
      'PATCH',
      `${v}/sobjects/Contact/External_Id__c/ext-x`,
      '{"External_Id__c": "ext-y", "LastName": "X"}',
      400,
      'INVALID_FIELD',
    ],
    ['GET', `${v}/query?q=SELECT%20Id%20FROM%20Contact&q=SELECT%20Id%20FROM%20Case`, undefined, 400, 'MALFORMED_QUERY'],
    ['GET', `${v}/query`, undefined, 400, 'MALFORMED_QUERY'],
    [
      'GET',
      `${v}/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE Name = '\u0000\u2028'")}`,
      undefined,
      200,
      undefined,
    ],
    ['GET', `${v}/query/not-a-locator`, undefined, 400, 'INVALID_QUERY_LOCATOR'],
    ['GET', `${v}/sobjects/Contact/updated?start=yesterday&end=today`, undefined, 400, 'INVALID_REPLICATION_DATE'],
    ['POST', `${v}/composite/sobjects`, '{"records": "nope"}', 400, 'JSON_PARSER_ERROR'],
    ['POST', `${v}/composite/sobjects`, '{"records": [null]}', 400, 'JSON_PARSER_ERROR'],
    ['PATCH', `${v}/composite/sobjects/Task/Subject`, '{"records": []}', 404, 'NOT_FOUND'],
    [
      'PATCH',
      `${v}/composite/sobjects/Contact/External_Id__c`,
      '{"records": [{"attributes": {"type": "Case"}}]}',
      400,
      'INVALID_TYPE',
    ],
    ['DELETE', `${v}/composite/sobjects`, undefined, 400, 'MISSING_ARGUMENT'],
    ['POST', `${v}/composite/sobjects/Contact`, '{"ids": "x"}', 400, 'JSON_PARSER_ERROR'],
    ['PUT', `${v}/sobjects/Contact`, '{}', 405, 'METHOD_NOT_ALLOWED'],
    ['POST', `${v}/sobjects/Contact/${'003000000000000AAA'}`, '{}', 405, 'METHOD_NOT_ALLOWED'],
    ['POST', `${v}/query`, '{}', 405, 'METHOD_NOT_ALLOWED'],
  ])('%s %s %j → %d %s', async (method, path, body, status, errorCode) => {
    const result = await call(method, path, body);
    expect(result.status).toBe(status);
    if (errorCode) {
      expect(result.json).toEqual([expect.objectContaining({ errorCode, message: expect.any(String) })]);
    }
  });

  it('accepts an upsert keyed on Id for an existing record', async () => {
    const result = await call('PATCH', `${v}/sobjects/Contact/Id/${contactId()}`, '{"Title": "Via Id"}');
    expect(result).toEqual({ status: 200, json: { id: contactId(), success: true, errors: [], created: false } });
  });

  it('per-record errors in a collection delete for read-only objects', async () => {
    const result = await call('DELETE', `${v}/composite/sobjects?ids=${sandbox.userId}`);
    expect(result).toEqual({
      status: 200,
      json: [
        {
          id: sandbox.userId,
          success: false,
          errors: [expect.objectContaining({ statusCode: 'INVALID_TYPE_FOR_OPERATION' })],
        },
      ],
    });
  });

  it('answers a missing or foreign bearer token with INVALID_SESSION_ID and does not count it', async () => {
    const before = sandbox.apiUsage().used;
    for (const authorization of ['', 'Bearer nope', `Basic ${Buffer.from('a:b').toString('base64')}`]) {
      const response = await fetch(`${sandbox.baseUrl}${v}/limits`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    }
    expect(sandbox.apiUsage().used).toBe(before);
  });

  it('lists API versions without authentication', async () => {
    const response = await fetch(`${sandbox.baseUrl}/services/data`);
    const versions = (await response.json()) as Array<{ version: string; url: string }>;
    expect(versions.at(-1)).toEqual({ label: 'v62.0', url: '/services/data/v62.0', version: '62.0' });
  });
});
