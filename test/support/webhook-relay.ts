import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A sandbox sends its webhooks to a URL fixed when it starts, but our route carries the connector id, known only
 * after the connector exists. Sandboxes post here; the relay forwards each request to `target` (method, headers,
 * raw body) and answers with the target's status, content type and body, so the sender sees our real answer.
 * `hold()` keeps requests unanswered until `release()`: a webhook that arrives late, after a pull.
 */
export interface WebhookRelay {
  url: string;
  target: string | undefined;
  hold(): void;
  /** Forwards the held requests (in arrival order) and stops holding. */
  release(): Promise<void>;
  /** Requests seen so far, with the status our service answered (0 = not forwarded). */
  log: Array<{ path: string; status: number; contentType: string | null; body: string }>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

export async function startWebhookRelay(): Promise<WebhookRelay> {
  let holding = false;
  const held: Array<() => Promise<void>> = [];
  const relay: WebhookRelay = {
    url: '',
    target: undefined,
    log: [],
    hold: () => {
      holding = true;
    },
    release: async () => {
      holding = false;
      for (const forward of held.splice(0)) {
        await forward();
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  async function forward(
    request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
    answer: (status: number, contentType: string | null, body: Buffer) => void,
  ): Promise<void> {
    const entry = { path: request.path, status: 0, contentType: null as string | null, body: '' };
    relay.log.push(entry);
    if (!relay.target) {
      answer(503, null, Buffer.alloc(0));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    try {
      const response = await fetch(relay.target, { method: request.method, headers, body: request.body });
      const body = Buffer.from(await response.arrayBuffer());
      Object.assign(entry, {
        status: response.status,
        contentType: response.headers.get('content-type'),
        body: body.toString('utf8'),
      });
      answer(response.status, entry.contentType, body);
    } catch {
      answer(502, null, Buffer.alloc(0));
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? 'POST',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const run = () =>
        forward(request, (status, contentType, body) => {
          res.writeHead(status, contentType ? { 'content-type': contentType } : {}).end(body);
        });
      if (holding) {
        held.push(run);
      } else {
        void run();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return relay;
}
