import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError, WebhookRejectedError, type ConnectorErrorCode } from '../connector.errors';
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
import {
  associatedIds,
  batchAssociate,
  batchRead,
  batchReadAssociations,
  batchUpdate,
  batchUpsert,
  getObject,
  refreshGrant,
  search,
  settingsOf,
  ticketPipelineList,
  verifyAccess,
  type HubspotContext,
} from './hubspot.client';
import { hubspotDescriptor, isPrivateApp, type HubspotCredentials, type HubspotSettings } from './hubspot.descriptor';
import { HubspotConflictError } from './hubspot.errors';
import {
  OBJECT_TYPE_IDS,
  advanceStream,
  batchErrorCode,
  batchErrorFor,
  contactChange,
  contactProperties,
  decodeCursor,
  encodeCursor,
  hubspotPriority,
  isHubspotId,
  lineItemProperties,
  literalFilter,
  mapContact,
  mapNote,
  mapOrder,
  mapTicket,
  mapWebhookEvents,
  noteHtml,
  noteProperties,
  orderPlacedAt,
  orderProperties,
  personProperties,
  phoneMatches,
  phoneRenderings,
  recordUrl,
  ticketChange,
  ticketContent,
  ticketPipelines,
  ticketProperties,
  toMs,
  upsertCreated,
  webhookNeedsPipelines,
  type HsBatchError,
  type HsObject,
  type HsWebhookEvent,
  type StreamCursor,
} from './hubspot.mapper';

/** HUBSPOT_DEFINED association type ids ("Associate records" guide tables). */
const NOTE_TO_CONTACT = 202;
const TICKET_TO_CONTACT = 16;
const BATCH_LIMIT = 100;
/** Search page size for incremental sync (HubSpot allows up to 200). */
const CHANGES_PAGE = 100;
/** listChanges(null) starts this far back, so a clock a little ahead of HubSpot's loses nothing. */
const START_MARGIN_MS = 60_000;
const REPLAY_WINDOW_MS = 5 * 60_000;
const MATCH_RANK: Record<MatchedBy, number> = { external_id: 0, email: 1, phone: 2 };

const E164 = /^\+[1-9]\d{6,14}$/;

function fail(code: ConnectorErrorCode, message: string): ConnectorError {
  return new ConnectorError('hubspot', code, message);
}

function batchFailure(
  error: HsBatchError | undefined,
  fallback: string,
): { code: ConnectorErrorCode; message: string } {
  if (!error) {
    return { code: 'unknown', message: fallback };
  }
  return {
    code: batchErrorCode(error.category),
    message: `${error.category ?? 'error'}: ${(error.message ?? fallback).slice(0, 300)}`,
  };
}

/** Newest first by id (HubSpot ids grow over time), numerically. */
function newestIds(ids: string[], count: number): string[] {
  return [...new Set(ids)].sort((a, b) => b.length - a.length || (b > a ? 1 : b < a ? -1 : 0)).slice(0, count);
}

const clampLimit = (limit: number): number => Math.min(Math.max(Math.trunc(limit) || 1, 1), BATCH_LIMIT);

function headerOf(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) {
      return value;
    }
  }
  return undefined;
}

const SIGNED_ESCAPES = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

/**
 * HubSpot request validation v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)) where uri is the
 * full URL HubSpot called with %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B decoded, and the timestamp
 * (X-HubSpot-Request-Timestamp, ms) at most 5 minutes old.
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function verifyHubspotSignatureV3(
  request: WebhookRequest,
  secret: string,
  now = Date.now(),
): { ok: true } | { ok: false; reason: 'bad_signature' | 'stale' | 'malformed'; message: string } {
  const signature = headerOf(request.headers, 'x-hubspot-signature-v3');
  const timestamp = headerOf(request.headers, 'x-hubspot-request-timestamp');
  if (!signature || !timestamp) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: 'missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp',
    };
  }
  if (!/^\d{1,16}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed', message: 'X-HubSpot-Request-Timestamp is not epoch milliseconds' };
  }
  if (Math.abs(now - Number(timestamp)) > REPLAY_WINDOW_MS) {
    return { ok: false, reason: 'stale', message: 'the request timestamp is outside the 5-minute window' };
  }
  const uri = request.url.replace(SIGNED_ESCAPES, (escape) => decodeURIComponent(escape));
  const expected = createHmac('sha256', secret)
    .update(request.method.toUpperCase() + uri + request.rawBody.toString('utf8') + timestamp, 'utf8')
    .digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature', message: 'the signature does not match' };
  }
  return { ok: true };
}

/**
 * HubSpot CRM (contacts, notes, tickets, orders) through @hubspot/api-client 14.
 *
 * Idempotency lives in HubSpot, in "unique values" properties, so it survives retries and restarts:
 * - people: batch upsert by `email` or by the external-id property (race-free: HubSpot resolves the key);
 * - notes: batch upsert by the transcript-key property holding the idempotency key, then a v4 association (also
 *   idempotent: associating an associated pair changes nothing);
 * - cases: read by the session-key property, upsert by it when absent (so a retry never moves a ticket an agent
 *   has already worked back to the first stage), then the association.
 */
@Injectable()
export class HubspotConnector implements CrmConnector<HubspotSettings, HubspotCredentials> {
  readonly descriptor = hubspotDescriptor;

  refreshGrant(settings: HubspotSettings, credentials: HubspotCredentials, signal: AbortSignal): Promise<TokenGrant> {
    return refreshGrant(settings, credentials, signal);
  }

  async verify(ctx: HubspotContext): Promise<{ account: string | null }> {
    const { hubDomain, hubId } = await verifyAccess(ctx);
    const portal = hubId ?? settingsOf(ctx).portalId;
    return { account: hubDomain ?? (portal ? `HubSpot portal ${portal}` : null) };
  }

  // -------------------------------------------------------------------------------------------------------------
  // People

  /** external id and email: one batch read each (idProperty); phone: one search. All in parallel. */
  async findPeople(ctx: HubspotContext, identifiers: PersonIdentifiers): Promise<PersonMatch[]> {
    const settings = settingsOf(ctx);
    const lookups: Array<Promise<PersonMatch[]>> = [];
    const externalId = identifiers.externalId?.trim();
    const email = identifiers.email?.trim().toLowerCase();
    const phone = identifiers.phone?.trim();
    if (externalId) {
      lookups.push(
        this.readByUnique(
          ctx,
          settings,
          settings.externalIdProperty,
          externalId,
          'external_id',
          (person) => person.externalId === externalId,
        ),
      );
    }
    if (email) {
      lookups.push(
        this.readByUnique(ctx, settings, 'email', email, 'email', (person) => person.emails.includes(email)),
      );
    }
    if (phone && E164.test(phone)) {
      lookups.push(this.findByPhone(ctx, settings, phone));
    }
    const best = new Map<string, PersonMatch>();
    for (const match of (await Promise.all(lookups)).flat()) {
      const seen = best.get(match.person.id);
      if (!seen || MATCH_RANK[match.matchedBy] < MATCH_RANK[seen.matchedBy]) {
        best.set(match.person.id, match);
      }
    }
    return [...best.values()];
  }

  private async readByUnique(
    ctx: HubspotContext,
    settings: HubspotSettings,
    idProperty: string,
    value: string,
    matchedBy: MatchedBy,
    recheck: (person: CrmPerson) => boolean,
  ): Promise<PersonMatch[]> {
    let response;
    try {
      response = await batchRead(ctx, 'contacts', {
        ids: [value],
        idProperty,
        properties: contactProperties(settings),
      });
    } catch (error) {
      // `email` always exists, so a 400 there can only be about the value (a string HubSpot does not take for an
      // email): nobody has it. For the configured external-id property a 400 stays visible (missing property).
      if (idProperty === 'email' && error instanceof ConnectorError && error.code === 'invalid_request') {
        return [];
      }
      throw error;
    }
    // A 207 whose only error is OBJECT_NOT_FOUND is "nobody has this value"; anything else is a real failure.
    const other = (response.errors ?? []).find((error) => error.category !== 'OBJECT_NOT_FOUND');
    if (other && response.results.length === 0) {
      const { code, message } = batchFailure(other, 'contact lookup failed');
      throw fail(code, message);
    }
    return response.results
      .map((object) => mapContact(object, settings))
      .filter(recheck)
      .map((person) => ({ person, matchedBy }));
  }

  /**
   * HubSpot compares phone values as typed, so the search asks for every common rendering of the number in
   * `phone` or `mobilephone` (two OR'ed filter groups, values as JSON data), then each hit is parsed and compared
   * with the E.164 value in code: a loose hit never becomes a match.
   */
  private async findByPhone(ctx: HubspotContext, settings: HubspotSettings, e164: string): Promise<PersonMatch[]> {
    const renderings = phoneRenderings(e164);
    const page = await search(ctx, 'contacts', {
      filterGroups: [
        { filters: [literalFilter('phone', 'IN', renderings)] },
        { filters: [literalFilter('mobilephone', 'IN', renderings)] },
      ],
      properties: contactProperties(settings),
      limit: 100,
    });
    return page.results
      .filter(
        (object) => phoneMatches(object.properties.phone, e164) || phoneMatches(object.properties.mobilephone, e164),
      )
      .map((object) => ({ person: mapContact(object, settings), matchedBy: 'phone' as const }));
  }

  async getPerson(ctx: HubspotContext, personId: string): Promise<CrmPerson | null> {
    if (!isHubspotId(personId)) {
      return null;
    }
    const settings = settingsOf(ctx);
    try {
      const object = await getObject(ctx, 'contacts', personId, contactProperties(settings));
      // A merged-away id answers with the surviving contact: for this id the person is gone.
      return object.id === personId ? mapContact(object, settings) : null;
    } catch (error) {
      if (error instanceof ConnectorError && error.code === 'not_found') {
        return null;
      }
      throw error;
    }
  }

  /**
   * One batch upsert keyed by the external id (email as a property) or, without one, by email. When the email
   * already belongs to another contact HubSpot answers 409 "Contact already exists. Existing ID: N": that contact is
   * the person, so it is updated (and given the external id if it has none) and returned with created = false.
   */
  async upsertPerson(ctx: HubspotContext, input: PersonInput): Promise<RecordRef> {
    const settings = settingsOf(ctx);
    const properties = personProperties(input);
    const externalId = input.externalId?.trim();
    const key = externalId
      ? { idProperty: settings.externalIdProperty, id: externalId }
      : properties.email
        ? { idProperty: 'email', id: properties.email }
        : undefined;
    if (!key) {
      throw fail('invalid_request', 'upsertPerson needs an externalId or an email (HubSpot upserts by a unique key)');
    }
    const ref = (id: string, created: boolean): RecordRef => ({
      id,
      objectType: 'contacts',
      url: recordUrl(settings, OBJECT_TYPE_IDS.contacts, id),
      created,
    });
    try {
      const response = await batchUpsert(ctx, 'contacts', [{ ...key, properties }]);
      const object = response.results[0];
      if (!object) {
        const { code, message } = batchFailure(response.errors?.[0], 'HubSpot returned no contact');
        throw fail(code, message);
      }
      return ref(object.id, upsertCreated(object));
    } catch (error) {
      if (!(error instanceof HubspotConflictError) || !error.existingId || !externalId) {
        throw error;
      }
      const existingId = error.existingId;
      const existing = await getObject(ctx, 'contacts', existingId, [settings.externalIdProperty]);
      const updates: Record<string, string> = { ...properties };
      delete updates.email;
      if (!existing.properties[settings.externalIdProperty]) {
        updates[settings.externalIdProperty] = externalId;
      }
      if (Object.keys(updates).length > 0) {
        await batchUpdate(ctx, 'contacts', [{ id: existingId, properties: updates }]);
      }
      return ref(existingId, false);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reads of related records

  /** Associations (1 call, more only past 500 orders) + batch read orders + batch read order→line item associations + batch read line items. */
  async listOrders(ctx: HubspotContext, personId: string, limit: number): Promise<CrmOrder[]> {
    if (!isHubspotId(personId)) {
      return [];
    }
    const settings = settingsOf(ctx);
    const ids = await associatedIds(ctx, 'contacts', personId, 'orders');
    if (ids.length === 0) {
      return [];
    }
    // The orders and their line-item associations are read side by side (both only need the order ids): the agent
    // waits for three round trips instead of four. Associations of orders past `limit` are read and not used.
    const newest = newestIds(ids, BATCH_LIMIT);
    const [read, itemIdsByOrder] = await Promise.all([
      batchRead(ctx, 'orders', { ids: newest, properties: orderProperties() }),
      batchReadAssociations(ctx, 'orders', 'line_items', newest),
    ]);
    const orders = read.results
      .sort((a, b) => (orderPlacedAt(b) ?? '').localeCompare(orderPlacedAt(a) ?? ''))
      .slice(0, clampLimit(limit));
    if (orders.length === 0) {
      return [];
    }
    const itemIds = [...new Set(orders.flatMap((order) => itemIdsByOrder.get(order.id) ?? []))];
    const items = new Map<string, HsObject>();
    for (let start = 0; start < itemIds.length; start += BATCH_LIMIT) {
      const page = await batchRead(ctx, 'line_items', {
        ids: itemIds.slice(start, start + BATCH_LIMIT),
        properties: lineItemProperties(),
      });
      page.results.forEach((item) => items.set(item.id, item));
    }
    return orders.map((order) =>
      mapOrder(
        order,
        (itemIdsByOrder.get(order.id) ?? [])
          .map((id) => items.get(id))
          .filter((item): item is HsObject => item !== undefined),
        settings,
      ),
    );
  }

  /** Associations contact→notes + one batch read of the newest 100. */
  async listNotes(ctx: HubspotContext, personId: string, limit: number): Promise<CrmNote[]> {
    if (!isHubspotId(personId)) {
      return [];
    }
    const settings = settingsOf(ctx);
    const ids = await associatedIds(ctx, 'contacts', personId, 'notes');
    if (ids.length === 0) {
      return [];
    }
    const read = await batchRead(ctx, 'notes', { ids: newestIds(ids, BATCH_LIMIT), properties: noteProperties() });
    const contactUrl = recordUrl(settings, OBJECT_TYPE_IDS.contacts, personId);
    return read.results
      .map((note) => mapNote(note, contactUrl))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
      .slice(0, clampLimit(limit));
  }

  /** Associations contact→tickets, then the pipelines and a batch read in parallel; closed stages filtered out. */
  async listOpenCases(ctx: HubspotContext, personId: string, limit: number): Promise<CrmCase[]> {
    if (!isHubspotId(personId)) {
      return [];
    }
    const settings = settingsOf(ctx);
    const ids = await associatedIds(ctx, 'contacts', personId, 'tickets');
    if (ids.length === 0) {
      return [];
    }
    const [pipelines, read] = await Promise.all([
      ticketPipelineList(ctx),
      batchRead(ctx, 'tickets', { ids: newestIds(ids, BATCH_LIMIT), properties: ticketProperties() }),
    ]);
    const stages = ticketPipelines(pipelines);
    return read.results
      .map((ticket) => mapTicket(ticket, stages, settings))
      .filter((item) => item.state === 'open' || item.state === 'pending')
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
      .slice(0, clampLimit(limit));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Writes

  /**
   * Read by the session key; when absent: pipeline stage (setting or pipelines API) + upsert by the key; then the
   * ticket→contact association. 2 calls when the case exists, 3–4 when it is new.
   */
  async createCase(ctx: HubspotContext, input: CaseInput): Promise<RecordRef> {
    const settings = settingsOf(ctx);
    if (!isHubspotId(input.personId)) {
      throw fail('invalid_request', 'personId is not a HubSpot contact id');
    }
    const key = input.idempotencyKey.trim();
    if (!key) {
      throw fail('invalid_request', 'idempotencyKey is empty');
    }
    const found = await batchRead(ctx, 'tickets', {
      ids: [key],
      idProperty: settings.caseKeyProperty,
      properties: ['hs_pipeline_stage'],
    });
    let ticket = found.results[0];
    let created = false;
    if (!ticket) {
      const stage = settings.ticketStageId
        ? { pipelineId: settings.ticketPipelineId, stageId: settings.ticketStageId }
        : ticketPipelines(await ticketPipelineList(ctx)).initialStage(settings.ticketPipelineId);
      if (!stage) {
        throw fail('invalid_request', 'no open ticket stage found in the ticket pipeline');
      }
      const response = await batchUpsert(ctx, 'tickets', [
        {
          id: key,
          idProperty: settings.caseKeyProperty,
          properties: {
            subject: input.subject,
            content: ticketContent(input.description, input.transcript),
            ...(stage.pipelineId ? { hs_pipeline: stage.pipelineId } : {}),
            hs_pipeline_stage: stage.stageId,
            hs_ticket_priority: hubspotPriority(input.priority),
          },
        },
      ]);
      ticket = response.results[0];
      if (!ticket) {
        const { code, message } = batchFailure(response.errors?.[0], 'HubSpot returned no ticket');
        throw fail(code, message);
      }
      created = upsertCreated(ticket);
    }
    const linked = await batchAssociate(ctx, 'tickets', 'contacts', TICKET_TO_CONTACT, [
      { from: ticket.id, to: input.personId },
    ]);
    if (linked.results.length === 0) {
      const { code, message } = batchFailure(linked.errors[0], 'the ticket could not be associated with the contact');
      throw fail(code, message);
    }
    return {
      id: ticket.id,
      objectType: 'tickets',
      url: recordUrl(settings, OBJECT_TYPE_IDS.tickets, ticket.id),
      created,
    };
  }

  async appendNote(ctx: HubspotContext, input: NoteInput): Promise<RecordRef> {
    const [outcome] = await this.appendNotes(ctx, [input]);
    if (!outcome) {
      throw fail('unknown', 'no outcome for the note');
    }
    if (!outcome.ok) {
      throw fail(outcome.error.code, outcome.error.message);
    }
    return outcome.value;
  }

  /**
   * 2 calls for up to 100 notes: one notes batch upsert by the transcript key (its per-record `new` gives
   * `created`), one v4 batch association note→contact (202). A record that fails in either step is an
   * {ok:false} outcome; a whole-request failure throws. Repeated keys in one batch are sent once.
   */
  async appendNotes(ctx: HubspotContext, inputs: NoteInput[]): Promise<BatchOutcome<RecordRef>[]> {
    if (inputs.length > BATCH_LIMIT) {
      throw fail('invalid_request', `at most ${BATCH_LIMIT} notes per batch`);
    }
    const settings = settingsOf(ctx);
    const keyProperty = settings.transcriptKeyProperty;
    const outcomes: Array<BatchOutcome<RecordRef> | undefined> = inputs.map((input) =>
      !isHubspotId(input.personId)
        ? { ok: false, error: { code: 'invalid_request', message: 'personId is not a HubSpot contact id' } }
        : !input.idempotencyKey.trim()
          ? { ok: false, error: { code: 'invalid_request', message: 'idempotencyKey is empty' } }
          : undefined,
    );
    const firstByKey = new Map<string, number>();
    inputs.forEach((input, index) => {
      if (!outcomes[index] && !firstByKey.has(input.idempotencyKey.trim())) {
        firstByKey.set(input.idempotencyKey.trim(), index);
      }
    });
    const unique = [...firstByKey.entries()];
    if (unique.length > 0) {
      const timestamp = new Date().toISOString();
      // objectWriteTraceId (the input's index) finds each result and error again whatever order HubSpot answers in.
      const upserted = await batchUpsert(
        ctx,
        'notes',
        unique.map(([key, index]) => ({
          id: key,
          idProperty: keyProperty,
          objectWriteTraceId: String(index),
          properties: { hs_note_body: noteHtml(inputs[index].title, inputs[index].body), hs_timestamp: timestamp },
        })),
      );
      const byKey = new Map<string, HsObject>();
      for (const object of upserted.results) {
        const traced = object.objectWriteTraceId === undefined ? undefined : inputs[Number(object.objectWriteTraceId)];
        const key = object.properties[keyProperty] ?? traced?.idempotencyKey.trim();
        if (key) {
          byKey.set(key, object);
        }
      }
      const written: Array<{ key: string; index: number; note: HsObject }> = [];
      for (const [key, index] of unique) {
        const note = byKey.get(key);
        if (note) {
          written.push({ key, index, note });
        } else {
          const error =
            batchErrorFor(upserted.errors, [key, String(index)]) ??
            (unique.length === 1 ? upserted.errors?.[0] : undefined);
          outcomes[index] = { ok: false, error: batchFailure(error, 'HubSpot did not write this note') };
        }
      }
      if (written.length > 0) {
        const linked = await batchAssociate(
          ctx,
          'notes',
          'contacts',
          NOTE_TO_CONTACT,
          written.map(({ index, note }) => ({ from: note.id, to: inputs[index].personId })),
        );
        const done = new Set(linked.results.map((r) => `${r.fromObjectId}:${r.toObjectId}`));
        for (const { index, note } of written) {
          const personId = inputs[index].personId;
          outcomes[index] = done.has(`${note.id}:${personId}`)
            ? {
                ok: true,
                value: {
                  id: note.id,
                  objectType: 'notes',
                  url: recordUrl(settings, OBJECT_TYPE_IDS.contacts, personId),
                  created: upsertCreated(note),
                },
              }
            : {
                ok: false,
                error: batchFailure(
                  batchErrorFor(linked.errors, [note.id]) ?? (written.length === 1 ? linked.errors[0] : undefined),
                  'the note could not be associated with the contact',
                ),
              };
        }
      }
    }
    return inputs.map((input, index) => {
      const own = outcomes[index];
      if (own) {
        return own;
      }
      const first = outcomes[firstByKey.get(input.idempotencyKey.trim()) ?? -1];
      if (first?.ok) {
        return { ok: true, value: { ...first.value, created: false } };
      }
      return first ?? { ok: false, error: { code: 'unknown', message: 'no outcome' } };
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Changes

  /**
   * Two searches per page (contacts by lastmodifieddate, tickets by hs_lastmodifieddate, both ascending from the
   * cursor's time), plus the ticket pipelines and the tickets' contacts when tickets changed: 2–4 calls.
   */
  async listChanges(ctx: HubspotContext, cursor: string | null): Promise<ChangePage> {
    if (cursor === null) {
      const t = Date.now() - START_MARGIN_MS;
      return {
        changes: [],
        cursor: encodeCursor({ contacts: { t, skip: [] }, tickets: { t, skip: [] } }),
        hasMore: false,
      };
    }
    const state = decodeCursor(cursor);
    if (!state) {
      throw fail('invalid_request', 'not a HubSpot change cursor');
    }
    const settings = settingsOf(ctx);
    const [contacts, tickets] = await Promise.all([
      this.changedSince(ctx, 'contacts', 'lastmodifieddate', contactProperties(settings), state.contacts),
      this.changedSince(ctx, 'tickets', 'hs_lastmodifieddate', ticketProperties(), state.tickets),
    ]);
    const changes: ChangeEvent[] = contacts.objects.map(contactChange);
    if (tickets.objects.length > 0) {
      const ids = tickets.objects.map((ticket) => ticket.id);
      const [pipelines, contactsOf] = await Promise.all([
        ticketPipelineList(ctx),
        batchReadAssociations(ctx, 'tickets', 'contacts', ids),
      ]);
      const stages = ticketPipelines(pipelines);
      changes.push(
        ...tickets.objects.map((ticket) => ticketChange(ticket, stages, contactsOf.get(ticket.id)?.[0] ?? null)),
      );
    }
    changes.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    return {
      changes,
      cursor: encodeCursor({ contacts: contacts.next, tickets: tickets.next }),
      hasMore: contacts.hasMore || tickets.hasMore,
    };
  }

  private async changedSince(
    ctx: HubspotContext,
    objectType: string,
    modifiedProperty: string,
    properties: string[],
    cursor: StreamCursor,
  ): Promise<{ objects: HsObject[]; next: StreamCursor; hasMore: boolean }> {
    const page = await search(ctx, objectType, {
      filterGroups: [{ filters: [literalFilter(modifiedProperty, 'GTE', String(cursor.t))] }],
      sorts: [{ propertyName: modifiedProperty, direction: 'ASCENDING' }],
      properties,
      limit: CHANGES_PAGE,
      ...(cursor.after ? { after: String(cursor.after) } : {}),
    });
    const rows = page.results.map((object) => ({
      id: object.id,
      modifiedMs: toMs(object.properties[modifiedProperty]) ?? toMs(object.updatedAt) ?? cursor.t,
    }));
    const step = advanceStream(cursor, rows, Boolean(page.paging?.next?.after), CHANGES_PAGE);
    const emit = new Set(step.emit);
    return { objects: page.results.filter((object) => emit.has(object.id)), next: step.next, hasMore: step.hasMore };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Webhooks

  /**
   * v3 signature with the webhook secret (or the OAuth app's client secret), 5-minute window, then the event array.
   * A public app signs every portal's events with the same secret, so events of another portal are dropped when the
   * connector knows its portalId. Reads the ticket pipelines (1 call) only for stage changes.
   */
  async parseWebhook(ctx: HubspotContext, request: WebhookRequest): Promise<ChangeEvent[]> {
    const credentials = await ctx.auth.current();
    const secret = credentials.webhookSecret ?? (isPrivateApp(credentials) ? undefined : credentials.clientSecret);
    if (!secret) {
      throw new WebhookRejectedError('bad_signature', 'no HubSpot webhook signing secret is configured');
    }
    const verdict = verifyHubspotSignatureV3(request, secret);
    if (!verdict.ok) {
      throw new WebhookRejectedError(verdict.reason, verdict.message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new WebhookRejectedError('malformed', 'the body is not JSON');
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (!list.every((event) => typeof event === 'object' && event !== null)) {
      throw new WebhookRejectedError('malformed', 'expected an array of event objects');
    }
    const portalId = settingsOf(ctx).portalId;
    const events = (list as HsWebhookEvent[]).filter(
      (event) => !portalId || event.portalId === undefined || String(event.portalId) === portalId,
    );
    const pipelines = webhookNeedsPipelines(events) ? ticketPipelines(await ticketPipelineList(ctx)) : undefined;
    return mapWebhookEvents(events, pipelines);
  }
}
