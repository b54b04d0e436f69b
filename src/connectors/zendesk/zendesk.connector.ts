import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ConnectorError, WebhookRejectedError } from '../connector.errors';
import type { CrmConnector, TokenGrant } from '../crm-connector.port';
import type {
  BatchOutcome,
  CaseInput,
  ChangeEvent,
  ChangePage,
  CrmCase,
  CrmNote,
  CrmOrder,
  CrmPerson,
  MatchedBy,
  NoteInput,
  PersonIdentifiers,
  PersonInput,
  PersonMatch,
  RecordRef,
  WebhookRequest,
} from '../crm.types';
import { apiBaseUrl, followableUrl, refreshZendeskToken, zendeskApi, type ZendeskContext } from './zendesk.client';
import { zendeskDescriptor, type ZendeskCredentials, type ZendeskSettings } from './zendesk.descriptor';
import { detailErrors, zendeskHttpError, zendeskJobItemCode } from './zendesk.errors';
import {
  agentUrl,
  caseTicket,
  decodeChangeCursor,
  encodeChangeCursor,
  externalIdOf,
  noteTicket,
  numericId,
  OPEN_STATUSES,
  organizationNames,
  parseVendor,
  phoneMatches,
  phoneRenderings,
  searchTerms,
  STREAMS,
  ticketChange,
  toCrmCase,
  toCrmNote,
  toCrmPerson,
  upsertUserBody,
  userChange,
  userNames,
  webhookChanges,
  zdCommentSchema,
  zdJobStatusSchema,
  zdTicketSchema,
  zdUserSchema,
  type ChangeCursor,
  type ZdTicket,
  type ZdUser,
} from './zendesk.mapper';

const DEFAULT_TIER_FIELD = 'customer_tier';
/** Requested-ticket pages read at most (100 tickets each) for listNotes / listOpenCases. */
const MAX_TICKET_PAGES = 10;
/**
 * Comment lists listNotes reads in parallel: an agent waits for the slowest of them, not their sum, and the early
 * stop (no older ticket can hold a newer comment) still applies between waves.
 */
const COMMENT_READS_AT_ONCE = 4;
/** Tickets whose comments listNotes reads at most (one request each). */
const MAX_NOTE_TICKETS = 10;
/** Keys per `type:ticket external_id:"…" external_id:"…"` search (same-field terms are ORed). */
const KEYS_PER_SEARCH = 20;
/** Where listChanges(null) starts: far enough back that the ticket export accepts it ("at least one minute"). */
const INITIAL_LOOKBACK_SECONDS = 90;
const DEFAULT_EXPORT_PAGE_SIZE = 1000;
const WEBHOOK_WINDOW_MS = 5 * 60_000;
const JOB_POLL_FIRST_MS = 100;
const JOB_POLL_MAX_MS = 2000;

const usersBody = z.looseObject({ users: z.array(z.unknown()), organizations: z.array(z.unknown()).nullish() });
const userBody = z.looseObject({ user: z.unknown(), organizations: z.array(z.unknown()).nullish() });
const ticketBody = z.looseObject({ ticket: z.unknown() });
const ticketsPage = z.looseObject({
  tickets: z.array(z.unknown()),
  meta: z.looseObject({ has_more: z.boolean().nullish() }).nullish(),
  links: z.looseObject({ next: z.string().nullish() }).nullish(),
});
const commentsPage = z.looseObject({
  comments: z.array(z.unknown()),
  meta: z.looseObject({ has_more: z.boolean().nullish() }).nullish(),
  next_page: z.string().nullish(),
  users: z.array(z.unknown()).nullish(),
});
const searchPage = z.looseObject({ results: z.array(z.looseObject({ result_type: z.string().nullish() })) });
const jobBody = z.looseObject({ job_status: z.unknown() });
const exportPage = z.looseObject({
  users: z.array(z.unknown()).nullish(),
  tickets: z.array(z.unknown()).nullish(),
  after_cursor: z.string().nullish(),
  end_of_stream: z.boolean().nullish(),
});

function users(list: unknown[]): ZdUser[] {
  return list.map((item) => parseVendor(zdUserSchema, item, 'user'));
}

function tickets(list: unknown[]): ZdTicket[] {
  return list.map((item) => parseVendor(zdTicketSchema, item, 'ticket'));
}

const newestFirst =
  <T>(at: (item: T) => string | null | undefined) =>
  (a: T, b: T) =>
    (at(b) ?? '').localeCompare(at(a) ?? '');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ConnectorError('zendesk', 'timeout', 'the deadline passed while waiting for a Zendesk job'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ConnectorError('zendesk', 'timeout', 'the deadline passed while waiting for a Zendesk job'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) {
      return value;
    }
  }
  return undefined;
}

/** ISO 8601 with an offset or Z, as Zendesk documents the signature timestamp ("2021-07-25T10:00:00Z"). */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Zendesk Support. People are users, notes and cases are tickets (Zendesk has no notes object), orders do not
 * exist. Idempotency per write:
 * - upsertPerson: users/create_or_update matches external_id, then email, server-side (no search-then-create race).
 * - appendNote / createCase: a search for a ticket whose external_id holds the key (covers any later retry, once
 *   the search index has the ticket: minutes), then Create Ticket with `Idempotency-Key: key` (covers retries within
 *   Zendesk's 2-hour key window, including the index lag) and `external_id: key` (what the search finds later).
 * - appendNotes: the same search for every key, then Create Many Tickets for the rest (a job has no
 *   Idempotency-Key: a batch retried within the index lag after an unseen success can duplicate; see report).
 */
@Injectable()
export class ZendeskConnector implements CrmConnector<ZendeskSettings, ZendeskCredentials> {
  readonly descriptor = zendeskDescriptor;

  async refreshGrant(
    settings: ZendeskSettings,
    credentials: ZendeskCredentials,
    signal: AbortSignal,
  ): Promise<TokenGrant> {
    if (!('refreshToken' in credentials)) {
      throw new ConnectorError('zendesk', 'auth_expired', 'API-token credentials cannot be refreshed');
    }
    return refreshZendeskToken(settings, credentials, signal);
  }

  async verify(ctx: ZendeskContext): Promise<{ account: string | null }> {
    const { body } = await zendeskApi.me(ctx);
    const me = parseVendor(
      z.looseObject({ user: z.looseObject({ id: z.number().nullish(), role: z.string().nullish() }) }),
      body,
      'user',
    ).user;
    // Unauthenticated /users/me can answer an anonymous user (id null) instead of 401.
    if (me.id === null || me.id === undefined || (me.role !== 'agent' && me.role !== 'admin')) {
      throw new ConnectorError('zendesk', 'auth_expired', 'the credentials do not belong to an agent');
    }
    return { account: new URL(apiBaseUrl(ctx)).host };
  }

  // --- people -------------------------------------------------------------------------------------------------

  private personOptions(ctx: ZendeskContext, organizations?: unknown) {
    return {
      apiBase: apiBaseUrl(ctx),
      tierField: ctx.settings.tierUserField ?? DEFAULT_TIER_FIELD,
      organizations: organizationNames(organizations),
    };
  }

  private async searchPeople(
    ctx: ZendeskContext,
    request: Promise<{ body: unknown }>,
    matchedBy: MatchedBy,
    keep: (user: ZdUser) => boolean,
  ): Promise<PersonMatch[]> {
    const { body } = await request;
    const page = parseVendor(usersBody, body, 'user list');
    const options = this.personOptions(ctx, page.organizations);
    return users(page.users)
      .filter(keep)
      .map((user) => ({ person: toCrmPerson(user, options), matchedBy }));
  }

  /**
   * external_id: the literal `external_id` filter (1 call). email: `email:"…"` search (1 call). phone: one search
   * ORing several renderings of the number (1 call). Every candidate is re-checked here for exact equality, so a
   * loose vendor match (prefix, stemming, digits) never becomes a match.
   */
  async findPeople(ctx: ZendeskContext, identifiers: PersonIdentifiers): Promise<PersonMatch[]> {
    const lookups: Array<Promise<PersonMatch[]>> = [];
    const { externalId, email, phone } = identifiers;
    if (externalId) {
      const wanted = externalId.toLowerCase();
      lookups.push(
        this.searchPeople(
          ctx,
          zendeskApi.usersByExternalId(ctx, externalId),
          'external_id',
          (user) =>
            user.external_id !== null &&
            user.external_id !== undefined &&
            String(user.external_id).toLowerCase() === wanted,
        ),
      );
    }
    if (email) {
      const wanted = email.toLowerCase();
      lookups.push(
        this.searchPeople(
          ctx,
          zendeskApi.searchUsers(ctx, searchTerms('email', [email])),
          'email',
          (user) => user.email?.toLowerCase() === wanted,
        ),
      );
    }
    if (phone) {
      const renderings = phoneRenderings(phone);
      if (renderings.length > 0) {
        lookups.push(
          this.searchPeople(ctx, zendeskApi.searchUsers(ctx, searchTerms('phone', renderings)), 'phone', (user) =>
            phoneMatches(user.phone, phone, user.locale),
          ),
        );
      }
    }
    const seen = new Set<string>();
    const out: PersonMatch[] = [];
    // Strongest identifier first: a person matched by external id and email is reported once, as external_id.
    for (const match of (await Promise.all(lookups)).flat()) {
      if (!seen.has(match.person.id)) {
        seen.add(match.person.id);
        out.push(match);
      }
    }
    return out;
  }

  /** GET users/{id} (1 call); null when it is gone or deactivated (deleted and merged-away users are inactive). */
  async getPerson(ctx: ZendeskContext, personId: string): Promise<CrmPerson | null> {
    const userId = numericId(personId);
    if (userId === undefined) {
      return null;
    }
    try {
      const { body } = await zendeskApi.showUser(ctx, userId);
      const page = parseVendor(userBody, body, 'user');
      const user = parseVendor(zdUserSchema, page.user, 'user');
      return user.active === false ? null : toCrmPerson(user, this.personOptions(ctx, page.organizations));
    } catch (error) {
      if (error instanceof ConnectorError && error.code === 'not_found') {
        return null;
      }
      throw error;
    }
  }

  /**
   * users/create_or_update (1 call; 2 when a new user needs a name the input did not give): Zendesk matches
   * external_id first, then email, so two concurrent upserts converge on one user. 201 = created, 200 = updated.
   */
  async upsertPerson(ctx: ZendeskContext, input: PersonInput): Promise<RecordRef> {
    if (!input.email && !input.externalId) {
      throw new ConnectorError('zendesk', 'invalid_request', 'a Zendesk upsert needs an email or an external id');
    }
    const send = (fallbackName: boolean) => zendeskApi.createOrUpdateUser(ctx, upsertUserBody(input, fallbackName));
    let response = await send(false);
    if (
      response.status === 422 &&
      detailErrors(response.body).some(([field, error]) => field === 'name' && error === 'BlankValue')
    ) {
      response = await send(true);
    }
    if (response.status >= 300) {
      throw zendeskHttpError(response);
    }
    const user = parseVendor(zdUserSchema, parseVendor(userBody, response.body, 'user').user, 'user');
    return {
      id: String(user.id),
      objectType: 'users',
      url: agentUrl(apiBaseUrl(ctx), 'users', user.id),
      created: response.status === 201,
    };
  }

  listOrders(_ctx: ZendeskContext, _personId: string, _limit: number): Promise<CrmOrder[]> {
    return Promise.reject(
      new ConnectorError('zendesk', 'invalid_request', 'Zendesk Support has no orders (capabilities.orders = false)'),
    );
  }

  // --- tickets ------------------------------------------------------------------------------------------------

  /** Requested tickets, cursor-paged (1 call per 100 tickets, at most MAX_TICKET_PAGES). */
  private async requestedTickets(ctx: ZendeskContext, userId: number): Promise<ZdTicket[]> {
    const out: ZdTicket[] = [];
    let next: string | undefined;
    for (let page = 0; page < MAX_TICKET_PAGES; page += 1) {
      const { body } = await zendeskApi.requestedTickets(ctx, userId, next);
      const parsed = parseVendor(ticketsPage, body, 'ticket list');
      out.push(...tickets(parsed.tickets));
      next = parsed.meta?.has_more ? followableUrl(ctx, parsed.links?.next) : undefined;
      if (!next) {
        break;
      }
    }
    return out;
  }

  /** 1 + ⌈tickets/100⌉ calls: the requester's tickets in new/open/pending/hold, most recently updated first. */
  async listOpenCases(ctx: ZendeskContext, personId: string, limit: number): Promise<CrmCase[]> {
    const userId = numericId(personId);
    if (userId === undefined || limit <= 0) {
      return [];
    }
    const base = apiBaseUrl(ctx);
    return (await this.requestedTickets(ctx, userId))
      .filter((ticket) => OPEN_STATUSES.has(ticket.status))
      .sort(newestFirst((ticket) => ticket.updated_at))
      .slice(0, limit)
      .map((ticket) => toCrmCase(ticket, base));
  }

  /**
   * Comments on the person's requested tickets, newest first: ⌈tickets/100⌉ calls for the tickets, then one call per
   * ticket (most recently updated first, at most MAX_NOTE_TICKETS, COMMENT_READS_AT_ONCE at a time) until no older
   * ticket can hold a newer comment.
   */
  async listNotes(ctx: ZendeskContext, personId: string, limit: number): Promise<CrmNote[]> {
    const userId = numericId(personId);
    if (userId === undefined || limit <= 0) {
      return [];
    }
    const base = apiBaseUrl(ctx);
    const byRecency = (await this.requestedTickets(ctx, userId)).sort(newestFirst((ticket) => ticket.updated_at));
    const notes: CrmNote[] = [];
    const candidates = byRecency.slice(0, MAX_NOTE_TICKETS);
    for (let start = 0; start < candidates.length; start += COMMENT_READS_AT_ONCE) {
      if (notes.length >= limit) {
        const kept = [...notes].sort(newestFirst((note) => note.createdAt))[limit - 1];
        if ((candidates[start].updated_at ?? '') < (kept?.createdAt ?? '')) {
          break;
        }
      }
      const wave = await Promise.all(
        candidates.slice(start, start + COMMENT_READS_AT_ONCE).map(async (ticket) => {
          const { body } = await zendeskApi.ticketComments(ctx, ticket.id, limit);
          return { ticket, page: parseVendor(commentsPage, body, 'comment list') };
        }),
      );
      for (const { ticket, page } of wave) {
        const comments = page.comments.map((item) => parseVendor(zdCommentSchema, item, 'comment'));
        const complete = !(page.meta?.has_more ?? !!page.next_page);
        const opening = complete ? Math.min(...comments.map((comment) => comment.id)) : undefined;
        const authors = userNames(page.users);
        notes.push(...comments.map((comment) => toCrmNote(ticket, comment, comment.id === opening, base, authors)));
      }
    }
    return notes.sort(newestFirst((note) => note.createdAt)).slice(0, limit);
  }

  /** Tickets whose external_id is one of `keys` (1 search per KEYS_PER_SEARCH keys), re-checked exactly. */
  private async ticketsByKey(ctx: ZendeskContext, keys: string[]): Promise<Map<string, ZdTicket>> {
    const found = new Map<string, ZdTicket>();
    const unique = [...new Set(keys)];
    for (let start = 0; start < unique.length; start += KEYS_PER_SEARCH) {
      const chunk = unique.slice(start, start + KEYS_PER_SEARCH);
      const { body } = await zendeskApi.search(ctx, `type:ticket ${searchTerms('external_id', chunk)}`);
      const hits = parseVendor(searchPage, body, 'search results').results.filter(
        (hit) => hit.result_type === 'ticket' || hit.result_type === undefined,
      );
      for (const ticket of tickets(hits).sort((a, b) => a.id - b.id)) {
        const key = externalIdOf(ticket);
        // external_id is free-form and not unique: the oldest ticket holding the key is the one.
        if (key !== null && chunk.includes(key) && !found.has(key)) {
          found.set(key, ticket);
        }
      }
    }
    return found;
  }

  private ref(ctx: ZendeskContext, ticketId: number, created: boolean): RecordRef {
    return {
      id: String(ticketId),
      objectType: 'tickets',
      url: agentUrl(apiBaseUrl(ctx), 'tickets', ticketId),
      created,
    };
  }

  /** Create Ticket with the key as Idempotency-Key; a replay within 2 h answers `x-idempotency-lookup: hit`. */
  private async createKeyedTicket(
    ctx: ZendeskContext,
    ticket: Record<string, unknown>,
    key: string,
  ): Promise<{ ticket: ZdTicket; created: boolean }> {
    const response = await zendeskApi.createTicket(ctx, ticket, key);
    const created = parseVendor(zdTicketSchema, parseVendor(ticketBody, response.body, 'ticket').ticket, 'ticket');
    return { ticket: created, created: response.headers.get('x-idempotency-lookup') !== 'hit' };
  }

  private requester(personId: string): number {
    const userId = numericId(personId);
    if (userId === undefined) {
      throw new ConnectorError('zendesk', 'invalid_request', 'a Zendesk person id is a number');
    }
    return userId;
  }

  /** A ticket standing for the note: 1 search + 1 create; a repeat finds it (1 call) and reports created: false. */
  async appendNote(ctx: ZendeskContext, input: NoteInput): Promise<RecordRef> {
    const requesterId = this.requester(input.personId);
    const existing = (await this.ticketsByKey(ctx, [input.idempotencyKey])).get(input.idempotencyKey);
    if (existing) {
      return this.ref(ctx, existing.id, false);
    }
    const { ticket, created } = await this.createKeyedTicket(ctx, noteTicket(input, requesterId), input.idempotencyKey);
    return this.ref(ctx, ticket.id, created);
  }

  /**
   * 1 search + 1 create + 1 update (the transcript as an internal comment). A repeat finds the ticket and, when a
   * transcript was given, checks its comments (1 call) and adds the transcript only if an earlier attempt stopped
   * between the create and the update.
   */
  async createCase(ctx: ZendeskContext, input: CaseInput): Promise<RecordRef> {
    const requesterId = this.requester(input.personId);
    const existing = (await this.ticketsByKey(ctx, [input.idempotencyKey])).get(input.idempotencyKey);
    if (existing) {
      await this.ensureTranscript(ctx, existing.id, input.transcript);
      return this.ref(ctx, existing.id, false);
    }
    const { ticket, created } = await this.createKeyedTicket(ctx, caseTicket(input, requesterId), input.idempotencyKey);
    if (created && input.transcript) {
      await zendeskApi.updateTicket(ctx, ticket.id, { comment: { body: input.transcript, public: false } });
    } else {
      await this.ensureTranscript(ctx, ticket.id, input.transcript);
    }
    return this.ref(ctx, ticket.id, created);
  }

  private async ensureTranscript(ctx: ZendeskContext, ticketId: number, transcript: string | undefined): Promise<void> {
    if (!transcript) {
      return;
    }
    const normalise = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
    const { body } = await zendeskApi.ticketComments(ctx, ticketId, 100);
    const comments = parseVendor(commentsPage, body, 'comment list').comments.map((item) =>
      parseVendor(zdCommentSchema, item, 'comment'),
    );
    const wanted = normalise(transcript);
    if (!comments.some((comment) => !comment.public && normalise(comment.plain_body ?? comment.body) === wanted)) {
      await zendeskApi.updateTicket(ctx, ticketId, { comment: { body: transcript, public: false } });
    }
  }

  /**
   * ⌈keys/20⌉ searches + 1 create_many + job polls (1 call each, backing off 100 ms → 2 s, bounded by ctx.signal).
   * Keys already present are created: false; a key repeated within the batch is created once; a record the job
   * reports as failed is an {ok: false} outcome with its classified code.
   */
  async appendNotes(ctx: ZendeskContext, inputs: NoteInput[]): Promise<BatchOutcome<RecordRef>[]> {
    if (inputs.length > this.descriptor.batchLimits.notes) {
      throw new ConnectorError(
        'zendesk',
        'invalid_request',
        `at most ${this.descriptor.batchLimits.notes} notes per batch (Create Many Tickets)`,
      );
    }
    const outcomes: Array<BatchOutcome<RecordRef> | undefined> = inputs.map((input) =>
      numericId(input.personId) === undefined
        ? { ok: false, error: { code: 'invalid_request', message: 'a Zendesk person id is a number' } }
        : undefined,
    );
    const pending = inputs.flatMap((input, index) => (outcomes[index] ? [] : [{ input, index }]));
    if (pending.length === 0) {
      return outcomes as Array<BatchOutcome<RecordRef>>;
    }
    const existing = await this.ticketsByKey(
      ctx,
      pending.map(({ input }) => input.idempotencyKey),
    );
    const toCreate = new Map<string, { input: NoteInput; indexes: number[] }>();
    for (const { input, index } of pending) {
      const found = existing.get(input.idempotencyKey);
      if (found) {
        outcomes[index] = { ok: true, value: this.ref(ctx, found.id, false) };
      } else {
        const entry = toCreate.get(input.idempotencyKey);
        if (entry) {
          entry.indexes.push(index);
        } else {
          toCreate.set(input.idempotencyKey, { input, indexes: [index] });
        }
      }
    }
    const batch = [...toCreate.values()];
    if (batch.length > 0) {
      const { body } = await zendeskApi.createManyTickets(
        ctx,
        batch.map(({ input }) => noteTicket(input, numericId(input.personId)!)),
      );
      const job = await this.awaitJob(ctx, parseVendor(jobBody, body, 'job status').job_status);
      const results = job.results ?? [];
      batch.forEach(({ indexes }, position) => {
        const result =
          results.find((item) => item.index === position) ??
          (results[position]?.index === undefined ? results[position] : undefined);
        let outcome: BatchOutcome<RecordRef>;
        if (
          result &&
          result.id !== null &&
          result.id !== undefined &&
          !result.error &&
          result.success !== false &&
          result.status !== 'Failed'
        ) {
          outcome = { ok: true, value: this.ref(ctx, result.id, true) };
        } else if (result) {
          outcome = {
            ok: false,
            error: {
              code: zendeskJobItemCode(result.error ?? undefined, result.details ?? undefined),
              message: `Zendesk job item failed: ${result.error ?? result.status ?? 'unknown error'}`,
            },
          };
        } else {
          outcome = {
            ok: false,
            error: { code: 'unavailable', message: `Zendesk job ${job.status} without a result for this record` },
          };
        }
        indexes.forEach((index, nth) => {
          outcomes[index] =
            nth === 0 || !outcome.ok ? outcome : { ok: true, value: { ...outcome.value, created: false } };
        });
      });
    }
    return outcomes as Array<BatchOutcome<RecordRef>>;
  }

  /** Polls GET job_statuses/{id} until completed, failed or killed; the caller's deadline bounds the wait. */
  private async awaitJob(ctx: ZendeskContext, raw: unknown) {
    let job = parseVendor(zdJobStatusSchema, raw, 'job status');
    let delay = JOB_POLL_FIRST_MS;
    while (job.status === 'queued' || job.status === 'working') {
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, JOB_POLL_MAX_MS);
      const { body } = await zendeskApi.showJobStatus(ctx, job.id);
      job = parseVendor(zdJobStatusSchema, parseVendor(jobBody, body, 'job status').job_status, 'job status');
    }
    return job;
  }

  // --- changes ------------------------------------------------------------------------------------------------

  /**
   * Incremental cursor exports of users and tickets (1 call per stream polled; each counts against the 10/min
   * export limit). null starts INITIAL_LOOKBACK_SECONDS back without a call. While one stream still has pages
   * (end_of_stream false), later calls poll only the streams that do; once both are drained, both are polled.
   */
  async listChanges(ctx: ZendeskContext, cursor: string | null): Promise<ChangePage> {
    if (cursor === null) {
      const startTime = Math.floor(Date.now() / 1000) - INITIAL_LOOKBACK_SECONDS;
      const start: ChangeCursor = { users: { startTime }, tickets: { startTime }, draining: [] };
      return { changes: [], cursor: encodeChangeCursor(start), hasMore: false };
    }
    const position = decodeChangeCursor(cursor);
    const polled = position.draining.length > 0 ? position.draining : [...STREAMS];
    const perPage = ctx.settings.incrementalPageSize ?? DEFAULT_EXPORT_PAGE_SIZE;
    const pages = await Promise.all(
      polled.map(async (stream) => {
        const { body } = await zendeskApi.incrementalExport(ctx, stream, position[stream], perPage);
        const page = parseVendor(exportPage, body, `${stream} export`);
        const items = page[stream];
        if (!items) {
          throw new ConnectorError('zendesk', 'unknown', `unexpected ${stream} export in the Zendesk response`);
        }
        return { stream, items, after: page.after_cursor, end: page.end_of_stream !== false };
      }),
    );
    const next: ChangeCursor = { users: position.users, tickets: position.tickets, draining: [] };
    const changes: ChangeEvent[] = [];
    for (const page of pages) {
      if (page.after) {
        next[page.stream] = { cursor: page.after };
      }
      if (!page.end) {
        next.draining.push(page.stream);
      }
      const mapped =
        page.stream === 'users' ? users(page.items).map(userChange) : tickets(page.items).map(ticketChange);
      changes.push(...mapped.filter((change): change is ChangeEvent => change !== null));
    }
    changes.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    return { changes, cursor: encodeChangeCursor(next), hasMore: next.draining.length > 0 };
  }

  /**
   * X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(signing secret, timestamp + raw body)), compared in constant
   * time; X-Zendesk-Webhook-Signature-Timestamp (ISO 8601) must be within 5 minutes.
   */
  async parseWebhook(ctx: ZendeskContext, request: WebhookRequest): Promise<ChangeEvent[]> {
    const credentials = await ctx.auth.current();
    const secret = credentials.webhookSecret;
    if (!secret) {
      throw new WebhookRejectedError('bad_signature', 'no webhook signing secret is configured');
    }
    const signature = header(request.headers, 'x-zendesk-webhook-signature');
    const timestamp = header(request.headers, 'x-zendesk-webhook-signature-timestamp');
    if (!signature || !timestamp) {
      throw new WebhookRejectedError('bad_signature', 'missing Zendesk signature headers');
    }
    if (!verifyZendeskSignature(secret, timestamp, request.rawBody, signature)) {
      throw new WebhookRejectedError('bad_signature', 'the Zendesk signature does not match');
    }
    const signedAt = ISO_TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(signedAt)) {
      throw new WebhookRejectedError('malformed', 'the signature timestamp is not ISO 8601');
    }
    if (Math.abs(Date.now() - signedAt) > WEBHOOK_WINDOW_MS) {
      throw new WebhookRejectedError('stale', 'the signature timestamp is outside the 5-minute window');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new WebhookRejectedError('malformed', 'the webhook body is not JSON');
    }
    const changes = webhookChanges(payload, new Date(signedAt).toISOString());
    if (changes === null) {
      throw new WebhookRejectedError('malformed', 'not a Zendesk event webhook');
    }
    return changes;
  }
}

/**
 * https://developer.zendesk.com/documentation/webhooks/verifying/: "base64(HMACSHA256(TIMESTAMP + BODY))". (An older
 * copy of that page reads BODY + TIMESTAMP with a sample signature computed that way; the current text, the wire
 * notes §5 and captured deliveries agree on timestamp first.)
 */
export function verifyZendeskSignature(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(timestamp, 'utf8').update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
