/**
 * The scripted chats. Each step sends what a chat system (or a CRM agent) would send, waits for the service's
 * asynchronous outcome by polling (never a fixed sleep), checks it, and prints it with links.
 */
import { randomBytes } from 'node:crypto';
import type { ContextOrder, ContextRecord, VisitorContext } from '../src/enrichment/enrichment.types';
import type { Vendor } from '../test/sandbox';
import { FIXTURE, seedPeople } from '../test/sandbox/common/seed-data';
import type { JournalEntry, SeedPerson } from '../test/sandbox/common/sandbox.types';
import { connectorBodyFor } from '../test/sandbox/connector-bodies';
import {
  conversationCreated,
  conversationResolved,
  messageCreated,
  signedDelivery,
  type ChatwootConversationState,
} from './chatwoot';
import { request } from './http';
import { brief, check } from './report';
import { isInternalRecord, VENDORS, type DemoWorld, type SessionView } from './world';

/** Roles per connector: every CRM is enriched from and receives transcripts; Zendesk, the helpdesk, takes cases. */
export const ROLES: Record<Vendor, string[]> = {
  salesforce: ['enrich', 'transcripts'],
  hubspot: ['enrich', 'transcripts'],
  // A helpdesk creates requesters for unknown chatters anyway, so an unknown angry visitor can still get a ticket.
  zendesk: ['enrich', 'transcripts', 'escalation', 'create_if_missing'],
  zoho: ['enrich', 'transcripts'],
};

/** The Zendesk webhook signing secret (GET /api/v2/webhooks/{id}/signing_secret in a real account). */
export const ZENDESK_WEBHOOK_SECRET = randomBytes(24).toString('base64');
const CHATWOOT_ACCOUNT_ID = 7;
const PRIORITY_RANK = ['low', 'normal', 'high', 'urgent'];

const mask = (secret: string): string => `${secret.slice(0, 12)}…`;
const money = (total: number | null, currency: string | null): string =>
  total === null ? '?' : `${total.toLocaleString('en-US')} ${currency ?? ''}`.trim();

/** Chat timestamps: the scripted conversations happened over the last few minutes. */
function clock(startMinutesAgo: number): (minute: number) => string {
  const start = Date.now() - startMinutesAgo * 60_000;
  return (minute: number) => new Date(start + minute * 60_000).toISOString();
}

function printContext(world: DemoWorld, context: VisitorContext): void {
  const r = world.report;
  const contact = context.contact;
  if (contact) {
    const from = (source: { kind: string }) => `from ${source.kind}`;
    r.line(
      `contact: ${contact.name ? `${contact.name.value} (${from(contact.name.source)})` : '(no name)'}` +
        `${contact.company ? `, ${contact.company.value} (${from(contact.company.source)})` : ''}` +
        `${contact.tier ? `, tier ${contact.tier.value} (${from(contact.tier.source)})` : ''}${contact.vip ? ', VIP' : ''}`,
      2,
    );
    // Each distinct value once (the merge already dropped repeats), credited to the first CRM that had it.
    const distinct = (values: Array<{ value: string; source: { kind: string } }>) =>
      values.map((item) => `${item.value} (${from(item.source)})`).join(', ');
    r.line(`emails: ${distinct(contact.emails) || '–'}; phones: ${distinct(contact.phones) || '–'}`, 2);
  } else {
    r.line('contact: none of the CRMs knows this visitor', 2);
  }
  for (const record of context.records) {
    r.line(
      `found in ${record.kind.padEnd(10)} ${record.object} ${record.id} (matched by ${record.matchedBy}` +
        `${record.ambiguous ? `, AMBIGUOUS: ${record.candidates.length} other candidate(s)` : ''}) ${record.url ?? ''}`,
      2,
    );
  }
  const fromKinds = (items: Array<{ source: { kind: string } }>) =>
    items.length === 0
      ? '0'
      : `${items.length} (from ${[...new Set(items.map((item) => item.source.kind))].join(', ')})`;
  r.line(
    `orders ${fromKinds(context.orders)} · notes ${fromKinds(context.notes)} · open cases ${fromKinds(context.openCases)} · ` +
      `earlier chats ${context.history.length}`,
    2,
  );
  r.line(
    `sources: ${context.sources.map((source) => `${source.kind} ${source.status}${source.latencyMs === null ? '' : ` ${source.latencyMs} ms`}`).join(' · ')}`,
    2,
  );
}

function describeOrder(order: ContextOrder): string {
  const items = order.items.map((item) => `${item.quantity}× ${item.name}`).join(', ');
  return `${order.number} — ${order.status ?? '?'}, ${money(order.total, order.currency)}, placed ${order.placedAt?.slice(0, 10) ?? '?'} (${items}) from ${order.source.kind}`;
}

function kindsOf(records: ContextRecord[]): Set<string> {
  return new Set(records.map((record) => record.kind));
}

async function enrich(world: DemoWorld, body: Record<string, unknown>): Promise<VisitorContext> {
  world.report.sent('POST', '/v1/enrich', brief(body, 200));
  const answer = await world.api<VisitorContext>('POST', '/v1/enrich', { token: world.ws.chatKey, json: body });
  world.report.got(answer.status, '', answer.ms);
  printContext(world, answer.body);
  return answer.body;
}

/** The transcript records of one session in the four CRMs, printed with their record ids and journal links. */
async function showTranscripts(
  world: DemoWorld,
  session: SessionView,
): Promise<{ records: JournalEntry[]; transcript: string }> {
  const r = world.report;
  r.line(`… the worker pushes the transcript to every CRM with the transcripts role (polling the sandboxes' journals)`);
  const records = await world.transcriptRecords(session.id);
  for (const vendor of VENDORS) {
    for (const entry of records[vendor]) {
      r.line(
        `${vendor.padEnd(10)} ${entry.object} ${entry.recordId}${isInternalRecord(entry) ? ' INTERNAL (private notes)' : ''} ` +
          `(${entry.operation}, key ${brief(entry.externalKey ?? '', 60)})`,
        2,
      );
      r.link('   journal', world.journalUrl(vendor, entry.externalKey ?? ''), 2);
    }
  }
  // Read one back through the CRM's own API, as an agent would see it: Zendesk keeps it as a solved ticket.
  const visible = records.zendesk.find((entry) => !isInternalRecord(entry));
  check(visible, 'no customer-visible transcript in Zendesk');
  const ticketId = visible.recordId;
  const comments = await world.zendesk<{ comments: Array<{ body: string; public: boolean }> }>(
    'GET',
    `/tickets/${ticketId}/comments.json`,
  );
  const text = comments.body.comments.map((comment) => comment.body).join('\n');
  r.line(`read back: GET ${world.sandboxes.zendesk.settings.endpointUri}/tickets/${ticketId}/comments.json →`, 2);
  for (const line of text
    .split('\n')
    .filter((candidate) => candidate.trim() !== '')
    .slice(0, 9)) {
    r.line(`   │ ${line}`, 2);
  }
  return { records: VENDORS.flatMap((vendor) => records[vendor]), transcript: text };
}

// ---------------------------------------------------------------------------------------------------------------

export async function setupWorkspace(world: DemoWorld): Promise<void> {
  const r = world.report;
  const workspaceBody = { name: 'Acme Support (demo)', defaultRegion: 'JP', timeZone: 'Asia/Tokyo' };
  r.sent('POST', '/v1/workspaces', `${JSON.stringify(workspaceBody)} (root token)`);
  const workspace = await world.api<{ id: string; apiKey: string }>('POST', '/v1/workspaces', {
    token: world.service.rootToken,
    json: workspaceBody,
  });
  const created = workspace.body;
  r.got(workspace.status, `workspace ${created.id}, admin key ${mask(created.apiKey)} (shown once)`, workspace.ms);
  const adminKey = created.apiKey;

  const keyBody = { name: 'chat widget', scopes: ['chat'] };
  r.sent('POST', '/v1/api-keys', JSON.stringify(keyBody));
  const key = await world.api<{ apiKey: string }>('POST', '/v1/api-keys', { token: adminKey, json: keyBody });
  r.got(key.status, `chat key ${mask(key.body.apiKey)}`, key.ms);

  const connectors = {} as Record<Vendor, string>;
  r.sent(
    'POST',
    '/v1/connectors',
    '×4 (the body `npm run sandbox` prints for each), then POST /v1/connectors/:id/test',
  );
  for (const vendor of VENDORS) {
    const body = connectorBodyFor(world.sandboxes[vendor], ROLES[vendor]);
    const json =
      vendor === 'zendesk'
        ? { ...body, credentials: { ...body.credentials, webhookSecret: ZENDESK_WEBHOOK_SECRET } }
        : body;
    const connector = await world.api<{ id: string; status: string; roles: string[]; credentialsHint: string | null }>(
      'POST',
      '/v1/connectors',
      { token: adminKey, json },
    );
    connectors[vendor] = connector.body.id;
    const test = await world.api<{ verdict: string; latencyMs: number; account: string | null }>(
      'POST',
      `/v1/connectors/${connector.body.id}/test`,
      { token: adminKey },
    );
    check(test.body.verdict === 'ok', `${vendor} connector live test answered ${test.body.verdict}`);
    r.line(
      `${vendor.padEnd(10)} ← ${connector.status} ${connector.body.id} [${connector.body.roles.join(', ')}], credentials ` +
        `${connector.body.credentialsHint ?? '(hidden)'}; live test: ${test.body.verdict} in ${test.body.latencyMs} ms` +
        `${test.body.account ? ` (${test.body.account})` : ''}`,
      2,
    );
  }

  const endpointBody = { url: world.receiver.callbackUrl, eventTypes: ['case.solved', 'case.agent_replied'] };
  r.sent('POST', '/v1/webhook-endpoints', JSON.stringify(endpointBody));
  const endpoint = await world.api<{ id: string; secret: string }>('POST', '/v1/webhook-endpoints', {
    token: adminKey,
    json: endpointBody,
  });
  world.receiver.endpointSecret = endpoint.body.secret;
  r.got(
    endpoint.status,
    `endpoint ${endpoint.body.id}, signing secret ${mask(endpoint.body.secret)} (the receiver verifies every delivery with it)`,
    endpoint.ms,
  );

  const chatwootSecret = randomBytes(18).toString('base64url');
  const sourceBody = {
    name: 'Chatwoot (demo account 7)',
    signatureMode: 'enforce',
    accountId: String(CHATWOOT_ACCOUNT_ID),
    secret: chatwootSecret,
  };
  r.sent('POST', '/v1/chat-sources', brief({ ...sourceBody, secret: '…' }));
  const source = await world.api<{ id: string; webhookPath: string }>('POST', '/v1/chat-sources', {
    token: adminKey,
    json: sourceBody,
  });
  r.got(source.status, `Chatwoot webhook URL: ${world.service.baseUrl}${source.body.webhookPath}`, source.ms);

  world.receiver.zendeskTarget = `${world.service.baseUrl}/v1/webhooks/crm/${connectors.zendesk}`;
  r.line(
    `Zendesk sandbox webhooks (signed by Zendesk's scheme) → ${world.receiver.zendeskWebhookUrl} → ` +
      `${world.receiver.zendeskTarget}`,
  );
  world.workspace = {
    id: created.id,
    adminKey,
    chatKey: key.body.apiKey,
    connectors,
    chatwootPath: source.body.webhookPath,
    chatwootSecret,
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** 1. An English order question: merged context with the order first, then the transcript in every CRM. */
export async function orderQuestion(world: DemoWorld): Promise<void> {
  const r = world.report;
  const sessionId = 'web-1001';
  const emma = FIXTURE.english;
  const question = 'Hi! Where is my order 245-12784? It was supposed to arrive on Monday.';
  r.line(`${emma.fullName} <${emma.email}> opens the chat widget and asks: "${question}"`);
  const context = await enrich(world, {
    sessionId,
    visitor: { email: emma.email, name: emma.fullName },
    message: question,
  });
  check(kindsOf(context.records).size >= 2, `expected the contact in at least two CRMs, got ${context.records.length}`);
  const order = context.referencedOrder;
  check(order !== null && order.number.includes('245-12784'), 'referencedOrder should be order 245-12784');
  check(context.orders[0]?.number === order.number, 'the referenced order should come first in orders');
  r.line(`referencedOrder (first of ${context.orders.length} orders): ${describeOrder(order)}`, 2);

  const at = clock(6);
  const items = order.items.map((item) => `${item.quantity}× ${item.name}`).join(' and ');
  const events = [
    {
      type: 'session.started',
      id: `${sessionId}-1`,
      sessionId,
      occurredAt: at(0),
      channel: 'web',
      visitor: { email: emma.email, name: emma.fullName },
    },
    {
      type: 'message.created',
      id: `${sessionId}-2`,
      sessionId,
      occurredAt: at(0.2),
      message: { id: 'm1', author: 'visitor', text: question },
    },
    {
      type: 'message.created',
      id: `${sessionId}-3`,
      sessionId,
      occurredAt: at(1),
      message: {
        id: 'm2',
        author: 'agent',
        authorName: 'Alice',
        // The agent answers from the context the widget just showed her.
        text: `Hi ${emma.firstName}! Order ${order.number} (${items}) is ${order.status ?? 'on its way'}; the carrier expects to deliver it tomorrow.`,
      },
    },
    {
      type: 'message.created',
      id: `${sessionId}-4`,
      sessionId,
      occurredAt: at(1.5),
      message: {
        id: 'm3',
        author: 'agent',
        authorName: 'Alice',
        text: 'VIP customer: offer express re-shipping if it is not there by Friday.',
        private: true,
      },
    },
    {
      type: 'message.created',
      id: `${sessionId}-5`,
      sessionId,
      occurredAt: at(2),
      message: { id: 'm4', author: 'visitor', text: 'Great, thank you so much!' },
    },
    { type: 'session.closed', id: `${sessionId}-6`, sessionId, occurredAt: at(3) },
  ];
  const first = await world.postEvents(
    events,
    'session.started, message.created ×4 (one a private agent note), session.closed',
  );
  check(first.accepted === events.length, `expected ${events.length} events accepted`);
  r.line('the same batch again, as a chat system retrying after a timeout:', 1);
  const replay = await world.postEvents(events, '…the same 6 events…');
  check(replay.accepted === 0, 'a replayed batch must change nothing');

  const session = (await world.session(sessionId)).body;
  const { records, transcript } = await showTranscripts(world, session);
  const internal = records.filter(isInternalRecord);
  check(!transcript.includes('VIP customer: offer express'), 'the private note leaked into the transcript');
  const after = await world.session(sessionId);
  check(after.body.status === 'closed', `session status ${after.body.status}`);
  r.line(
    `GET /v1/sessions/${sessionId} → status ${after.body.status}, ${after.body.messageCount} messages stored; the private note is in no customer-visible transcript` +
      (internal.length > 0
        ? `, only in the internal record(s) ${internal.map((entry) => entry.recordId).join(', ')}`
        : ''),
  );
  r.link('session', world.sessionUrl(sessionId));
}

// ---------------------------------------------------------------------------------------------------------------

/** 2. An angry customer nobody knows yet: strongly negative sentiment, escalated to a Zendesk ticket. */
export async function angryCustomer(world: DemoWorld): Promise<string> {
  const r = world.report;
  const sessionId = 'web-1002';
  const visitor = { email: 'jordan.blake@example.org', name: 'Jordan Blake' };
  r.line(`${visitor.name} <${visitor.email}>, in none of the CRMs, is furious about a refund`);
  const context = await enrich(world, {
    sessionId,
    visitor,
    message: 'Where is my refund??',
  });
  const zendesk = context.records.find((record) => record.kind === 'zendesk');
  if (zendesk) {
    r.line(`Zendesk has the create_if_missing role: it now knows them as user ${zendesk.id} (${zendesk.matchedBy})`, 2);
  }
  const at = clock(5);
  const lines = [
    'This is the third time I am writing. My refund for the broken headphones STILL has not arrived.',
    'This is absolutely unacceptable. Worst service ever, I am furious and I want my money back today!',
  ];
  const events = [
    { type: 'session.started', id: `${sessionId}-1`, sessionId, occurredAt: at(0), channel: 'web', visitor },
    {
      type: 'message.created',
      id: `${sessionId}-2`,
      sessionId,
      occurredAt: at(0.3),
      message: { id: 'm1', author: 'visitor', text: lines[0] },
    },
    {
      type: 'message.created',
      id: `${sessionId}-3`,
      sessionId,
      occurredAt: at(1),
      message: {
        id: 'm2',
        author: 'agent',
        authorName: 'Bob',
        text: 'I am very sorry, Jordan. I am handing this to our escalations team right now.',
      },
    },
    {
      type: 'message.created',
      id: `${sessionId}-4`,
      sessionId,
      occurredAt: at(1.5),
      message: { id: 'm3', author: 'visitor', text: lines[1] },
    },
    {
      type: 'session.escalated',
      id: `${sessionId}-5`,
      sessionId,
      occurredAt: at(2),
      reason: 'Angry customer: refund overdue',
      priorityHint: 'normal',
    },
  ];
  await world.postEvents(events, 'session.started, message.created ×3, session.escalated (priorityHint normal)');
  r.line('… the worker creates the case in the escalation connector (polling GET /v1/sessions/:id)');
  const session = await world.waitFor('the escalation case on the session', async () => {
    const current = (await world.session(sessionId)).body;
    return current.escalation?.case ? current : undefined;
  });
  const caseRef = session.escalation?.case;
  check(caseRef, 'the session should carry its case reference');
  check(session.status === 'escalated', `session status ${session.status}`);
  check(
    PRIORITY_RANK.indexOf(session.priority ?? '') > PRIORITY_RANK.indexOf('normal'),
    `priority ${session.priority}: the strongly negative conversation should raise the normal hint`,
  );
  r.line(
    `GET /v1/sessions/${sessionId} → status ${session.status}, priority ${session.priority} (hint was normal), ` +
      `caseRef ${caseRef.kind} ticket ${caseRef.recordId} ${caseRef.url ?? ''}`,
  );
  r.link('session', world.sessionUrl(sessionId));

  // The ticket as the helpdesk agent sees it, read back through the Zendesk API.
  const ticket = await world.zendesk<{ ticket: { subject: string; priority: string; status: string } }>(
    'GET',
    `/tickets/${caseRef.recordId}.json`,
  );
  r.line(
    `read back: GET …/api/v2/tickets/${caseRef.recordId}.json → "${ticket.body.ticket.subject}", ` +
      `priority ${ticket.body.ticket.priority}, status ${ticket.body.ticket.status}`,
    2,
  );
  const comments = await world.zendesk<{ comments: Array<{ body: string; public: boolean }> }>(
    'GET',
    `/tickets/${caseRef.recordId}/comments.json`,
  );
  const sentimentLine = comments.body.comments
    .flatMap((comment) => comment.body.split('\n'))
    .find((line) => line.startsWith('Sentiment:'));
  check(sentimentLine?.includes('negative'), `the case's transcript should show negative sentiment (${sentimentLine})`);
  r.line(`the transcript on the ticket (internal comment) says → ${sentimentLine}`, 2);
  r.link('journal', world.journalUrl('zendesk', `ccb-case-${session.id}-escalation`));

  const open = await world.api<SessionView[]>('GET', '/v1/cases?status=open', { token: world.ws.chatKey });
  check(
    open.body.some((item) => item.externalId === sessionId),
    'GET /v1/cases?status=open should list the escalated chat',
  );
  r.line(
    `GET /v1/cases?status=open → ${open.body
      .map(
        (item) =>
          `${item.externalId} (${item.priority}, ${item.escalation?.case?.kind} ${item.escalation?.case?.recordId})`,
      )
      .join(', ')}`,
  );
  return caseRef.recordId;
}

// ---------------------------------------------------------------------------------------------------------------

/** A seeded customer in all four CRMs, without duplicates, who is not one of the fixtures other demos use. */
function ordinaryCustomer(): SeedPerson {
  const person = seedPeople(1, 200).find(
    (candidate, index) =>
      index >= 7 &&
      candidate.locale === 'en-US' &&
      candidate.presentIn.length === VENDORS.length &&
      candidate.duplicateIn.length === 0,
  );
  check(person, 'no suitable seeded customer');
  return person;
}

/** 3. A CSAT of 1 after a closed chat: a follow-up case. */
export async function lowCsat(world: DemoWorld): Promise<void> {
  const r = world.report;
  const sessionId = 'web-1003';
  const person = ordinaryCustomer();
  const visitor = { email: person.email, name: person.fullName };
  r.line(`${person.fullName} <${person.email}> (a seeded customer) waited for a call back that never came`);
  const at = clock(4);
  const events = [
    { type: 'session.started', id: `${sessionId}-1`, sessionId, occurredAt: at(0), channel: 'web', visitor },
    {
      type: 'message.created',
      id: `${sessionId}-2`,
      sessionId,
      occurredAt: at(0.2),
      message: { id: 'm1', author: 'visitor', text: 'Hi, I was promised a call back yesterday about my invoice.' },
    },
    {
      type: 'message.created',
      id: `${sessionId}-3`,
      sessionId,
      occurredAt: at(1),
      message: { id: 'm2', author: 'agent', authorName: 'Chloe', text: 'Sorry! I have asked billing to call you.' },
    },
    { type: 'session.closed', id: `${sessionId}-4`, sessionId, occurredAt: at(2) },
    {
      type: 'csat.submitted',
      id: `${sessionId}-5`,
      sessionId,
      occurredAt: at(3),
      rating: 1,
      scale: 5,
      comment: 'Still nobody called me.',
    },
  ];
  await world.postEvents(events, 'session.started, message.created ×2, session.closed, csat.submitted (1 of 5)');
  const session = (await world.session(sessionId)).body;
  check(session.csat?.rating === 1, 'the session should keep the CSAT');
  r.line(`GET /v1/sessions/${sessionId} → status ${session.status}, csat ${JSON.stringify(session.csat)}`);
  r.link('session', world.sessionUrl(sessionId));
  r.line('… a CSAT of 2 or less asks for a follow-up case in the escalation connector (polling the Zendesk journal)');
  const entry = await world.waitFor('the follow-up case in Zendesk', async () =>
    (await world.journal('zendesk')).find(
      (candidate) =>
        candidate.object === 'tickets' &&
        candidate.operation === 'create' &&
        (candidate.externalKey ?? '').includes(session.id) &&
        (candidate.externalKey ?? '').includes('csat'),
    ),
  );
  const ticket = await world.zendesk<{ ticket: { subject: string; priority: string; status: string } }>(
    'GET',
    `/tickets/${entry.recordId}.json`,
  );
  r.line(
    `zendesk ticket ${entry.recordId}: "${ticket.body.ticket.subject}", priority ${ticket.body.ticket.priority}, ` +
      `status ${ticket.body.ticket.status}`,
    2,
  );
  r.link('journal', world.journalUrl('zendesk', entry.externalKey ?? ''));
}

// ---------------------------------------------------------------------------------------------------------------

/** 4. A Japanese customer: local phone number with the workspace's region, then the chat through Chatwoot. */
export async function japaneseChat(world: DemoWorld): Promise<void> {
  const r = world.report;
  const yuki = FIXTURE.japanese;
  const conversationId = 1043;
  const sessionId = `${CHATWOOT_ACCOUNT_ID}:${conversationId}`;
  const question = '注文番号 SO-2024-0042 のヘッドホンはいつ届きますか？';
  r.line(
    `${yuki.fullName} types her phone as "${yuki.phone}" (no country code) in the pre-chat form and asks: ${question}`,
  );
  const context = await enrich(world, {
    sessionId,
    visitor: { phone: yuki.phone, name: yuki.fullName },
    message: question,
  });
  check(
    context.records.some((record) => record.matchedBy === 'phone'),
    'the local phone number should match (read with the workspace region JP)',
  );
  check(kindsOf(context.records).size >= 2, 'expected her in at least two CRMs');
  const order = context.referencedOrder;
  check(order !== null && order.number.includes('SO-2024-0042'), 'referencedOrder should be SO-2024-0042');
  r.line(`referencedOrder: ${describeOrder(order)}`, 2);

  // The chat itself arrives as Chatwoot account webhooks, signed with the source's secret.
  const startedAt = Date.now() - 3 * 60_000;
  const state: ChatwootConversationState = {
    accountId: CHATWOOT_ACCOUNT_ID,
    accountName: 'Acme Support',
    conversationId,
    inbox: { id: 3, name: 'Website (ja)' },
    contact: {
      id: 5601,
      name: yuki.fullName,
      email: yuki.email,
      phoneNumber: yuki.phoneE164,
      identifier: yuki.externalId,
      city: 'Osaka',
      countryCode: 'JP',
    },
    agent: { id: 12, name: '森 健二', availableName: '森' },
    createdAt: startedAt,
    sourceId: '0b9c1f3e-5a7d-4e62-9c1b-2f8a7d3e4c55',
  };
  const deliveries: Array<[string, Record<string, unknown>]> = [
    ['conversation_created', conversationCreated(state)],
    [
      'message_created (incoming)',
      messageCreated(state, { id: 91001, at: startedAt + 5_000, from: 'contact', content: question }),
    ],
    [
      'message_created (outgoing, agent)',
      messageCreated(state, {
        id: 91002,
        at: startedAt + 60_000,
        from: 'agent',
        content: `田中様、お問い合わせありがとうございます。ご注文 ${order.number} は明日お届け予定です。`,
      }),
    ],
    [
      'message_created (incoming)',
      messageCreated(state, {
        id: 91003,
        at: startedAt + 90_000,
        from: 'contact',
        content: 'ありがとうございます。助かりました！',
      }),
    ],
    ['conversation_status_changed (resolved)', conversationResolved(state, startedAt + 120_000)],
  ];
  const url = `${world.service.baseUrl}${world.ws.chatwootPath}`;
  r.line(`Chatwoot → POST ${world.ws.chatwootPath} (X-Chatwoot-Signature, enforced):`);
  for (const [label, payload] of deliveries) {
    const delivery = signedDelivery(world.ws.chatwootSecret, payload);
    const answer = await request<{ accepted: number; duplicate: number }>('POST', url, {
      raw: delivery.body,
      headers: delivery.headers,
    });
    check(answer.body.accepted === 1, `${label} was not taken in: ${JSON.stringify(answer.body)}`);
    r.line(`${label.padEnd(40)} ← ${answer.status} ${JSON.stringify(answer.body)}`, 2);
  }
  // Chatwoot sometimes sends the same webhook twice (chatwoot#11901): deduplicated on content-derived ids.
  const again = signedDelivery(world.ws.chatwootSecret, deliveries[1][1]);
  const duplicate = await request<{ accepted: number; duplicate: number }>('POST', url, {
    raw: again.body,
    headers: again.headers,
  });
  check(duplicate.body.duplicate === 1, 'a duplicate Chatwoot delivery should be recognised');
  r.line(
    `${'message_created again (a duplicate)'.padEnd(40)} ← ${duplicate.status} ${JSON.stringify(duplicate.body)}`,
    2,
  );
  const unsigned = await request('POST', url, {
    raw: JSON.stringify(deliveries[1][1]),
    accept: (status) => status === 401,
  });
  r.line(`${'the same body unsigned'.padEnd(40)} ← ${unsigned.status} (refused: the source enforces signatures)`, 2);

  const session = (await world.session(sessionId)).body;
  const { transcript } = await showTranscripts(world, session);
  check(transcript.includes('SO-2024-0042'), 'the Japanese transcript should carry the conversation');
  const after = (await world.session(sessionId)).body;
  check(after.status === 'closed', `session status ${after.status}`);
  r.line(
    `GET /v1/sessions/${encodeURIComponent(sessionId)} → status ${after.status}, channel ${after.channel}, ${after.messageCount} messages`,
  );
  r.link('session', world.sessionUrl(sessionId));
}

// ---------------------------------------------------------------------------------------------------------------

/** 5. The helpdesk agent answers and solves the angry customer's ticket in Zendesk: the chat system hears of it. */
export async function crmAgentReply(world: DemoWorld, ticketId: string | undefined): Promise<void> {
  const r = world.report;
  check(ticketId, 'needs the ticket from step 2');
  const sessionId = 'web-1002';
  world.receiver.printRelayed = (id) => id === ticketId;
  const agentAnswer = 'Hi Jordan, your refund was issued today; you will see it on your card within 3 business days.';
  r.line(`a Zendesk agent replies publicly on ticket ${ticketId} (Zendesk API, as the sandbox account's agent):`);
  r.sent(
    'PUT',
    `…/api/v2/tickets/${ticketId}.json`,
    brief({ ticket: { comment: { body: agentAnswer, public: true } } }),
  );
  const reply = await world.zendesk('PUT', `/tickets/${ticketId}.json`, {
    ticket: { comment: { body: agentAnswer, public: true } },
  });
  r.got(reply.status, '', reply.ms);
  const replied = await world.waitFor('the case.agent_replied callback', async () =>
    world.receiver.deliveries.find(
      (delivery) => delivery.type === 'case.agent_replied' && delivery.data.sessionId === sessionId,
    ),
  );
  check(replied.verdict.ok, 'the case.agent_replied delivery must carry a valid signature');

  r.line(`the agent then solves the ticket:`);
  r.sent('PUT', `…/api/v2/tickets/${ticketId}.json`, '{"ticket":{"status":"solved"}}');
  const solve = await world.zendesk('PUT', `/tickets/${ticketId}.json`, { ticket: { status: 'solved' } });
  r.got(solve.status, '', solve.ms);
  const solved = await world.waitFor('the case.solved callback', async () =>
    world.receiver.deliveries.find(
      (delivery) => delivery.type === 'case.solved' && delivery.data.sessionId === sessionId,
    ),
  );
  check(solved.verdict.ok, 'the case.solved delivery must carry a valid signature');

  const open = await world.api<SessionView[]>('GET', '/v1/cases?status=open', { token: world.ws.chatKey });
  check(!open.body.some((item) => item.externalId === sessionId), 'a solved case must leave the open-cases list');
  const session = (await world.session(sessionId)).body;
  r.line(
    `GET /v1/cases?status=open → [${open.body.map((item) => item.externalId).join(', ')}]; ` +
      `GET /v1/sessions/${sessionId} → case state ${session.escalation?.case?.state ?? '?'}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** Everything the script caused has run: nothing queued, nothing dead (from GET /metrics). */
export async function queueCheck(world: DemoWorld): Promise<void> {
  const r = world.report;
  const metrics = await world.waitFor('the job queue to drain', async () => {
    const current = await world.jobMetrics();
    return (current.byState.queued ?? 0) === 0 && (current.byState.running ?? 0) === 0 ? current : undefined;
  });
  r.line(`GET /metrics → jobs by state ${JSON.stringify(metrics.byState)}`);
  for (const [type, outcome, count] of metrics.finished) {
    r.line(`${type.padEnd(18)} ${outcome.padEnd(8)} ${count}`, 2);
  }
  check((metrics.byState.dead ?? 0) === 0, `${metrics.byState.dead} dead job(s): see ${world.service.logFile}`);
  check((metrics.byState.parked ?? 0) === 0, `${metrics.byState.parked} parked job(s): see ${world.service.logFile}`);
}
