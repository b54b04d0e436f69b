/**
 * Credits, concurrency and faults as the official SDK sees them. Notes from the SDK: errors never throw, they come
 * back as APIException objects; a GET answered 429/5xx is retried twice by `got` (≈1 s then ≈2 s) before the SDK
 * returns; POSTs are not retried; a reset connection throws an SDKException.
 */
import { initSdk, Z, type SdkHandle } from './zoho-sdk-harness';
import { startZohoSandbox, type ZohoRunningSandbox, type ZohoSandboxOptions } from './zoho.sandbox';

let sandbox: ZohoRunningSandbox;
let sdk: SdkHandle;

async function open(options: ZohoSandboxOptions): Promise<void> {
  sandbox = await startZohoSandbox(options);
  sdk = await initSdk(sandbox);
}

async function close(): Promise<void> {
  sdk.cleanup();
  await sandbox.stop();
}

function createBody(lastNames: string[], externalPrefix?: string): Z.Record.BodyWrapper {
  const wrapper = new Z.Record.BodyWrapper();
  wrapper.setData(
    lastNames.map((name, i) => {
      const record = new Z.Record.Record();
      record.addKeyValue('Last_Name', name);
      if (externalPrefix) {
        record.addKeyValue('External_Id', `${externalPrefix}-${i}`);
      }
      return record;
    }),
  );
  return wrapper;
}

async function searchByEmail(email: string) {
  const params = new Z.ParameterMap();
  await params.add(Z.Record.SearchRecordsParam.EMAIL, email);
  return new Z.Record.RecordOperations('Contacts').searchRecords(params, new Z.HeaderMap());
}

function perRecord(response: Z.APIResponse<unknown>): Array<Z.Record.SuccessResponse | Z.Record.APIException> {
  return (response.getObject() as Z.Record.ActionWrapper).getData() as Array<
    Z.Record.SuccessResponse | Z.Record.APIException
  >;
}

describe('SDK and the credit allowance', () => {
  beforeAll(() => open({ seed: false, limits: { dailyQuota: 6 } }));
  afterAll(close);

  it('returns 429 TOO_MANY_REQUESTS once credits run out; a GET is retried by got before giving up', async () => {
    const ops = new Z.Record.RecordOperations('Contacts');
    // settings/fields for Contacts and for Accounts (its lookup target): 2, insert of 20 records: 2.
    const created = await ops.createRecords(
      createBody(Array.from({ length: 20 }, (_, i) => `C${i}`)),
      new Z.HeaderMap(),
    );
    expect(created.getStatusCode()).toBe(201);
    expect(sandbox.credits().used).toBe(4);
    await searchByEmail('a@b.c');
    await searchByEmail('a@b.c');
    expect(sandbox.credits().remaining).toBe(0);

    const refused = await ops.createRecords(createBody(['Late']), new Z.HeaderMap());
    expect(refused.getStatusCode()).toBe(429);
    const error = refused.getObject() as Z.Record.APIException;
    expect(error).toBeInstanceOf(Z.Record.APIException);
    expect(error.getCode().getValue()).toBe('TOO_MANY_REQUESTS');
    expect(
      sandbox.requests.entries({ method: 'POST', pathIncludes: '/crm/v8/Contacts' }).filter((r) => r.status === 429),
    ).toHaveLength(1);

    sandbox.requests.clear();
    const search = await searchByEmail('a@b.c');
    expect(search.getStatusCode()).toBe(429);
    expect(sandbox.requests.entries({ pathIncludes: '/Contacts/search' })).toHaveLength(3);
  }, 20_000);
});

describe('SDK and the concurrency limit', () => {
  beforeAll(() => open({ seed: false, concurrencyLimit: 2, faults: { latency: { kind: 'fixed', ms: 1000 } } }));
  afterAll(close);

  it('gets 429 for POSTs beyond the concurrent limit', async () => {
    const ops = new Z.Record.RecordOperations('Contacts');
    await searchByEmail('warm@up.example');
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => ops.createRecords(createBody([`P${i}`]), new Z.HeaderMap())),
    );
    const statuses = results.map((r) => r.getStatusCode()).sort();
    expect(statuses).toEqual([201, 201, 429, 429]);
    const refused = results.find((r) => r.getStatusCode() === 429) as Z.APIResponse<unknown>;
    expect((refused.getObject() as Z.Record.APIException).getCode().getValue()).toBe('TOO_MANY_REQUESTS');
  });
});

describe('SDK and injected faults', () => {
  beforeAll(() => open({ seed: false }));
  afterAll(close);
  afterEach(() => sandbox.faults.reset());

  it('surfaces an injected 500 on a POST as APIException INTERNAL_ERROR, with nothing written', async () => {
    await searchByEmail('warm@up.example');
    sandbox.faults.set({ errorRates: { 500: 1 } });
    const response = await new Z.Record.RecordOperations('Contacts').createRecords(
      createBody(['Nope'], 'ext-500'),
      new Z.HeaderMap(),
    );
    expect(response.getStatusCode()).toBe(500);
    expect((response.getObject() as Z.Record.APIException).getCode().getValue()).toBe('INTERNAL_ERROR');
    expect(sandbox.journal.entries()).toHaveLength(0);
  });

  it('reports per-record failures inside the ActionWrapper', async () => {
    sandbox.faults.set({ batchRecordFailureRate: 1 });
    const response = await new Z.Record.RecordOperations('Contacts').createRecords(
      createBody(['A', 'B']),
      new Z.HeaderMap(),
    );
    expect(response.getStatusCode()).toBe(400);
    expect(perRecord(response).map((r) => r.getCode().getValue())).toEqual(['INTERNAL_ERROR', 'INTERNAL_ERROR']);
  });

  it('throws an SDKException when the connection resets after commit; an upsert retry updates instead of duplicating', async () => {
    sandbox.faults.set({ resetAfterCommitRate: 1 });
    const ops = new Z.Record.RecordOperations('Contacts');
    await expect(ops.createRecords(createBody(['Ambiguous'], 'ext-reset'), new Z.HeaderMap())).rejects.toBeInstanceOf(
      Z.SDKException,
    );
    expect(sandbox.journal.entries({ externalKey: 'ext-reset-0' })).toHaveLength(1);

    sandbox.faults.reset();
    const retry = createBody(['Ambiguous'], 'ext-reset');
    retry.setDuplicateCheckFields(['External_Id']);
    const response = await ops.upsertRecords(retry, new Z.HeaderMap());
    const [result] = perRecord(response) as Z.Record.SuccessResponse[];
    expect(result?.getAction().getValue()).toBe('update');
  });

  it('retries a GET answered 503 twice, then returns the 503 APIException', async () => {
    sandbox.faults.set({ errorRates: { 503: 1 }, pathFilter: /\/search/ });
    sandbox.requests.clear();
    const response = await searchByEmail('anyone@example.com');
    expect(response.getStatusCode()).toBe(503);
    expect((response.getObject() as Z.Record.APIException).getCode().getValue()).toBe('SERVICE_UNAVAILABLE');
    expect(sandbox.requests.entries({ pathIncludes: '/search' })).toHaveLength(3);
  }, 20_000);
});
