/**
 * Instant notifications: /crm/v8/actions/watch channel management and the callbacks Zoho POSTs on changes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zohoApi, type ZohoApi } from './zoho-test-client';
import { DEFAULT_CHANNEL_ID, startZohoSandbox, type ZohoRunningSandbox } from './zoho.sandbox';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** A notify_url that records what it receives. */
async function receiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Zoho notifications (actions/watch)', () => {
  let sandbox: ZohoRunningSandbox;
  let api: ZohoApi;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let defaultHook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    hook = await receiver();
    defaultHook = await receiver();
    sandbox = await startZohoSandbox({
      people: 10,
      webhook: { url: `${defaultHook.url}/default`, secret: 'sandbox-secret' },
    });
    api = await zohoApi(sandbox);
  });

  afterAll(async () => {
    await sandbox.stop();
    await hook.close();
    await defaultHook.close();
  });

  beforeEach(() => {
    hook.received.length = 0;
    defaultHook.received.length = 0;
  });

  it('creates a channel (201) and describes it per module', async () => {
    const response = await api.post('/actions/watch', {
      watch: [
        {
          channel_id: '1000000068001',
          events: ['Contacts.all', 'Cases.edit'],
          notify_url: `${hook.url}/zoho?tenant=t-1`,
          token: 'TOKEN_FOR_VERIFICATION',
          channel_expiry: new Date(Date.now() + 86_400_000).toISOString(),
        },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body.watch[0]).toMatchObject({
      code: 'SUCCESS',
      message: 'Successfully subscribed for actions-watch of the given module',
      status: 'success',
    });
    expect(response.body.watch[0].details.events).toEqual([
      expect.objectContaining({
        resource_name: 'Contacts',
        channel_id: '1000000068001',
        resource_uri: `${sandbox.baseUrl}/crm/v8/Contacts`,
      }),
      expect.objectContaining({
        resource_name: 'Cases',
        channel_id: '1000000068001',
        channel_expiry: expect.stringMatching(/\+00:00$/),
      }),
    ]);
  });

  it('posts inserts, updates (with affected_fields) and deletes with token, channel_id and query_params', async () => {
    const created = await api.post('/Contacts', { data: [{ Last_Name: 'Watched' }, { Last_Name: 'Also watched' }] });
    const ids = created.body.data.map((r: { details: { id: string } }) => r.details.id);
    await api.put('/Contacts', { data: [{ id: ids[0], Phone: '+1 555 0199' }] });
    await api.delete(`/Contacts/${ids[1]}`);
    await sandbox.notifications.flush();

    const bodies = hook.received.map((r) => r.body);
    expect(bodies.map((b) => b.operation)).toEqual(['insert', 'update', 'delete']);
    expect(bodies[0]).toEqual({
      server_time: expect.any(Number),
      query_params: { tenant: 't-1' },
      module: 'Contacts',
      resource_uri: `${sandbox.baseUrl}/crm/v8/Contacts`,
      ids,
      affected_fields: [],
      operation: 'insert',
      channel_id: '1000000068001',
      token: 'TOKEN_FOR_VERIFICATION',
    });
    expect(bodies[1]).toMatchObject({ ids: [ids[0]], affected_fields: [{ [ids[0]]: ['Phone'] }] });
    expect(bodies[1]?.affected_values).toBeUndefined();
    expect(bodies[2]).toMatchObject({ ids: [ids[1]], operation: 'delete' });
    expect(hook.received[0]?.path).toBe('/zoho?tenant=t-1');
    expect(hook.received[0]?.headers['content-type']).toBe('application/json');
  });

  it('also notifies options.webhook with the secret as token, for every module', async () => {
    await api.post('/Accounts', { data: [{ Account_Name: 'Webhook Inc' }] });
    await sandbox.notifications.flush();
    expect(hook.received).toHaveLength(0);
    expect(defaultHook.received.map((r) => r.body)).toEqual([
      expect.objectContaining({
        module: 'Accounts',
        operation: 'insert',
        token: 'sandbox-secret',
        channel_id: DEFAULT_CHANNEL_ID,
      }),
    ]);
    expect(sandbox.settings.notificationChannelId).toBe(DEFAULT_CHANNEL_ID);
  });

  it('only sends the subscribed operations (Cases.edit: no insert)', async () => {
    const kase = await api.post('/Cases', { data: [{ Subject: 'Broken', Status: 'New' }] });
    await api.put(`/Cases/${kase.body.data[0].details.id}`, { data: [{ Status: 'Escalated' }] });
    await sandbox.notifications.flush();
    expect(hook.received.map((r) => [r.body.module, r.body.operation])).toEqual([['Cases', 'update']]);
  });

  it('returns affected values when asked to', async () => {
    await api.post('/actions/watch', {
      watch: [
        {
          channel_id: '1000000068002',
          events: ['Accounts.edit'],
          notify_url: `${hook.url}/values`,
          return_affected_field_values: true,
        },
      ],
    });
    const account = await api.post('/Accounts', { data: [{ Account_Name: 'Valued' }] });
    const id = account.body.data[0].details.id;
    await api.put(`/Accounts/${id}`, { data: [{ Website: 'https://valued.example' }] });
    await sandbox.notifications.flush();
    const update = hook.received.find((r) => r.path === '/values');
    expect(update?.body).toMatchObject({
      affected_fields: [{ [id]: ['Website'] }],
      affected_values: [{ record_id: id, values: { Website: 'https://valued.example' } }],
      token: null,
    });
  });

  it('lists channels, adds and removes events with PATCH, and disables with DELETE', async () => {
    const listed = await api.get('/actions/watch?channel_id=1000000068001');
    expect(listed.status).toBe(200);
    expect(listed.body.watch.map((w: { resource_name: string }) => w.resource_name)).toEqual(['Contacts', 'Cases']);
    expect(listed.body.watch[0]).toMatchObject({
      notify_url: `${hook.url}/zoho?tenant=t-1`,
      token: 'TOKEN_FOR_VERIFICATION',
      events: ['Contacts.all'],
    });

    const removed = await api.patch('/actions/watch', {
      watch: [{ channel_id: '1000000068001', events: ['Contacts.all'], _delete_events: true }],
    });
    expect(removed.status).toBe(200);
    await api.post('/Contacts', { data: [{ Last_Name: 'Unwatched' }] });
    await sandbox.notifications.flush();
    expect(hook.received).toHaveLength(0);

    const disabled = await api.delete('/actions/watch?channel_ids=1000000068001,1000000068002');
    expect(disabled.body.watch[0]).toMatchObject({ code: 'SUCCESS', details: { channel_id: '1000000068001' } });
    expect((await api.get('/actions/watch?channel_id=1000000068001')).status).toBe(204);
    expect((await api.delete('/actions/watch')).body).toMatchObject({
      code: 'REQUIRED_PARAM_MISSING',
      details: { param_name: 'channel_ids' },
    });
  });

  it('caps channel_expiry at one week (longer or absent means one hour)', async () => {
    const response = await api.post('/actions/watch', {
      watch: [
        {
          channel_id: '1000000068003',
          events: ['Contacts.create'],
          notify_url: hook.url,
          channel_expiry: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        },
      ],
    });
    const expiry = Date.parse(response.body.watch[0].details.events[0].channel_expiry);
    expect(expiry - Date.now()).toBeGreaterThan(55 * 60_000);
    expect(expiry - Date.now()).toBeLessThan(65 * 60_000);
    await api.delete('/actions/watch?channel_ids=1000000068003');
  });

  it('stops notifying an expired channel', async () => {
    await api.post('/actions/watch', {
      watch: [
        {
          channel_id: '1000000068004',
          events: ['Contacts.create'],
          notify_url: `${hook.url}/short`,
          channel_expiry: new Date(Date.now() + 200).toISOString(),
        },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await api.post('/Contacts', { data: [{ Last_Name: 'Too late' }] });
    await sandbox.notifications.flush();
    expect(hook.received.filter((r) => r.path === '/short')).toHaveLength(0);
  });

  it.each([
    [{ events: ['Contacts.all'], notify_url: 'http://x' }, 'MANDATORY_NOT_FOUND', 'channel_id'],
    [{ channel_id: '1', events: ['Contacts.all'] }, 'MANDATORY_NOT_FOUND', 'notify_url'],
    [{ channel_id: '1', notify_url: 'http://x' }, 'MANDATORY_NOT_FOUND', 'events'],
    [{ channel_id: 'abc', events: ['Contacts.all'], notify_url: 'http://x' }, 'INVALID_DATA', 'channel_id'],
    [{ channel_id: '1', events: ['Contacts.everything'], notify_url: 'http://x' }, 'INVALID_DATA', 'events'],
    [{ channel_id: '1', events: ['Leeds.all'], notify_url: 'http://x' }, 'INVALID_DATA', 'events'],
    [{ channel_id: '1', events: ['Contacts.all'], notify_url: 'ftp://x' }, 'INVALID_DATA', 'notify_url'],
    [
      { channel_id: '1', events: ['Contacts.all'], notify_url: 'http://x', token: 't'.repeat(51) },
      'INVALID_DATA',
      'token',
    ],
  ])('rejects the channel %j (%s %s)', async (channel, code, apiName) => {
    const response = await api.post('/actions/watch', { watch: [channel] });
    expect(response.status).toBe(400);
    expect(response.body.watch[0]).toMatchObject({ code, details: { api_name: apiName }, status: 'error' });
  });

  it('reports a mix of valid and invalid channels as 207, and rejects a missing watch array', async () => {
    const response = await api.post('/actions/watch', {
      watch: [
        { channel_id: '1000000068005', events: ['Contacts.all'], notify_url: hook.url },
        { channel_id: '1000000068006', events: [], notify_url: hook.url },
      ],
    });
    expect(response.status).toBe(207);
    expect((await api.post('/actions/watch', {})).body).toMatchObject({
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'watch' },
    });
    await api.delete('/actions/watch?channel_ids=1000000068005');
  });
});
