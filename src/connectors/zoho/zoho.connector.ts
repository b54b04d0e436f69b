import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
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
  NoteInput,
  PersonIdentifiers,
  PersonInput,
  PersonMatch,
  RecordRef,
  WebhookRequest,
} from '../crm.types';
import { refreshAccessToken, ZohoClient, type Query, type ZohoContext, type ZohoResponse } from './zoho.client';
import { zohoDescriptor, type ZohoCredentials, type ZohoSettings } from './zoho.descriptor';
import { zohoRecordError, zohoRecordFailure } from './zoho.errors';
import {
  advanceCursor,
  caseChange,
  caseFields,
  caseRecord,
  CHANGE_MODULES,
  contactChange,
  contactFields,
  crmWebBase,
  decodeCursor,
  encodeCursor,
  isClosedStatus,
  isNotification,
  noteMarkerKey,
  noteMarkerOf,
  NOTE_FIELDS,
  noteRecord,
  notificationEvents,
  ORDER_FIELDS,
  personCriteria,
  personToRecord,
  phoneSearchDigits,
  recordUrl,
  samePhone,
  scanFrom,
  startCursor,
  toCase,
  toMatches,
  toNote,
  toOrder,
  toPerson,
  type ChangeCursor,
  type ChangeModule,
  type ModuleCursor,
  type RecordLinks,
  type ZohoCase,
  type ZohoContact,
  type ZohoNote,
  type ZohoOrg,
  type ZohoPage,
  type ZohoRecord,
  type ZohoSalesOrder,
  type ZohoWriteEntry,
} from './zoho.mapper';

const PAGE_SIZE = 200;
/** Search returns at most 2,000 records; identifiers never legitimately match more than a few pages' worth. */
const MAX_SEARCH_PAGES = 3;
/** Related lists read for note markers and open cases (200 per page). */
const MAX_RELATED_PAGES = 25;
/** listChanges(null) starts this far back, so a clock running ahead of Zoho's loses nothing ("at least once"). */
const START_SKEW_MS = 60_000;
const DIGITS = /^\d{1,19}$/;

/**
 * Zoho CRM (API v8) over a thin REST client. Idempotency lives in the CRM, never in this process:
 * - people: Upsert Records with duplicate_check_fields = the unique external-id field (else Email);
 * - cases: Upsert Records with duplicate_check_fields = the unique case-key field holding the idempotency key;
 * - notes: Notes take no custom fields, so the key is a "[ccb:KEY]" marker in Note_Title, looked for in the contact's
 *   Notes related list (read from the database, not the search index) before inserting.
 */
@Injectable()
export class ZohoConnector implements CrmConnector<ZohoSettings, ZohoCredentials> {
  readonly descriptor = zohoDescriptor;

  refreshGrant(settings: ZohoSettings, credentials: ZohoCredentials, signal: AbortSignal): Promise<TokenGrant> {
    return refreshAccessToken(settings, credentials, signal);
  }

  async verify(ctx: ZohoContext): Promise<{ account: string | null }> {
    const response = await new ZohoClient(ctx).get<{ org?: ZohoOrg[] }>('/org');
    const org = response.body?.org?.[0];
    return { account: org?.company_name ?? org?.domain_name ?? org?.id ?? null };
  }

  /**
   * 1 call: one criteria search over Email, Secondary_Email, the external id and several renderings of the phone.
   * +1 call when a phone was given and no candidate's phone is that number: `?phone=` with the national digits,
   * which finds any stored rendering. Every candidate is re-checked here (equals behaves like contains).
   */
  async findPeople(ctx: ZohoContext, identifiers: PersonIdentifiers): Promise<PersonMatch[]> {
    const client = new ZohoClient(ctx);
    const { settings } = ctx;
    const fields = contactFields(settings);
    const candidates: ZohoContact[] = [];
    let apiDomain: string | undefined;
    const criteria = personCriteria(identifiers, settings.externalIdField);
    if (criteria !== undefined) {
      const found = await this.search(client, { criteria, fields });
      candidates.push(...found.records);
      apiDomain = found.apiDomain;
    }
    const phone = identifiers.phone;
    const phoneFound = (record: ZohoContact) =>
      phone !== undefined &&
      [record.Phone, record.Mobile].some((stored) => samePhone(stored, phone, settings.defaultRegion));
    const digits = phone === undefined ? undefined : phoneSearchDigits(phone);
    if (digits !== undefined && !candidates.some(phoneFound)) {
      const found = await this.search(client, { phone: digits, fields });
      candidates.push(...found.records);
      apiDomain ??= found.apiDomain;
    }
    if (apiDomain === undefined) {
      return [];
    }
    return toMatches(candidates, identifiers, settings, this.links(ctx, { apiDomain }), settings.defaultRegion);
  }

  async getPerson(ctx: ZohoContext, personId: string): Promise<CrmPerson | null> {
    if (!DIGITS.test(personId)) {
      return null;
    }
    try {
      const response = await new ZohoClient(ctx).get<ZohoPage<ZohoContact>>(`/Contacts/${personId}`, {
        query: { fields: contactFields(ctx.settings) },
      });
      const record = response.body?.data?.[0];
      return record ? toPerson(record, ctx.settings, this.links(ctx, response)) : null;
    } catch (error) {
      if (error instanceof ConnectorError && error.code === 'not_found') {
        return null;
      }
      throw error;
    }
  }

  /**
   * 1 call: POST /Contacts/upsert keyed by the unique external-id field when given, else by Email (Zoho then updates
   * an existing contact with that email). Names are only sent when given, so an update never overwrites them with a
   * placeholder; if Zoho answers that Last_Name is missing (an insert), the call is repeated once with one.
   */
  async upsertPerson(ctx: ZohoContext, input: PersonInput): Promise<RecordRef> {
    const { externalIdField } = ctx.settings;
    const key = input.externalId ? externalIdField : input.email ? 'Email' : undefined;
    if (key === undefined) {
      throw new ConnectorError('zoho', 'invalid_request', 'upsertPerson needs an external id or an email to key on');
    }
    const client = new ZohoClient(ctx);
    const send = (record: Record<string, unknown>) =>
      client.post<{ data: ZohoWriteEntry[] }>(
        '/Contacts/upsert',
        { data: [record], duplicate_check_fields: [key] },
        { records: 1 },
      );
    let response = await send(personToRecord(input, externalIdField, { placeholderLastName: false }));
    let entry = response.body!.data[0];
    if (entry.status !== 'success' && entry.code === 'MANDATORY_NOT_FOUND') {
      response = await send(personToRecord(input, externalIdField, { placeholderLastName: true }));
      entry = response.body!.data[0]!;
    }
    return this.writeRef(ctx, response, entry, 'Contacts', entry.action === 'insert');
  }

  async listOrders(ctx: ZohoContext, personId: string, limit: number): Promise<CrmOrder[]> {
    this.requireId(personId);
    const { records, apiDomain } = await this.related<ZohoSalesOrder>(
      new ZohoClient(ctx),
      `/Contacts/${personId}/${ctx.settings.ordersRelatedList}`,
      { fields: ORDER_FIELDS, sort_by: 'Created_Time', sort_order: 'desc' },
      limit,
    );
    const links = apiDomain === undefined ? undefined : this.links(ctx, { apiDomain });
    return links ? records.map((record) => toOrder(record, links)) : [];
  }

  async listNotes(ctx: ZohoContext, personId: string, limit: number): Promise<CrmNote[]> {
    this.requireId(personId);
    const { records, apiDomain } = await this.related<ZohoNote>(
      new ZohoClient(ctx),
      `/Contacts/${personId}/Notes`,
      { fields: NOTE_FIELDS, sort_by: 'Created_Time', sort_order: 'desc' },
      limit,
    );
    const links = apiDomain === undefined ? undefined : this.links(ctx, { apiDomain });
    return links ? records.map((record) => toNote(record, links)) : [];
  }

  /** The Cases related list filtered here (the related-list API takes no criteria; search would lag behind writes). */
  async listOpenCases(ctx: ZohoContext, personId: string, limit: number): Promise<CrmCase[]> {
    this.requireId(personId);
    const closed = ctx.settings.closedCaseStatuses;
    const { records, apiDomain } = await this.related<ZohoCase>(
      new ZohoClient(ctx),
      `/Contacts/${personId}/Cases`,
      { fields: caseFields(ctx.settings), sort_by: 'Created_Time', sort_order: 'desc' },
      limit,
      (record) => !isClosedStatus(record.Status, closed),
    );
    const links = apiDomain === undefined ? undefined : this.links(ctx, { apiDomain });
    return links ? records.map((record) => toCase(record, closed, links)) : [];
  }

  /**
   * 1 call: POST /Cases/upsert with duplicate_check_fields = the unique case-key field holding the idempotency key,
   * so a retry (even after a lost response or a restart) finds the case instead of creating a second one
   * (`action: update` → created false). The retry rewrites the fields it sends with the same values.
   */
  async createCase(ctx: ZohoContext, input: CaseInput): Promise<RecordRef> {
    this.requireId(input.personId);
    const response = await new ZohoClient(ctx).post<{ data: ZohoWriteEntry[] }>(
      '/Cases/upsert',
      { data: [caseRecord(input, ctx.settings)], duplicate_check_fields: [ctx.settings.caseKeyField] },
      { records: 1 },
    );
    const entry = response.body!.data[0];
    return this.writeRef(ctx, response, entry, 'Cases', entry.action === 'insert');
  }

  /**
   * 1 call when the marker exists, else 2: the contact's Notes related list (newest first, stops at the marker),
   * then POST /Contacts/{id}/Notes. The read-then-insert is not atomic: two attempts for the same key running at
   * the same moment could both insert. The job layer makes that safe: one job per idempotency key, run under a
   * lease, so a second attempt starts only after the first ended (or its lease ran out).
   */
  async appendNote(ctx: ZohoContext, input: NoteInput): Promise<RecordRef> {
    this.requireId(input.personId);
    const client = new ZohoClient(ctx);
    const marker = noteMarkerKey(input.idempotencyKey);
    const existing = await this.markedNotes(client, input.personId, new Set([marker]));
    const found = existing.ids.get(marker);
    if (found !== undefined) {
      return this.noteRef(ctx, existing.apiDomain, input.personId, found, false);
    }
    const response = await client.post<{ data: ZohoWriteEntry[] }>(
      `/Contacts/${input.personId}/Notes`,
      { data: [noteRecord(input, this.descriptor.maxNoteLength)] },
      { records: 1 },
    );
    const entry = response.body!.data[0];
    if (entry.status !== 'success' || typeof entry.details?.id !== 'string') {
      throw zohoRecordFailure(entry, response.status);
    }
    return this.noteRef(ctx, response.apiDomain, input.personId, entry.details.id, true);
  }

  /**
   * One Notes related-list read per contact for existing markers, then one POST /Notes (≤ 100 records) for the rest.
   * appendNotes(100 notes of one contact) = 2 calls (+1 per further 200 notes on the contact). Per-record failures
   * and contacts that no longer exist are outcomes; whole-request failures throw.
   */
  async appendNotes(ctx: ZohoContext, inputs: NoteInput[]): Promise<BatchOutcome<RecordRef>[]> {
    if (inputs.length > this.descriptor.batchLimits.notes) {
      throw new ConnectorError(
        'zoho',
        'invalid_request',
        `at most ${this.descriptor.batchLimits.notes} notes per call`,
      );
    }
    const client = new ZohoClient(ctx);
    const outcomes: Array<BatchOutcome<RecordRef> | undefined> = inputs.map(() => undefined);
    const markers = inputs.map((input) => noteMarkerKey(input.idempotencyKey));
    let apiDomain: string | undefined;

    const byPerson = new Map<string, number[]>();
    inputs.forEach((input, index) => {
      if (!DIGITS.test(input.personId)) {
        outcomes[index] = { ok: false, error: { code: 'not_found', message: 'not a Zoho record id' } };
        return;
      }
      byPerson.set(input.personId, [...(byPerson.get(input.personId) ?? []), index]);
    });
    for (const [personId, indexes] of byPerson) {
      try {
        const existing = await this.markedNotes(client, personId, new Set(indexes.map((index) => markers[index])));
        apiDomain ??= existing.apiDomain;
        for (const index of indexes) {
          const id = existing.ids.get(markers[index]);
          if (id !== undefined) {
            outcomes[index] = { ok: true, value: this.noteRef(ctx, existing.apiDomain, personId, id, false) };
          }
        }
      } catch (error) {
        if (!(error instanceof ConnectorError && error.code === 'not_found')) {
          throw error;
        }
        for (const index of indexes) {
          outcomes[index] = { ok: false, error: { code: 'not_found', message: `contact ${personId} not found` } };
        }
      }
    }

    // The same key twice in one batch is written once; the repeat reports the same record.
    const firstOf = new Map<string, number>();
    const toInsert: number[] = [];
    inputs.forEach((input, index) => {
      const sameKey = `${input.personId}|${markers[index]}`;
      if (outcomes[index] === undefined && !firstOf.has(sameKey)) {
        firstOf.set(sameKey, index);
        toInsert.push(index);
      }
    });
    if (toInsert.length > 0) {
      const response = await client.post<{ data: ZohoWriteEntry[] }>(
        '/Notes',
        {
          data: toInsert.map((index) => ({
            ...noteRecord(inputs[index], this.descriptor.maxNoteLength),
            Parent_Id: { module: { api_name: 'Contacts' }, id: inputs[index].personId },
          })),
        },
        { records: toInsert.length },
      );
      response.body!.data.forEach((entry, position) => {
        const index = toInsert[position];
        outcomes[index] =
          entry.status === 'success' && typeof entry.details?.id === 'string'
            ? { ok: true, value: this.noteRef(ctx, response.apiDomain, inputs[index].personId, entry.details.id, true) }
            : { ok: false, error: zohoRecordError(entry) };
      });
    }
    return inputs.map((input, index) => {
      const own = outcomes[index];
      if (own !== undefined) {
        return own;
      }
      const first = outcomes[firstOf.get(`${input.personId}|${markers[index]}`)!]!;
      return first.ok ? { ok: true, value: { ...first.value, created: false } } : first;
    });
  }

  /**
   * Contacts and Cases changed after the cursor: GET /{module} with If-Modified-Since, sorted by Modified_Time
   * ascending (304 = nothing changed). 2 calls per page (1 while only one module has more). The cursor holds, per
   * module, the newest Modified_Time returned and the ids returned within that second; each page restarts from
   * there (no offsets to skip records that move while paging), and a page_token is kept only when more than a page
   * of records share one second.
   */
  async listChanges(ctx: ZohoContext, cursor: string | null): Promise<ChangePage> {
    if (cursor === null) {
      return { changes: [], cursor: encodeCursor(startCursor(Date.now() - START_SKEW_MS)), hasMore: false };
    }
    const state = decodeCursor(cursor);
    if (!state) {
      throw new ConnectorError('zoho', 'invalid_request', 'unreadable change cursor');
    }
    const client = new ZohoClient(ctx);
    const pending = CHANGE_MODULES.filter((name) => state.modules[name].more === true);
    const modules = pending.length > 0 ? pending : CHANGE_MODULES;
    const next: ChangeCursor = { v: 1, modules: { ...state.modules } };
    const changes: ChangeEvent[] = [];
    for (const name of modules) {
      const page = await this.changedRecords(client, name, state.modules[name], ctx.settings);
      next.modules[name] = page.cursor;
      changes.push(...page.events);
    }
    return {
      changes,
      cursor: encodeCursor(next),
      hasMore: CHANGE_MODULES.some((name) => next.modules[name].more === true),
    };
  }

  /**
   * Zoho signs nothing: a notification carries the channel's `token` (set when the channel was created, a per-tenant
   * secret of ≤ 50 characters) and its `channel_id`. Both are compared with the stored values in constant time.
   * There is no signed timestamp: `server_time` is plain body data anyone replaying a captured callback could change,
   * so no replay window is enforced. A replay is harmless: callbacks carry ids only, and consumers re-read the
   * records from Zoho.
   */
  async parseWebhook(ctx: ZohoContext, request: WebhookRequest): Promise<ChangeEvent[]> {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new WebhookRejectedError('malformed', 'body is not JSON');
    }
    if (!isNotification(body)) {
      throw new WebhookRejectedError('malformed', 'not a Zoho CRM notification');
    }
    const credentials = await ctx.auth.current();
    const expected = credentials.notificationToken;
    if (!expected) {
      throw new WebhookRejectedError('bad_signature', 'no notification token is configured for this connector');
    }
    if (typeof body.token !== 'string' || !sameSecret(body.token, expected)) {
      throw new WebhookRejectedError('bad_signature', 'notification token does not match');
    }
    const channel = ctx.settings.notificationChannelId;
    if (channel !== undefined && !sameSecret(String(body.channel_id), channel)) {
      throw new WebhookRejectedError('bad_signature', 'notification channel does not match');
    }
    return notificationEvents(body, ctx.settings.closedCaseStatuses, Date.now());
  }

  // -------------------------------------------------------------------------------------------------------------

  private links(ctx: ZohoContext, response: Pick<ZohoResponse<unknown>, 'apiDomain'>): RecordLinks {
    return { webBase: crmWebBase(response.apiDomain, ctx.settings.crmWebUrl) };
  }

  private requireId(id: string): void {
    if (!DIGITS.test(id)) {
      throw new ConnectorError('zoho', 'not_found', 'not a Zoho record id');
    }
  }

  private writeRef(
    ctx: ZohoContext,
    response: ZohoResponse<unknown>,
    entry: ZohoWriteEntry,
    module: 'Contacts' | 'Cases',
    created: boolean,
  ): RecordRef {
    const id = entry.details?.id;
    if (entry.status !== 'success' || typeof id !== 'string') {
      throw zohoRecordFailure(entry, response.status);
    }
    return { id, objectType: module, url: recordUrl(this.links(ctx, response), module, id), created };
  }

  /** Notes have no page of their own in the web app: the link opens the contact. */
  private noteRef(ctx: ZohoContext, apiDomain: string, personId: string, id: string, created: boolean): RecordRef {
    return { id, objectType: 'Notes', url: recordUrl(this.links(ctx, { apiDomain }), 'Contacts', personId), created };
  }

  private async search(client: ZohoClient, query: Query): Promise<{ records: ZohoContact[]; apiDomain: string }> {
    const records: ZohoContact[] = [];
    let apiDomain = '';
    for (let page = 1; page <= MAX_SEARCH_PAGES; page += 1) {
      const response = await client.get<ZohoPage<ZohoContact>>('/Contacts/search', {
        query: { ...query, per_page: PAGE_SIZE, page },
      });
      apiDomain = response.apiDomain;
      records.push(...(response.body?.data ?? []));
      if (response.status === 204 || response.body?.info?.more_records !== true) {
        break;
      }
    }
    return { records, apiDomain };
  }

  /**
   * Pages a related list (newest first) until `limit` records passing `keep` are collected. Uses next_page_token
   * when Zoho offers one, else page numbers. 204 = the list is empty.
   */
  private async related<T extends ZohoRecord>(
    client: ZohoClient,
    path: string,
    query: Query,
    limit: number,
    keep: (record: T) => boolean = () => true,
    stop: (record: T) => boolean = () => false,
  ): Promise<{ records: T[]; apiDomain: string | undefined }> {
    const records: T[] = [];
    let apiDomain: string | undefined;
    let pageToken: string | undefined;
    const perPage = Math.max(1, Math.min(PAGE_SIZE, limit));
    for (let page = 1; page <= MAX_RELATED_PAGES && records.length < limit; page += 1) {
      const response = await client.get<ZohoPage<T>>(path, {
        query: { ...query, per_page: perPage, ...(pageToken ? { page_token: pageToken } : { page }) },
      });
      apiDomain = response.apiDomain;
      const data = response.body?.data ?? [];
      let stopped = false;
      for (const record of data) {
        if (keep(record) && records.length < limit) {
          records.push(record);
        }
        if (stop(record)) {
          stopped = true;
        }
      }
      const info = response.body?.info;
      if (stopped || response.status === 204 || info?.more_records !== true) {
        break;
      }
      pageToken = info.next_page_token ?? undefined;
    }
    return { records, apiDomain };
  }

  /** Note ids by marker key, for the wanted keys, from the contact's Notes related list (newest first). */
  private async markedNotes(
    client: ZohoClient,
    personId: string,
    wanted: Set<string>,
  ): Promise<{ ids: Map<string, string>; apiDomain: string }> {
    const ids = new Map<string, string>();
    const { apiDomain } = await this.related<ZohoNote>(
      client,
      `/Contacts/${personId}/Notes`,
      { fields: 'Note_Title,Created_Time', sort_by: 'Created_Time', sort_order: 'desc' },
      PAGE_SIZE * MAX_RELATED_PAGES,
      () => false,
      (note) => {
        const marker = noteMarkerOf(note.Note_Title);
        if (marker !== undefined && wanted.has(marker) && !ids.has(marker)) {
          ids.set(marker, note.id);
        }
        return ids.size === wanted.size;
      },
    );
    return { ids, apiDomain: apiDomain ?? '' };
  }

  private async changedRecords(
    client: ZohoClient,
    module: ChangeModule,
    cursor: ModuleCursor,
    settings: ZohoSettings,
  ): Promise<{ cursor: ModuleCursor; events: ChangeEvent[] }> {
    const fields = module === 'Cases' ? `Modified_Time,Status,${settings.caseContactField}` : 'Modified_Time';
    const from = cursor.scan?.from ?? scanFrom(cursor, Date.now());
    const scan = cursor.scan;
    let response: ZohoResponse<ZohoPage<ZohoRecord>>;
    try {
      response = await client.get<ZohoPage<ZohoRecord>>(`/${module}`, {
        query: {
          fields,
          sort_by: 'Modified_Time',
          sort_order: 'asc',
          per_page: PAGE_SIZE,
          ...(scan?.pageToken !== undefined ? { page_token: scan.pageToken } : {}),
          ...(scan?.pageToken === undefined && scan?.page !== undefined ? { page: scan.page } : {}),
        },
        headers: { 'If-Modified-Since': from },
      });
    } catch (error) {
      // An expired page token (they live 24 h) restarts the scan from the cursor, which is still exact.
      if (!(scan && error instanceof ConnectorError && error.code === 'invalid_request')) {
        throw error;
      }
      return this.changedRecords(client, module, { since: cursor.since, ids: cursor.ids }, settings);
    }
    const records = response.status === 304 ? [] : (response.body?.data ?? []);
    const advanced = advanceCursor({ since: cursor.since, ids: cursor.ids }, records);
    const info = response.body?.info;
    let next: ModuleCursor = advanced.cursor;
    if (response.status !== 304 && info?.more_records === true) {
      next = { ...next, more: true };
      // A full page without a single new record: more than a page shares one second, so that scan goes on by
      // offset. Only here can Zoho's offset paging skip a record that moves while we page (it reappears with its
      // next change); once a page brings progress, the next call restarts from the cursor again.
      if (advanced.fresh.length === 0) {
        next = {
          ...next,
          scan: info.next_page_token
            ? { from, pageToken: info.next_page_token }
            : { from, page: (scan?.page ?? 1) + 1 },
        };
      }
    }
    const events = advanced.fresh.map((record) =>
      module === 'Cases' ? caseChange(record as ZohoCase, settings) : contactChange(record),
    );
    return { cursor: next, events };
  }
}

/** Constant-time comparison of two secrets of any length (digests first, so the length leaks nothing). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
