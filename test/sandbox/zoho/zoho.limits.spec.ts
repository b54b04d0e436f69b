/**
 * Credits, concurrency and injected faults over raw HTTP.
 */
import { q, refreshGrant, zohoApi } from './zoho-test-client';
import { startZohoSandbox } from './zoho.sandbox';

describe('API credits (limits.dailyQuota)', () => {
  it('charges 1 credit per call and 1 per 10 records written, then answers 429 everywhere', async () => {
    const sandbox = await startZohoSandbox({ seed: false, limits: { dailyQuota: 10 } });
    try {
      const api = await zohoApi(sandbox);
      expect(sandbox.credits()).toEqual({ used: 0, limit: 10, remaining: 10 });
      await api.get('/org');
      expect(sandbox.credits().used).toBe(1);
      const batch = await api.post('/Contacts', {
        data: Array.from({ length: 25 }, (_, i) => ({ Last_Name: `C${i}` })),
      });
      expect(batch.status).toBe(201);
      expect(sandbox.credits().used).toBe(4);

      // Unauthenticated calls are turned away before metering.
      expect((await fetch(`${sandbox.baseUrl}/crm/v8/org`)).status).toBe(401);
      expect(sandbox.credits().used).toBe(4);

      for (let i = 0; i < 6; i += 1) {
        expect((await api.get('/org')).status).toBe(200);
      }
      const exhausted = await api.get('/org');
      expect(exhausted.status).toBe(429);
      expect(exhausted.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', status: 'error', details: { limit: 10 } });

      const journalBefore = sandbox.journal.entries().length;
      const write = await api.post('/Contacts', { data: [{ Last_Name: 'Refused' }] });
      expect(write.status).toBe(429);
      expect(sandbox.journal.entries()).toHaveLength(journalBefore);
      expect((await api.get(`/Contacts/search${q({ word: 'Refused' })}`)).status).toBe(429);

      // The accounts server is not metered.
      expect((await refreshGrant(sandbox)).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });

  it('refuses a batch that would cross the limit without writing any of it', async () => {
    const sandbox = await startZohoSandbox({ seed: false, limits: { dailyQuota: 3 } });
    try {
      const api = await zohoApi(sandbox);
      const response = await api.post('/Contacts', {
        data: Array.from({ length: 40 }, (_, i) => ({ Last_Name: `C${i}` })),
      });
      expect(response.status).toBe(429);
      expect(sandbox.journal.entries()).toHaveLength(0);
      expect((await api.get('/org')).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('Concurrency limit', () => {
  it('answers 429 TOO_MANY_REQUESTS to calls beyond the concurrent limit', async () => {
    const sandbox = await startZohoSandbox({
      seed: false,
      concurrencyLimit: 2,
      faults: { latency: { kind: 'fixed', ms: 1000 } },
    });
    try {
      const api = await zohoApi(sandbox);
      const results = await Promise.all(Array.from({ length: 5 }, () => api.get('/org')));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 429)).toHaveLength(3);
      const refused = results.find((r) => r.status === 429);
      expect(refused?.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { allowed_concurrency: 2 } });
      // Slots free up once calls finish.
      expect((await api.get('/org')).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('Injected faults', () => {
  it('answers injected statuses in Zoho error shape, only on the filtered path', async () => {
    const sandbox = await startZohoSandbox({ people: 5 });
    try {
      const api = await zohoApi(sandbox);
      sandbox.faults.set({ errorRates: { 503: 1 }, pathFilter: /\/Contacts/ });
      const failed = await api.get('/Contacts?fields=Email');
      expect(failed.status).toBe(503);
      expect(failed.body).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        details: {},
        message: 'Service temporarily unavailable',
        status: 'error',
      });
      expect((await api.get('/org')).status).toBe(200);
      sandbox.faults.set({ errorRates: { 500: 1 }, pathFilter: /^\/oauth\// });
      const grant = await refreshGrant(sandbox);
      expect(grant.status).toBe(500);
      expect(grant.body).toEqual({ error: 'server_error' });
      sandbox.faults.reset();
      expect((await api.get('/Contacts?fields=Email')).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });

  it('adds latency', async () => {
    const sandbox = await startZohoSandbox({ seed: false, faults: { latency: { kind: 'fixed', ms: 150 } } });
    try {
      const api = await zohoApi(sandbox);
      const started = Date.now();
      await api.get('/org');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await sandbox.stop();
    }
  });

  it('can hang a call until the client gives up; stop() still returns', async () => {
    const sandbox = await startZohoSandbox({ seed: false });
    const api = await zohoApi(sandbox);
    sandbox.faults.set({ hangRate: 1 });
    await expect(api.call('GET', '/org', { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await sandbox.stop();
  });

  it('commits a write and then resets the connection (ambiguous outcome); an upsert retry does not duplicate', async () => {
    const sandbox = await startZohoSandbox({ seed: false });
    try {
      const api = await zohoApi(sandbox);
      sandbox.faults.set({ resetAfterCommitRate: 1 });
      await expect(
        api.post('/Contacts', { data: [{ Last_Name: 'Maybe', External_Id: 'ext-amb-1' }] }),
      ).rejects.toThrow();
      expect(sandbox.journal.entries({ externalKey: 'ext-amb-1' })).toHaveLength(1);
      sandbox.faults.reset();
      const retry = await api.post('/Contacts/upsert', {
        data: [{ Last_Name: 'Maybe', External_Id: 'ext-amb-1' }],
        duplicate_check_fields: ['External_Id'],
      });
      expect(retry.body.data[0]).toMatchObject({ action: 'update', duplicate_field: 'External_Id' });
      const found = await api.get(`/Contacts/search${q({ criteria: '(External_Id:equals:ext-amb-1)' })}`);
      expect(found.body.data).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  });

  it('fails single records inside a batch with a per-record INTERNAL_ERROR', async () => {
    const sandbox = await startZohoSandbox({ seed: false, faults: { batchRecordFailureRate: 1 } });
    try {
      const api = await zohoApi(sandbox);
      const response = await api.post('/Contacts', { data: [{ Last_Name: 'A' }, { Last_Name: 'B' }] });
      expect(response.status).toBe(400);
      expect(response.body.data).toEqual([
        { code: 'INTERNAL_ERROR', details: {}, message: 'Internal Server Error', status: 'error' },
        { code: 'INTERNAL_ERROR', details: {}, message: 'Internal Server Error', status: 'error' },
      ]);
      expect(sandbox.journal.entries()).toHaveLength(0);
    } finally {
      await sandbox.stop();
    }
  });

  it('refuses the same records on every attempt with a per-record INVALID_DATA (batchRecordRejectRate)', async () => {
    const sandbox = await startZohoSandbox({ seed: false, faults: { batchRecordRejectRate: 0.3 } });
    try {
      const api = await zohoApi(sandbox);
      const data = Array.from({ length: 40 }, (_, i) => ({ Last_Name: `Rule ${i}`, External_Id: `rule-${i}` }));
      const upsert = () => api.post('/Contacts/upsert', { data, duplicate_check_fields: ['External_Id'] });
      const refused = (body: { data: Array<{ status: string }> }) =>
        body.data.flatMap((entry, i) => (entry.status === 'error' ? [data[i].External_Id] : []));
      const first = await upsert();
      expect(first.status).toBe(207);
      expect(refused(first.body).length).toBeGreaterThan(0);
      expect(first.body.data.find((entry: { status: string }) => entry.status === 'error')).toEqual({
        code: 'INVALID_DATA',
        details: { api_name: 'External_Id', json_path: expect.stringMatching(/^\$\.data\[\d+\]\.External_Id$/) },
        message: 'invalid data',
        status: 'error',
      });
      // A field rule, not bad luck: the retry is refused for the same records, and none of them was written.
      expect(refused((await upsert()).body)).toEqual(refused(first.body));
      expect(sandbox.faults.rejectedRecordKeys().sort()).toEqual([...refused(first.body)].sort());
      const journaled = sandbox.journal.entries({ object: 'Contacts' }).map((e) => e.externalKey);
      expect(refused(first.body).filter((key) => journaled.includes(key))).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });

  it('is steerable over HTTP through /__sandbox', async () => {
    const sandbox = await startZohoSandbox({ seed: false });
    try {
      const api = await zohoApi(sandbox);
      const set = await fetch(`${sandbox.baseUrl}/__sandbox/faults`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ errorRates: { 429: 1 }, pathFilter: '/org' }),
      });
      expect(set.status).toBe(200);
      const limited = await api.get('/org');
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('TOO_MANY_REQUESTS');
      await fetch(`${sandbox.baseUrl}/__sandbox/faults`, { method: 'DELETE' });
      expect((await api.get('/org')).status).toBe(200);
      await api.post('/Contacts', { data: [{ Last_Name: 'Journaled', External_Id: 'ext-ctl' }] });
      const journal = (await (
        await fetch(`${sandbox.baseUrl}/__sandbox/journal?externalKey=ext-ctl`)
      ).json()) as unknown[];
      expect(journal).toEqual([expect.objectContaining({ object: 'Contacts', operation: 'create' })]);
    } finally {
      await sandbox.stop();
    }
  });
});
