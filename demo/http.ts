/** A small fetch wrapper: every call the demo makes goes over real HTTP to the service or a sandbox. */
export interface HttpAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} answered ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'HttpError';
  }
}

export interface RequestOptions {
  /** Bearer token. */
  token?: string;
  /** Basic credentials (`user:password`), e.g. Zendesk's `email/token:apiToken`. */
  basic?: string;
  /** JSON body (serialised here). */
  json?: unknown;
  /** Exact body bytes (signed payloads must be sent as signed). */
  raw?: string;
  headers?: Record<string, string>;
  /** Statuses that are not an error for this call (default: 2xx). */
  accept?: (status: number) => boolean;
}

export async function request<T = unknown>(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) {
    headers.authorization = `Bearer ${options.token}`;
  }
  if (options.basic) {
    headers.authorization = `Basic ${Buffer.from(options.basic).toString('base64')}`;
  }
  let body: string | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
  }
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  const started = Date.now();
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  const ms = Date.now() - started;
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
    parsed = JSON.parse(text) as unknown;
  }
  const accept = options.accept ?? ((status: number) => status >= 200 && status < 300);
  if (!accept(response.status)) {
    throw new HttpError(method, url, response.status, parsed);
  }
  return { status: response.status, body: parsed as T, headers: response.headers, ms };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; onTimeout?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      const extra = options.onTimeout ? ` (${await options.onTimeout()})` : '';
      throw new Error(`timed out waiting for ${what}${extra}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
