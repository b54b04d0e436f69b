/**
 * The contract every CRM connector meets, run against its sandbox with the vendor's real SDK on the wire.
 * Each connector's `<kind>.contract.spec.ts` calls describeConnectorContract(setup).
 */
import { randomUUID } from 'node:crypto';
import { ConnectorError } from '../../src/connectors/connector.errors';
import type { ConnectionContext, CrmConnector } from '../../src/connectors/crm-connector.port';
import type { NoteInput } from '../../src/connectors/crm.types';
import { InMemoryAuthSession } from '../../src/connectors/in-memory-auth-session';
import type { ConnectorKind } from '../../src/connectors/connector-kinds';
import type { RunningSandbox, SandboxOptions } from '../sandbox/common/sandbox.types';
import { FIXTURE } from '../sandbox/common/seed-data';

export interface ContractSetup<S, C extends object> {
  kind: ConnectorKind;
  createConnector(): CrmConnector<S, C>;
  startSandbox(options: SandboxOptions): Promise<RunningSandbox>;
  /** Our connector's settings and credentials for a running sandbox (what an admin would paste). */
  configure(sandbox: RunningSandbox): { settings: S; credentials: C };
  /** Credentials that the sandbox rejects (wrong secret / token). */
  badCredentials(sandbox: RunningSandbox): C;
  /** Whether the vendor lets two people share an email (the ambiguous fixture exists there). */
  allowsDuplicateEmails: boolean;
}

export async function expectConnectorError(
  promise: Promise<unknown>,
  code: ConnectorError['code'],
): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  expect((error as ConnectorError).code).toBe(code);
  return error as ConnectorError;
}

export function describeConnectorContract<S, C extends object>(setup: ContractSetup<S, C>): void {
  describe(`${setup.kind} connector contract`, () => {
    let sandbox: RunningSandbox;
    let connector: CrmConnector<S, C>;
    let config: { settings: S; credentials: C };
    const oauth = () => connector.descriptor.authModes.includes('oauth2_refresh_token');

    let shared: InMemoryAuthSession<C> | undefined;
    const newSession = (credentials: C) =>
      new InMemoryAuthSession<C>(
        credentials,
        oauth() ? (current) => connector.refreshGrant(config.settings, current, AbortSignal.timeout(5000)) : undefined,
      );

    /**
     * A call context. Calls share one auth session, as calls of one stored connection share its persisted tokens
     * in the service (a session per call would refresh per call: with single-use refresh tokens the first refresh
     * spends the grant, and Zoho allows 10 token grants per 10 minutes). Explicit credentials get their own session.
     */
    function context(
      options: { credentials?: C; timeoutMs?: number } = {},
    ): ConnectionContext<S, C> & { session: InMemoryAuthSession<C> } {
      const session = options.credentials
        ? newSession(options.credentials)
        : (shared ??= newSession(config.credentials));
      return {
        workspaceId: 'ws-contract',
        connectorId: `conn-${setup.kind}`,
        kind: setup.kind,
        settings: config.settings,
        auth: session,
        session,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      };
    }

    beforeAll(async () => {
      sandbox = await setup.startSandbox({ people: 60, rotateRefreshTokens: true });
      connector = setup.createConnector();
      config = setup.configure(sandbox);
    });
    afterAll(async () => sandbox?.stop());
    afterEach(() => sandbox.faults.reset());

    describe('verify', () => {
      it('accepts good credentials', async () => {
        await expect(connector.verify(context())).resolves.toEqual(
          expect.objectContaining({ account: expect.anything() }),
        );
      });

      it('maps rejected credentials to auth_expired', async () => {
        await expectConnectorError(
          connector.verify(context({ credentials: setup.badCredentials(sandbox) })),
          'auth_expired',
        );
      });
    });

    describe('finding people', () => {
      it('finds a person by email, with unified fields and a deep link', async () => {
        const matches = await connector.findPeople(context(), { email: FIXTURE.english.email });
        expect(matches).toHaveLength(1);
        const [{ person, matchedBy }] = matches as [(typeof matches)[number]];
        expect(matchedBy).toBe('email');
        expect(person.emails).toContain(FIXTURE.english.email);
        expect(`${person.firstName} ${person.lastName}`).toBe('Emma Johnson');
        expect(person.url).toMatch(/^https?:\/\//);
      });

      it('finds a person by E.164 phone even when the CRM stores a local form', async () => {
        const matches = await connector.findPeople(context(), { phone: FIXTURE.japanese.phoneE164 });
        expect(matches.map((match) => match.person.emails[0])).toContain(FIXTURE.japanese.email);
        expect(matches.every((match) => match.matchedBy === 'phone')).toBe(true);
        expect(matches.find((match) => match.person.emails.includes(FIXTURE.japanese.email))?.person.lastName).toBe(
          '田中',
        );
      });

      it('returns nothing for an unknown person', async () => {
        await expect(connector.findPeople(context(), { email: `nobody-${randomUUID()}@example.com` })).resolves.toEqual(
          [],
        );
      });

      it('returns every candidate when an email is ambiguous', async () => {
        const matches = await connector.findPeople(context(), { email: FIXTURE.ambiguous.email });
        expect(matches.length).toBe(setup.allowsDuplicateEmails ? 2 : 1);
      });

      it.each([
        "o'brien@example.com",
        "x' OR Name != '@example.com",
        'back\\slash@example.com',
        '(paren),comma@example.com',
        '"quoted"@example.com',
        'percent%_under@example.com',
        '名前@例え.jp',
        `${FIXTURE.english.email}' OR '1'='1`,
      ])('keeps the hostile value %p literal (no injection, no crash)', async (email) => {
        const matches = await connector.findPeople(context(), { email });
        expect(matches.filter((match) => !match.person.emails.includes(email.toLowerCase()))).toEqual([]);
      });
    });

    describe('writes', () => {
      it('upserts a person by external id and email without duplicates', async () => {
        const key = `ext-${randomUUID()}`;
        const email = `${key}@example.com`;
        const first = await connector.upsertPerson(context(), {
          externalId: key,
          email,
          firstName: 'Ada',
          lastName: "O'Neil",
        });
        const second = await connector.upsertPerson(context(), {
          externalId: key,
          email,
          firstName: 'Ada',
          lastName: "O'Neil",
        });
        expect(first.created).toBe(true);
        expect(second).toMatchObject({ id: first.id, created: false });
        const found = await connector.findPeople(context(), { email });
        expect(found.map((match) => match.person.id)).toEqual([first.id]);
        expect(await connector.getPerson(context(), first.id)).toMatchObject({ id: first.id, lastName: "O'Neil" });
      });

      it('resolves an existing email to the existing record instead of failing', async () => {
        const ref = await connector.upsertPerson(context(), {
          email: FIXTURE.english.email,
          firstName: 'Emma',
          lastName: 'Johnson',
        });
        const [match] = await connector.findPeople(context(), { email: FIXTURE.english.email });
        expect(ref).toMatchObject({ id: match?.person.id, created: false });
      });

      it('appends a note once per idempotency key, across retries', async () => {
        const [match] = await connector.findPeople(context(), { email: FIXTURE.japanese.email });
        const personId = match.person.id;
        const note: NoteInput = {
          personId,
          title: `Chat transcript ${randomUUID()}`,
          body: 'Visitor: 注文はどこですか？\nAgent: 発送済みです。',
          internal: false,
          idempotencyKey: `session-${randomUUID()}`,
        };
        const first = await connector.appendNote(context(), note);
        const again = await connector.appendNote(context(), note);
        expect(first.created).toBe(true);
        expect(again).toMatchObject({ id: first.id, created: false });
        const notes = await connector.listNotes(context(), personId, 50);
        expect(notes.filter((listed) => listed.id === first.id)).toHaveLength(1);
        expect(notes.find((listed) => listed.id === first.id)?.body).toContain('注文はどこですか');
      });

      it('creates a case once per idempotency key and lists it as open', async () => {
        const [match] = await connector.findPeople(context(), { email: FIXTURE.english.email });
        const input = {
          personId: match.person.id,
          subject: `Order 245-12784 not delivered ${randomUUID().slice(0, 8)}`,
          description: 'Customer escalated from chat.',
          priority: 'high' as const,
          transcript: 'Visitor: Where is my order?\nAgent: Escalating.',
          idempotencyKey: `escalation-${randomUUID()}`,
        };
        const first = await connector.createCase(context(), input);
        const again = await connector.createCase(context(), input);
        expect(first.created).toBe(true);
        expect(again).toMatchObject({ id: first.id, created: false });
        const open = await connector.listOpenCases(context(), input.personId, 50);
        const listed = open.find((item) => item.id === first.id);
        expect(listed).toMatchObject({ subject: input.subject, priority: 'high' });
        expect(['open', 'pending']).toContain(listed?.state);
      });

      it('batch-appends notes with per-record outcomes, and a retry of the failures writes no duplicates', async () => {
        const [match] = await connector.findPeople(context(), { email: FIXTURE.english.email });
        const personId = match.person.id;
        const inputs: NoteInput[] = Array.from({ length: 6 }, (_, index) => ({
          personId,
          title: `Batch transcript ${index} ${randomUUID().slice(0, 8)}`,
          body: `Transcript ${index}`,
          internal: index % 2 === 0,
          idempotencyKey: `batch-${randomUUID()}`,
        }));
        sandbox.faults.set({ batchRecordFailureRate: 0.5 });
        const outcomes = await connector.appendNotes(context(), inputs);
        sandbox.faults.reset();
        expect(outcomes).toHaveLength(inputs.length);
        const failed = inputs.filter((_, index) => !outcomes[index].ok);
        const retried = await connector.appendNotes(context(), failed);
        expect(retried.every((outcome) => outcome.ok)).toBe(true);
        const all = await connector.appendNotes(context(), inputs);
        expect(all.every((outcome) => outcome.ok && !outcome.value.created)).toBe(true);
        const ids = all.map((outcome) => (outcome.ok ? outcome.value.id : ''));
        expect(new Set(ids).size).toBe(inputs.length);
      });
    });

    describe('reading related records', () => {
      it('lists orders with items, newest first, where the CRM has orders', async () => {
        const [match] = await connector.findPeople(context(), { email: FIXTURE.english.email });
        if (!connector.descriptor.capabilities.orders) {
          return;
        }
        const orders = await connector.listOrders(context(), match.person.id, 20);
        const order = orders.find((item) => item.number.includes('245-12784'));
        expect(order).toBeDefined();
        expect(order!.items.map((item) => item.name)).toEqual(
          expect.arrayContaining(['Mechanical Keyboard', 'Wireless Mouse']),
        );
        const dates = orders.map((item) => item.placedAt ?? '');
        expect([...dates].sort().reverse()).toEqual(dates);
      });
    });

    describe('failures map onto the closed set', () => {
      it('429 → rate_limited with the retry-after the CRM sent', async () => {
        sandbox.faults.set({ errorRates: { 429: 1 } });
        const error = await expectConnectorError(
          connector.findPeople(context(), { email: FIXTURE.english.email }),
          'rate_limited',
        );
        expect(error.failure.retryAfterMs ?? 0).toBeGreaterThanOrEqual(0);
      });

      it('5xx → unavailable', async () => {
        sandbox.faults.set({ errorRates: { 503: 1 } });
        await expectConnectorError(connector.findPeople(context(), { email: FIXTURE.english.email }), 'unavailable');
      });

      it('a slow CRM → timeout at the caller’s deadline', async () => {
        sandbox.faults.set({ latency: { kind: 'fixed', ms: 3000 } });
        const started = Date.now();
        await expectConnectorError(
          connector.findPeople(context({ timeoutMs: 300 }), { email: FIXTURE.english.email }),
          'timeout',
        );
        expect(Date.now() - started).toBeLessThan(2500);
      });
    });

    describe('tokens', () => {
      it('refreshes an expired access token transparently', async () => {
        if (!oauth()) {
          return;
        }
        const ctx = context();
        await connector.verify(ctx);
        sandbox.expireAllTokens();
        await expect(connector.findPeople(ctx, { email: FIXTURE.english.email })).resolves.toHaveLength(1);
        expect(ctx.session.refreshes).toBeGreaterThanOrEqual(1);
      });

      it('50 concurrent calls across an expiry with single-use refresh tokens: one refresh, no failures', async () => {
        if (!oauth()) {
          return;
        }
        const ctx = context();
        await connector.verify(ctx);
        const before = ctx.session.refreshes;
        sandbox.expireAllTokens();
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () =>
            connector.findPeople({ ...ctx, signal: AbortSignal.timeout(15_000) }, { email: FIXTURE.english.email }),
          ),
        );
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        expect(ctx.session.refreshes - before).toBe(1);
      });

      it('a revoked grant → auth_expired', async () => {
        if (!oauth()) {
          return;
        }
        const fresh = setup.configure(sandbox);
        const ctx = context({ credentials: fresh.credentials });
        await connector.verify(ctx);
        sandbox.revokeRefreshToken(
          (ctx.session as unknown as { credentials: { refreshToken: string } }).credentials.refreshToken,
        );
        sandbox.expireAllTokens();
        await expectConnectorError(connector.findPeople(ctx, { email: FIXTURE.english.email }), 'auth_expired');
      });
    });

    describe('incremental changes', () => {
      it('pages changes after a cursor and sees a person change', async () => {
        if (!connector.descriptor.capabilities.incrementalSync) {
          return;
        }
        const start = await connector.listChanges(context(), null);
        expect(typeof start.cursor).toBe('string');
        const email = `changed-${randomUUID()}@example.com`;
        const ref = await connector.upsertPerson(context(), { email, firstName: 'Change', lastName: 'Seen' });
        let cursor = start.cursor;
        const seen: string[] = [];
        for (let page = 0; page < 20; page += 1) {
          const next = await connector.listChanges(context(), cursor);
          seen.push(
            ...next.changes.filter((change) => change.kind === 'person.changed').map((change) => change.recordId),
          );
          cursor = next.cursor;
          if (!next.hasMore) {
            break;
          }
        }
        expect(seen).toContain(ref.id);
      });
    });
  });
}
