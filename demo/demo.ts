/**
 * `npm run demo`: the four CRM sandboxes, the real service (API + worker on SQLite, its own process), a workspace
 * with connectors, and scripted chats played over HTTP — then it keeps running so the URLs can be explored.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { startAllSandboxes, type Vendor } from '../test/sandbox';
import { DemoReceiver } from './receiver';
import { Reporter, type StepResult } from './report';
import {
  angryCustomer,
  crmAgentReply,
  japaneseChat,
  lowCsat,
  orderQuestion,
  queueCheck,
  setupWorkspace,
  ZENDESK_WEBHOOK_SECRET,
} from './script';
import { assertPortFree, DemoSetupError, startService } from './service';
import { DemoWorld, VENDORS } from './world';

export interface DemoOptions {
  /** Where the embedded database, generated secrets and the service log go; wiped at start. Default ./data/demo. */
  dataDir?: string;
  /** Any free ports instead of the fixed defaults (service 3000, receiver 4100, sandboxes 4101–4104). */
  freePorts?: boolean;
  /** Service port (default 3000). */
  port?: number;
  /** First of five consecutive ports: the callback receiver, then the four sandboxes (default 4100). */
  portBase?: number;
  /** Output (default: stdout). */
  write?: (text: string) => void;
}

export interface RunningDemo {
  results: StepResult[];
  ok: boolean;
  /** Stops the service (gracefully), the sandboxes and the receiver. Safe to call twice. */
  stop(): Promise<void>;
}

/** Marks a folder as the demo's own, so wiping it at start can never delete anything else. */
const MARKER = '.chat-crm-bridge-demo';

function prepareDataDir(dataDir: string): void {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !existsSync(resolve(dataDir, MARKER))) {
    throw new DemoSetupError(`${dataDir} is not empty and was not made by the demo: refusing to wipe it`);
  }
  // A fresh store every run, so reruns show the same script from the same state.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(resolve(dataDir, MARKER), 'Wiped and recreated by every `npm run demo`.\n');
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const report = new Reporter(write);
  const dataDir = resolve(options.dataDir ?? 'data/demo');
  const shown = (path: string) =>
    relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
  const servicePort = options.freePorts ? 0 : (options.port ?? 3000);
  const portBase = options.freePorts ? undefined : (options.portBase ?? 4100);

  const stops: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    for (const step of stops.reverse()) {
      await step().catch((error: unknown) => write(`  (while stopping: ${String(error)})\n`));
    }
  };

  report.heading('chat-crm-bridge demo');
  report.line(`data folder ${shown(dataDir)} (wiped at every start)`, 0);
  let world: DemoWorld | undefined;
  const setupOk = await report.step('Setup: CRM sandboxes, the service, a workspace with connectors', async () => {
    // Ports first: a demo already running on them must not lose its data folder to this one.
    if (portBase !== undefined) {
      const hint = 'Stop whatever uses it (another demo, `npm start`, `npm run sandbox`?), or run with --free-ports.';
      await assertPortFree(servicePort, 'the service', `${hint} DEMO_PORT=… picks another service port.`);
      for (let offset = 0; offset <= VENDORS.length; offset += 1) {
        const what = offset === 0 ? 'the callback receiver' : `the ${VENDORS[offset - 1]} sandbox`;
        await assertPortFree(
          portBase + offset,
          what,
          `${hint} DEMO_PORT_BASE=… moves ports ${portBase}–${portBase + 4}.`,
        );
      }
    }

    prepareDataDir(dataDir);

    const receiver = new DemoReceiver((line) => write(`${line}\n`));
    await receiver.start(portBase ?? 0);
    stops.push(() => receiver.stop());

    const sandboxes = await startAllSandboxes((vendor: Vendor) => ({
      ...(portBase === undefined ? {} : { port: portBase + 1 + VENDORS.indexOf(vendor) }),
      ...(vendor === 'zendesk' ? { webhook: { url: receiver.zendeskWebhookUrl, secret: ZENDESK_WEBHOOK_SECRET } } : {}),
    }));
    stops.push(() => sandboxes.stop());
    report.line('CRM sandboxes (local, wire-faithful Salesforce, HubSpot, Zendesk and Zoho CRM; seeded customers):');
    for (const vendor of VENDORS) {
      report.line(
        `${vendor.padEnd(10)} ${sandboxes[vendor].baseUrl}   write journal: ${sandboxes[vendor].baseUrl}/__sandbox/journal`,
        2,
      );
    }

    const service = await startService({ dataDir, port: servicePort });
    stops.push(() => service.stop());
    report.line(
      `service: API + worker on SQLite, its own process, ready in ${service.startMs} ms → ${service.baseUrl}`,
    );
    report.link('API docs', `${service.baseUrl}/docs`);
    report.link('log', shown(service.logFile));
    report.link('root token', `${shown(resolve(dataDir, 'root-token'))}`);

    world = new DemoWorld(report, service, sandboxes, receiver);
    await setupWorkspace(world);
  });

  if (!setupOk || !world) {
    await stop();
    return { results: report.results, ok: false, stop };
  }
  const demo = world;
  await report.step('1. English order question → merged context, transcript in every CRM', () => orderQuestion(demo));
  let ticketId: string | undefined;
  await report.step('2. Angry customer → escalated to a prioritised Zendesk ticket', async () => {
    ticketId = await angryCustomer(demo);
  });
  await report.step('3. CSAT of 1 → follow-up case', () => lowCsat(demo));
  await report.step('4. Japanese chat through Chatwoot (phone 090-…, region JP)', () => japaneseChat(demo));
  await report.step('5. A Zendesk agent replies and solves the ticket → the chat system is called back', () =>
    crmAgentReply(demo, ticketId),
  );
  await report.step('Queue check: every job the chats caused has run', () => queueCheck(demo));

  // From here on, whatever reaches the receiver is the explorer's doing: print all of it.
  demo.receiver.printRelayed = () => true;
  printUrls(demo, shown, ticketId);
  const failed = report.failed;
  report.heading(
    failed.length === 0
      ? `All ${report.results.length} steps succeeded`
      : `${failed.length} of ${report.results.length} steps FAILED: ${failed.map((result) => result.title).join('; ')}`,
  );
  return { results: report.results, ok: failed.length === 0, stop };
}

/** Where to look afterwards, with the keys to look with (a local demo: printing them is the point). */
function printUrls(world: DemoWorld, shown: (path: string) => string, ticketId: string | undefined): void {
  const base = world.service.baseUrl;
  const chatKey = world.ws.chatKey;
  const r = world.report;
  r.line('\nExplore:', 0);
  r.line(`API docs        ${base}/docs`);
  r.line(`chat key        ${chatKey}`);
  r.line(`admin key       ${world.ws.adminKey}`);
  r.line(`root token      in ${shown(resolve(world.service.logFile, '../root-token'))}`);
  r.line(`open cases      curl -s '${base}/v1/cases?status=open' -H 'Authorization: Bearer ${chatKey}'`);
  r.line(`a session       curl -s ${base}/v1/sessions/web-1002 -H 'Authorization: Bearer ${chatKey}'`);
  r.line(`context         curl -s ${base}/v1/sessions/web-1001/context -H 'Authorization: Bearer ${chatKey}'`);
  for (const vendor of VENDORS) {
    r.line(`${vendor.padEnd(15)} ${world.sandboxes[vendor].baseUrl}/__sandbox/journal (every write it accepted)`);
  }
  r.line(`callbacks       ${world.receiver.callbackUrl} (deliveries are printed as they arrive)`);
  if (ticketId) {
    // Reply as the Zendesk agent again: the sandbox's webhook reaches the service and the callback is printed here.
    const zendesk = world.sandboxes.zendesk;
    r.line(
      `agent reply     curl -s -X PUT ${zendesk.settings.endpointUri}/tickets/${ticketId}.json ` +
        `-u '${zendesk.credentials.email}/token:${zendesk.credentials.apiToken}' -H 'content-type: application/json' ` +
        `-d '{"ticket":{"comment":{"body":"Anything else I can do?","public":true}}}'`,
    );
  }
  r.line(`service log     ${shown(world.service.logFile)}`);
}
