import jsforce, { type Connection } from 'jsforce';
import { setDefaults } from 'jsforce/lib/request';
import type { RunningSalesforceSandbox } from './salesforce.sandbox';

/**
 * jsforce retries GET/PUT/DELETE on 420/429/5xx and on connection resets up to 5 times (0.5 s .. 8 s backoff).
 * Tests turn that off process-wide so an injected 500 or reset surfaces at once. setDefaults replaces the module's
 * defaults object wholesale, hence followRedirect is repeated here.
 */
export function disableJsforceRetries(): void {
  setDefaults({ followRedirect: true, retry: { maxRetries: 0 } });
}

export const API_VERSION = '62.0';

/** A connection the way the bridge will build one: OAuth client + refresh token, no access token yet. */
export function connectWithRefreshToken(
  sandbox: RunningSalesforceSandbox,
  refreshToken = sandbox.credentials.refreshToken,
): Connection {
  return new jsforce.Connection({
    oauth2: {
      clientId: sandbox.credentials.clientId,
      clientSecret: sandbox.credentials.clientSecret,
      loginUrl: sandbox.credentials.loginUrl,
    },
    instanceUrl: sandbox.credentials.instanceUrl,
    refreshToken,
    version: API_VERSION,
  });
}

/** A connection with a ready access token and no way to refresh it. */
export function connectWithAccessToken(
  sandbox: RunningSalesforceSandbox,
  accessToken = sandbox.issueAccessToken(),
): Connection {
  return new jsforce.Connection({ instanceUrl: sandbox.baseUrl, accessToken, version: API_VERSION });
}

/** The error jsforce throws (HttpApiError is not exported, so tests look at its fields). */
export async function caught(
  promise: PromiseLike<unknown>,
): Promise<Error & { errorCode?: string; data?: unknown; name: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { errorCode?: string; data?: unknown };
  }
  throw new Error('expected the call to fail');
}
