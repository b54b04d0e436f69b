import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyStandardWebhook, type VerifyResult } from '../src/outbound/standard-webhooks';
import { brief } from './report';

/** One Standard Webhooks delivery from the service to the "chat system", as received and checked. */
export interface CallbackDelivery {
  webhookId: string;
  type: string;
  data: Record<string, unknown>;
  verdict: VerifyResult;
  receivedAt: string;
}

/** One vendor webhook the Zendesk sandbox sent, and what the service answered when it was passed on. */
export interface RelayedWebhook {
  type: string;
  ticketId: string | null;
  status: number;
  answer: string;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The demo's stand-in for the chat system's side, on one loopback port:
 *
 * - `POST /chat-callback` is the webhook endpoint registered with POST /v1/webhook-endpoints. Every delivery is
 *   verified with the endpoint's secret (Standard Webhooks) and printed as it arrives.
 * - `POST /zendesk-webhook` is where the Zendesk sandbox sends its signed ticket webhooks. A sandbox's webhook URL is
 *   fixed when it starts, but the service's URL for it, /v1/webhooks/crm/<connectorId>, exists only once the
 *   connector has been created (which needs the running sandbox). So this route passes each delivery on to that URL
 *   byte for byte with Zendesk's signature headers — the service verifies the vendor's signature itself — and hands
 *   the service's answer back to the sandbox.
 */
export class DemoReceiver {
  readonly deliveries: CallbackDelivery[] = [];
  readonly relayed: RelayedWebhook[] = [];
  /** The signing secret of the registered webhook endpoint (shown once by POST /v1/webhook-endpoints). */
  endpointSecret: string | undefined;
  /** The service's CRM webhook URL for the Zendesk connector, once it exists. */
  zendeskTarget: string | undefined;
  /**
   * Which relayed Zendesk webhooks to print as they pass (by ticket id). None while the script's own steps talk, only
   * the ticket at hand in step 5, all of them once the script is over (then they are the explorer's doing).
   */
  printRelayed: (ticketId: string | null) => boolean = () => false;
  private server: Server | undefined;
  private baseUrl = '';

  constructor(private readonly print: (line: string) => void) {}

  get callbackUrl(): string {
    return `${this.baseUrl}/chat-callback`;
  }

  get zendeskWebhookUrl(): string {
    return `${this.baseUrl}/zendesk-webhook`;
  }

  async start(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.print(`  receiver error: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) {
          res.writeHead(500).end();
        }
      });
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolveListen());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/chat-callback') {
      this.onCallback(req, body);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && req.url === '/zendesk-webhook') {
      await this.relayZendesk(req, body, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  private onCallback(req: IncomingMessage, body: Buffer): void {
    const header = (name: string): string => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(' ') : (value ?? '');
    };
    const raw = body.toString('utf8');
    const verdict: VerifyResult = this.endpointSecret
      ? verifyStandardWebhook({
          id: header('webhook-id'),
          timestamp: header('webhook-timestamp'),
          signature: header('webhook-signature'),
          body: raw,
          secret: this.endpointSecret,
        })
      : { ok: false, reason: 'bad_signature' };
    let parsed: { type?: string; data?: Record<string, unknown> } = {};
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      // Printed below as it came; the verdict already says whether it was ours.
    }
    const delivery: CallbackDelivery = {
      webhookId: header('webhook-id'),
      type: parsed.type ?? '(not JSON)',
      data: parsed.data ?? {},
      verdict,
      receivedAt: new Date().toISOString(),
    };
    // Delivery is at least once: a receiver dedupes on webhook-id (the same on every retry of one message).
    const repeat = this.deliveries.some((earlier) => earlier.webhookId === delivery.webhookId);
    this.deliveries.push(delivery);
    this.print(
      `  ⇐ chat system received ${delivery.type} (webhook-id ${delivery.webhookId}), signature ` +
        `${verdict.ok ? 'verified ✓' : `REJECTED (${verdict.reason})`}` +
        `${repeat ? ' — a repeat of a delivery already received (deduplicated on webhook-id)' : ''}\n` +
        `      ${brief(parsed.data ?? raw, 220)}`,
    );
  }

  private async relayZendesk(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    let type = '?';
    let ticketId: string | null = null;
    try {
      const payload = JSON.parse(body.toString('utf8')) as { type?: string; detail?: { id?: string } };
      type = payload.type ?? '?';
      ticketId = payload.detail?.id ?? null;
    } catch {
      // Passed on unchanged: the service decides what a malformed delivery is.
    }
    if (!this.zendeskTarget) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('connector not created yet');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if ((name.startsWith('x-zendesk-') || name === 'content-type' || name === 'user-agent') && value) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    const answer = await fetch(this.zendeskTarget, { method: 'POST', headers, body });
    const text = await answer.text();
    this.relayed.push({ type, ticketId, status: answer.status, answer: text });
    if (this.printRelayed(ticketId)) {
      this.print(
        `  ⇐ Zendesk sandbox webhook ${type.replace('zen:event-type:', '')} for ticket ${ticketId ?? '?'} → ` +
          `POST /v1/webhooks/crm/… → ${answer.status} ${brief(text, 80)}`,
      );
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(text);
  }
}
