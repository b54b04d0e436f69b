import type { Vendor } from '../test/sandbox';
import type { JournalEntry, RunningSandbox } from '../test/sandbox/common/sandbox.types';
import { request, waitFor, type HttpAnswer, type RequestOptions } from './http';
import type { DemoReceiver } from './receiver';
import { brief, type Reporter } from './report';
import type { RunningService } from './service';

export const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];

/** GET /v1/sessions/:id as the API documents it (src/events/events.controller.ts SessionView). */
export interface SessionView {
  id: string;
  externalId: string;
  status: 'open' | 'escalated' | 'closed';
  channel: string;
  tags: string[];
  csat: { rating: number; scale: number; comment: string | null } | null;
  priority: string | null;
  escalation: {
    escalatedAt: string;
    reason: string | null;
    case: { connectorId: string; kind: string; recordId: string; url: string | null; state?: string } | null;
  } | null;
  messageCount: number | null;
}

export interface Workspace {
  id: string;
  adminKey: string;
  chatKey: string;
  connectors: Record<Vendor, string>;
  chatwootPath: string;
  chatwootSecret: string;
}

/** Everything the scripted chats act on: the running service, the sandboxes, the receiver, the workspace. */
export class DemoWorld {
  workspace: Workspace | undefined;

  constructor(
    readonly report: Reporter,
    readonly service: RunningService,
    readonly sandboxes: Record<Vendor, RunningSandbox>,
    readonly receiver: DemoReceiver,
  ) {}

  get ws(): Workspace {
    if (!this.workspace) {
      throw new Error('the workspace was not set up');
    }
    return this.workspace;
  }

  /** A call to the service's API (base URL prepended). */
  api<T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
    return request<T>(method, `${this.service.baseUrl}${path}`, options);
  }

  /** POST /v1/events with the chat key, printed; checks every event was taken in. */
  async postEvents(events: Array<Record<string, unknown>>, label?: string): Promise<{ accepted: number }> {
    const types = events.map((event) => String(event.type)).join(', ');
    this.report.sent('POST', '/v1/events', `{events: [${label ?? types}]}`);
    const answer = await this.api<{ accepted: number; duplicate: number }>('POST', '/v1/events', {
      token: this.ws.chatKey,
      json: { events },
    });
    this.report.got(answer.status, JSON.stringify(answer.body), answer.ms);
    return answer.body;
  }

  session(sessionId: string): Promise<HttpAnswer<SessionView>> {
    return this.api<SessionView>('GET', `/v1/sessions/${encodeURIComponent(sessionId)}`, { token: this.ws.chatKey });
  }

  sessionUrl(sessionId: string): string {
    return `${this.service.baseUrl}/v1/sessions/${encodeURIComponent(sessionId)}`;
  }

  /** A sandbox's write journal, read over its control API (what the CRM accepted, in order). */
  async journal(vendor: Vendor): Promise<JournalEntry[]> {
    return (await request<JournalEntry[]>('GET', `${this.sandboxes[vendor].baseUrl}/__sandbox/journal`)).body;
  }

  journalUrl(vendor: Vendor, externalKey: string): string {
    return `${this.sandboxes[vendor].baseUrl}/__sandbox/journal?externalKey=${encodeURIComponent(externalKey)}`;
  }

  /** A Zendesk Support API call as the sandbox account's agent (Basic `{email}/token:{apiToken}`). */
  zendesk<T>(method: string, path: string, json?: unknown): Promise<HttpAnswer<T>> {
    const sandbox = this.sandboxes.zendesk;
    return request<T>(method, `${sandbox.settings.endpointUri}${path}`, {
      basic: `${sandbox.credentials.email}/token:${sandbox.credentials.apiToken}`,
      ...(json === undefined ? {} : { json }),
    });
  }

  /** Job counts from GET /metrics (jobs by state, and finished jobs by type and outcome). */
  async jobMetrics(): Promise<{ byState: Record<string, number>; finished: Array<[string, string, number]> }> {
    const text = (
      await request<string>('GET', `${this.service.baseUrl}/metrics`, { headers: { accept: 'text/plain' } })
    ).body;
    const byState: Record<string, number> = {};
    for (const match of text.matchAll(/^jobs\{state="(\w+)"\} (\d+)/gm)) {
      byState[match[1]] = Number(match[2]);
    }
    const finished: Array<[string, string, number]> = [];
    for (const match of text.matchAll(/^jobs_finished_total\{type="([^"]+)",outcome="(\w+)"\} (\d+)/gm)) {
      finished.push([match[1], match[2], Number(match[3])]);
    }
    return { byState, finished };
  }

  /** What a timed-out wait prints: the queue as /metrics reports it, so a dead or retrying job is visible. */
  async queueState(): Promise<string> {
    const { byState, finished } = await this.jobMetrics();
    const failed = finished.filter(([, outcome]) => outcome !== 'done');
    return `queue: ${JSON.stringify(byState)}${failed.length ? `; not done: ${brief(failed)}` : ''}; see ${this.service.logFile}`;
  }

  /** Waits for the worker's outcome (events are processed asynchronously), naming the queue state on timeout. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    return waitFor(what, probe, { timeoutMs, onTimeout: () => this.queueState() });
  }

  /** Waits until nothing is queued or running (GET /metrics), and returns the counts. */
  drained(): ReturnType<DemoWorld['jobMetrics']> {
    return this.waitFor('the job queue to drain', async () => {
      const current = await this.jobMetrics();
      return (current.byState.queued ?? 0) === 0 && (current.byState.running ?? 0) === 0 ? current : undefined;
    });
  }

  /**
   * The transcript records a session produced in each CRM, found in the sandboxes' write journals by the keys the
   * connectors write with (they carry the session's id). Waits until every CRM has the customer-visible one, then
   * for the queue to finish, so agents' private notes (a separate internal record, after the visible one) are listed
   * too.
   */
  async transcriptRecords(sessionUuid: string): Promise<Record<Vendor, JournalEntry[]>> {
    const transcriptObjects: Record<Vendor, string> = {
      salesforce: 'Task',
      hubspot: 'notes',
      zendesk: 'tickets',
      zoho: 'Notes',
    };
    const read = async (): Promise<Record<Vendor, JournalEntry[]>> => {
      const found = {} as Record<Vendor, JournalEntry[]>;
      for (const vendor of VENDORS) {
        found[vendor] = (await this.journal(vendor)).filter(
          (entry) =>
            entry.object === transcriptObjects[vendor] &&
            entry.operation !== 'delete' &&
            (entry.externalKey ?? '').includes(sessionUuid) &&
            !(entry.externalKey ?? '').includes('-case-'),
        );
      }
      return found;
    };
    await this.waitFor(`the transcript of session ${sessionUuid} in all four CRMs`, async () => {
      const found = await read();
      return VENDORS.every((vendor) => found[vendor].some((entry) => !isInternalRecord(entry))) ? found : undefined;
    });
    await this.drained();
    return read();
  }
}

/** The separate record that holds agents' private notes (its key says so). */
export function isInternalRecord(entry: JournalEntry): boolean {
  return (entry.externalKey ?? '').includes('-internal-');
}
