import { ZohoClient, type ZohoContext } from './zoho.client';

/** Collects the process's unhandled rejections while `body` runs (and for a few turns of the event loop after). */
async function unhandledRejectionsDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

describe('ZohoClient', () => {
  it('still observes a token refresh it waited on when the call deadline had already passed', async () => {
    // Found by the reliability hang run: a job's deadline ran out, its next call joined a token refresh that then
    // hung, and the refresh's late rejection had no handler, which crashes the worker process.
    let failRefresh!: (error: Error) => void;
    const refresh = new Promise<never>((_resolve, reject) => {
      failRefresh = reject;
    });
    const ctx = {
      workspaceId: 'w',
      connectorId: 'c',
      kind: 'zoho',
      settings: { apiDomain: 'https://www.zohoapis.com', accountsUrl: 'https://accounts.zoho.com' },
      auth: { current: () => refresh, afterRejection: () => refresh },
      signal: AbortSignal.abort(),
    } as unknown as ZohoContext;

    const unhandled = await unhandledRejectionsDuring(async () => {
      await expect(new ZohoClient(ctx).get('/Contacts')).rejects.toMatchObject({ code: 'timeout' });
      failRefresh(new Error('the accounts server did not answer'));
    });

    expect(unhandled).toEqual([]);
  });
});
