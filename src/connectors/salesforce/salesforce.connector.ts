import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
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
import { SalesforceClient, refreshAccessToken, type SalesforceContext } from './salesforce.client';
import {
  salesforceDescriptor,
  salesforceSettingsSchema,
  type SalesforceCredentials,
  type SalesforceSettings,
} from './salesforce.descriptor';
import { SalesforceApiFailure, duplicateMatchIds, fromRecordErrors } from './salesforce.errors';
import {
  CHANGE_PAGE_SIZE,
  advance,
  caseRecord,
  changesSoql,
  contactByIdSoql,
  contactWrite,
  contactsByEmailSoql,
  decodeCursor,
  encodeCursor,
  externalIdOwnersSoql,
  externalKeyValue,
  findPeopleSoql,
  isSalesforceId,
  matchedBy,
  notesSoql,
  openCasesSoql,
  ordersSoql,
  outboundEvents,
  parseOutboundMessage,
  placeholderLastName,
  recordUrl,
  sameSalesforceId,
  taskRecord,
  toCase,
  toChangeEvent,
  toNotes,
  toOrder,
  toPerson,
  type ChangeCursor,
  type SfRecord,
} from './salesforce.mapper';

const MAX_MATCHES = 50;
const MAX_LIST = 200;

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_LIST, Math.floor(Number.isFinite(limit) ? limit : MAX_LIST)));
}

function requireId(value: string, what: string): string {
  if (!isSalesforceId(value)) {
    throw new ConnectorError('salesforce', 'invalid_request', `${what} is not a Salesforce record id`);
  }
  return value;
}

function isVendorFailure(error: unknown, ...vendorCodes: string[]): error is SalesforceApiFailure {
  return error instanceof SalesforceApiFailure && vendorCodes.includes(error.vendorCode ?? '');
}

/**
 * Salesforce through REST API v62.0 (jsforce on the wire). Idempotency lives in the org, in External ID + Unique
 * fields: Contact.External_Id__c (people), Task.Chat_Transcript_Key__c (transcripts), Case.Chat_Session_Key__c
 * (escalations). Every write with a key is an upsert on that field, so a retry after a lost response, a crash or a
 * restart lands on the same record and `created` is what Salesforce says it did.
 */
@Injectable()
export class SalesforceConnector implements CrmConnector<SalesforceSettings, SalesforceCredentials> {
  readonly descriptor = salesforceDescriptor;

  refreshGrant(
    settings: SalesforceSettings,
    credentials: SalesforceCredentials,
    signal: AbortSignal,
  ): Promise<TokenGrant> {
    return refreshAccessToken(this.settings(settings), credentials, signal);
  }

  /**
   * GET /services/data/vXX.X/ (one call). Its `identity` URL ends in /id/{orgId}/{userId}; the org id is the
   * account, and must equal settings.organizationId when that is set (else every Outbound Message would be refused).
   */
  async verify(ctx: SalesforceContext): Promise<{ account: string | null }> {
    const client = this.client(ctx);
    const { body } = await client.resources();
    const identity = typeof body?.identity === 'string' ? body.identity : '';
    const orgId = /\/id\/(00D[A-Za-z0-9]{12,15})\/[A-Za-z0-9]{15,18}\/?$/.exec(identity)?.[1] ?? null;
    const expected = this.settings(ctx.settings).organizationId;
    if (orgId && expected && !sameSalesforceId(orgId, expected)) {
      throw new ConnectorError(
        'salesforce',
        'invalid_request',
        `these credentials belong to org ${orgId}, but organizationId is set to ${expected}`,
      );
    }
    return { account: orgId };
  }

  /**
   * One SOQL query (plus nextRecordsUrl pages only if Salesforce splits the result): Email =, External Id =, and
   * Phone/MobilePhone IN (renderings of the E.164 number). Every row is re-checked in code; one match per record,
   * tagged with the strongest identifier it matched.
   */
  async findPeople(ctx: SalesforceContext, identifiers: PersonIdentifiers): Promise<PersonMatch[]> {
    const settings = this.settings(ctx.settings);
    const soql = findPeopleSoql(settings, identifiers, MAX_MATCHES);
    if (!soql) {
      return [];
    }
    const client = this.client(ctx);
    const records = await client.query<SfRecord>(soql, MAX_MATCHES);
    const matches: PersonMatch[] = [];
    for (const record of records) {
      const by = matchedBy(record, settings, identifiers);
      if (by) {
        matches.push({ person: toPerson(record, settings, client.instanceUrl), matchedBy: by });
      }
    }
    return matches;
  }

  /**
   * A SOQL query by Id (one call) rather than the retrieve resource: it returns Account.Name with the contact, and a
   * deleted or merged-away contact simply is not there (NOT_FOUND / ENTITY_IS_DELETED are treated the same).
   */
  async getPerson(ctx: SalesforceContext, personId: string): Promise<CrmPerson | null> {
    const settings = this.settings(ctx.settings);
    const client = this.client(ctx);
    try {
      const [record] = await client.query<SfRecord>(contactByIdSoql(settings, requireId(personId, 'personId')), 1);
      return record ? toPerson(record, settings, client.instanceUrl) : null;
    } catch (error) {
      if (isVendorFailure(error, 'NOT_FOUND', 'ENTITY_IS_DELETED')) {
        return null;
      }
      throw error;
    }
  }

  async upsertPerson(ctx: SalesforceContext, input: PersonInput): Promise<RecordRef> {
    const settings = this.settings(ctx.settings);
    const client = this.client(ctx);
    let ref: { id: string; created: boolean };
    if (input.externalId) {
      ref = await this.upsertByExternalId(client, settings, input, input.externalId);
    } else if (input.email) {
      ref = await this.upsertByEmail(client, input, input.email);
    } else {
      throw new ConnectorError('salesforce', 'invalid_request', 'upsertPerson needs an externalId or an email');
    }
    return { id: ref.id, objectType: 'Contact', url: recordUrl(client.instanceUrl, ref.id), created: ref.created };
  }

  /**
   * PATCH sobjects/Contact/{externalIdField}/{value} (one call). If the duplicate rule blocks it because the email
   * is already on another contact, that contact is the person: it is adopted (our external id written onto it) when
   * it has no external id yet; when the contact already holding our external id is the one changing email, the
   * update is repeated without the email. 3 calls on that path; conflict when the email belongs to a contact with
   * another external id.
   */
  private async upsertByExternalId(
    client: SalesforceClient,
    settings: SalesforceSettings,
    input: PersonInput,
    externalId: string,
  ): Promise<{ id: string; created: boolean }> {
    const fields = contactWrite(input, { includeEmail: true });
    const upsert = (body: Record<string, unknown>) =>
      client.upsertByExternalId('Contact', settings.externalIdField, externalId, body);
    try {
      return await this.withLastNameFallback(input, fields, upsert);
    } catch (error) {
      if (!isVendorFailure(error, 'DUPLICATES_DETECTED')) {
        throw error;
      }
      const matches = duplicateMatchIds(error.apiErrors[0]);
      const owners = await client.query<SfRecord>(externalIdOwnersSoql(settings, externalId, matches), 20);
      const holder = owners.find(
        (record) =>
          typeof record[settings.externalIdField] === 'string' &&
          (record[settings.externalIdField] as string).toLowerCase() === externalId.toLowerCase(),
      );
      const { Email: _email, ...withoutEmail } = fields;
      if (holder) {
        await client.update('Contact', holder.Id, withoutEmail);
        return { id: holder.Id, created: false };
      }
      const free = matches
        .map((id) => owners.find((record) => record.Id === id))
        .find((record) => record && !record[settings.externalIdField]);
      if (!free) {
        throw error;
      }
      await client.update('Contact', free.Id, { ...withoutEmail, [settings.externalIdField]: externalId });
      return { id: free.Id, created: false };
    }
  }

  /**
   * No external id: look the email up first (one query; the common case, a returning visitor, ends there), else
   * create. Find-then-create alone would race (two chats from a new visitor at once), and what makes it safe is the
   * org's duplicate rule on Contact email: the losing create fails with DUPLICATES_DETECTED, whose
   * duplicateResult.matchResults names the existing record, and that id is returned. An org without an active rule
   * (block, or alert without allowSave) can get a duplicate in that race; the setup guide requires the rule.
   * An existing record found by email is returned unchanged: chat-typed names do not overwrite the CRM's.
   */
  private async upsertByEmail(
    client: SalesforceClient,
    input: PersonInput,
    email: string,
  ): Promise<{ id: string; created: boolean }> {
    const [existing] = await client.query<SfRecord>(contactsByEmailSoql(email), 1);
    if (existing) {
      return { id: existing.Id, created: false };
    }
    const fields = contactWrite(input, { includeEmail: true });
    try {
      const created = await client.create('Contact', {
        ...fields,
        LastName: fields.LastName ?? placeholderLastName(input),
      });
      return { id: created.id, created: true };
    } catch (error) {
      const [match] = isVendorFailure(error, 'DUPLICATES_DETECTED') ? duplicateMatchIds(error.apiErrors[0]) : [];
      if (match) {
        return { id: match, created: false };
      }
      throw error;
    }
  }

  /**
   * LastName is required on create but must not be overwritten on update with a placeholder. The upsert is sent
   * with what the caller knows; only when Salesforce says LastName is missing (so the record did not exist) is it
   * sent again with a placeholder.
   */
  private async withLastNameFallback<T>(
    input: PersonInput,
    fields: Record<string, unknown>,
    send: (body: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    try {
      return await send(fields);
    } catch (error) {
      if (
        fields.LastName === undefined &&
        isVendorFailure(error, 'REQUIRED_FIELD_MISSING') &&
        error.apiErrors.some((e) => e.fields?.includes('LastName') || /LastName/.test(e.message))
      ) {
        return send({ ...fields, LastName: placeholderLastName(input) });
      }
      throw error;
    }
  }

  /** One SOQL with the OrderItems child subquery (one call), newest first by EffectiveDate. */
  async listOrders(ctx: SalesforceContext, personId: string, limit: number): Promise<CrmOrder[]> {
    const settings = this.settings(ctx.settings);
    const client = this.client(ctx);
    const max = clampLimit(limit);
    const records = await client.query<SfRecord>(ordersSoql(settings, requireId(personId, 'personId'), max), max);
    return records.map((record) => toOrder(record, settings, client.instanceUrl));
  }

  /** Notes (ParentId) and Tasks (WhoId) through the Contact's child relationships: one call. */
  async listNotes(ctx: SalesforceContext, personId: string, limit: number): Promise<CrmNote[]> {
    const client = this.client(ctx);
    const max = clampLimit(limit);
    const [contact] = await client.query<SfRecord>(notesSoql(requireId(personId, 'personId'), max), 1);
    return toNotes(contact, client.instanceUrl, max);
  }

  async listOpenCases(ctx: SalesforceContext, personId: string, limit: number): Promise<CrmCase[]> {
    const client = this.client(ctx);
    const max = clampLimit(limit);
    const records = await client.query<SfRecord>(openCasesSoql(requireId(personId, 'personId'), max), max);
    return records.map((record) => toCase(record, client.instanceUrl));
  }

  /** PATCH sobjects/Case/{caseKeyField}/{key} (one call): the key is the case's identity in the org. */
  async createCase(ctx: SalesforceContext, input: CaseInput): Promise<RecordRef> {
    const settings = this.settings(ctx.settings);
    const client = this.client(ctx);
    requireId(input.personId, 'personId');
    const ref = await client.upsertByExternalId(
      'Case',
      settings.caseKeyField,
      externalKeyValue(input.idempotencyKey),
      caseRecord(input),
    );
    return { id: ref.id, objectType: 'Case', url: recordUrl(client.instanceUrl, ref.id), created: ref.created };
  }

  /** PATCH sobjects/Task/{transcriptKeyField}/{key} (one call). */
  async appendNote(ctx: SalesforceContext, input: NoteInput): Promise<RecordRef> {
    const settings = this.settings(ctx.settings);
    const client = this.client(ctx);
    requireId(input.personId, 'personId');
    const ref = await client.upsertByExternalId(
      'Task',
      settings.transcriptKeyField,
      externalKeyValue(input.idempotencyKey),
      taskRecord(input),
    );
    return { id: ref.id, objectType: 'Task', url: recordUrl(client.instanceUrl, ref.id), created: ref.created };
  }

  /**
   * PATCH composite/sobjects/Task/{transcriptKeyField} with allOrNone=false: one call per 200 notes. A record that
   * fails (row lock, validation) is an {ok:false} outcome; the same key twice in one input is sent once (Salesforce
   * would fail both with DUPLICATE_EXTERNAL_ID) and the repeat reports the same record with created=false.
   */
  async appendNotes(ctx: SalesforceContext, inputs: NoteInput[]): Promise<BatchOutcome<RecordRef>[]> {
    const settings = this.settings(ctx.settings);
    const client = this.client(ctx);
    const outcomes: BatchOutcome<RecordRef>[] = new Array<BatchOutcome<RecordRef>>(inputs.length);
    const limit = this.descriptor.batchLimits.notes;
    for (let start = 0; start < inputs.length; start += limit) {
      const chunk = inputs.slice(start, start + limit);
      const firstIndexOfKey = new Map<string, number>();
      const sent: Array<{ index: number; key: string; record: Record<string, unknown> }> = [];
      chunk.forEach((input, offset) => {
        const index = start + offset;
        if (!isSalesforceId(input.personId)) {
          outcomes[index] = {
            ok: false,
            error: { code: 'invalid_request', message: 'personId is not a Salesforce record id' },
          };
          return;
        }
        const key = externalKeyValue(input.idempotencyKey);
        if (firstIndexOfKey.has(key)) {
          return;
        }
        firstIndexOfKey.set(key, index);
        sent.push({ index, key, record: { ...taskRecord(input), [settings.transcriptKeyField]: key } });
      });
      if (sent.length > 0) {
        const results = await client.upsertCollection(
          'Task',
          settings.transcriptKeyField,
          sent.map((item) => item.record),
        );
        sent.forEach((item, position) => {
          const result = results[position];
          outcomes[item.index] =
            result?.success && typeof result.id === 'string'
              ? {
                  ok: true,
                  value: {
                    id: result.id,
                    objectType: 'Task',
                    url: recordUrl(client.instanceUrl, result.id),
                    created: result.created === true,
                  },
                }
              : { ok: false, error: fromRecordErrors(result?.errors) };
        });
      }
      chunk.forEach((input, offset) => {
        const index = start + offset;
        if (outcomes[index] === undefined) {
          const first = outcomes[firstIndexOfKey.get(externalKeyValue(input.idempotencyKey)) ?? -1];
          outcomes[index] =
            first?.ok === true
              ? { ok: true, value: { ...first.value, created: false } }
              : (first ?? { ok: false, error: { code: 'unknown', message: 'not sent' } });
        }
      });
    }
    return outcomes;
  }

  /**
   * SOQL on Contact and Case by SystemModstamp (two calls per page, 200 rows each), cursor = (SystemModstamp, Id)
   * per object. The first call starts "now" by the org's clock: the Date header of one cheap call (one call).
   * Deletions are not reported (they would need queryAll or getDeleted).
   */
  async listChanges(ctx: SalesforceContext, cursor: string | null): Promise<ChangePage> {
    const client = this.client(ctx);
    if (cursor === null) {
      const { headers } = await client.resources();
      const serverNow = Date.parse(headers.date ?? '');
      // Without a Date header, start a little in the past: a change reported twice is harmless, a lost one is not.
      const t = Number.isNaN(serverNow) ? Date.now() - 5 * 60_000 : Math.floor(serverNow / 1000) * 1000;
      const start: ChangeCursor = { v: 1, contact: { t, id: '' }, case: { t, id: '' } };
      return { changes: [], cursor: encodeCursor(start), hasMore: false };
    }
    const position = decodeCursor(cursor);
    if (!position) {
      throw new ConnectorError('salesforce', 'invalid_request', 'not a Salesforce change cursor');
    }
    const contacts = await client.query<SfRecord>(
      changesSoql('Contact', position.contact, CHANGE_PAGE_SIZE),
      CHANGE_PAGE_SIZE,
    );
    const cases = await client.query<SfRecord>(changesSoql('Case', position.case, CHANGE_PAGE_SIZE), CHANGE_PAGE_SIZE);
    const changes: ChangeEvent[] = [
      ...contacts.map((record) => toChangeEvent('Contact', record)),
      ...cases.map((record) => toChangeEvent('Case', record)),
    ].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    const next: ChangeCursor = {
      v: 1,
      contact: advance(position.contact, contacts),
      case: advance(position.case, cases),
    };
    return {
      changes,
      cursor: encodeCursor(next),
      hasMore: contacts.length >= CHANGE_PAGE_SIZE || cases.length >= CHANGE_PAGE_SIZE,
    };
  }

  /**
   * Outbound Messages are SOAP posts WITHOUT a signature or timestamp, so there is no HMAC and no replay window:
   * the only in-band proof is <OrganizationId>, compared here in constant time with settings.organizationId. That
   * id is not a secret (it shows in any Salesforce URL), so the receiving endpoint MUST also be protected outside
   * this method: an IP allow-list of Salesforce's published ranges and/or mutual TLS with Salesforce's client
   * certificate (sforce_api_om_outboundmessaging_security). Redeliveries carry the same notification id (eventId),
   * which is what dedupes them. The listener answers OUTBOUND_ACK (see the mapper) or Salesforce retries for 24 h.
   */
  parseWebhook(ctx: SalesforceContext, request: WebhookRequest): Promise<ChangeEvent[]> {
    return Promise.resolve().then(() => this.verifyAndParse(ctx, request));
  }

  private verifyAndParse(ctx: SalesforceContext, request: WebhookRequest): ChangeEvent[] {
    const settings = this.settings(ctx.settings);
    if (request.method.toUpperCase() !== 'POST') {
      throw new WebhookRejectedError('malformed', 'Outbound Messages are POSTed');
    }
    if (!settings.organizationId) {
      throw new WebhookRejectedError('bad_signature', 'no organizationId configured for this connector');
    }
    const message = parseOutboundMessage(request.rawBody.toString('utf8'));
    // 15- and 18-character forms name the same org; the first 15 characters carry the (case-sensitive) identity.
    const expected = Buffer.from(settings.organizationId.slice(0, 15), 'utf8');
    const received = Buffer.from(message.organizationId.slice(0, 15), 'utf8');
    const wellFormed = /^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(message.organizationId);
    if (!wellFormed || received.length !== expected.length || !timingSafeEqual(received, expected)) {
      throw new WebhookRejectedError('bad_signature', 'OrganizationId does not match this connector');
    }
    return outboundEvents(message, new Date());
  }

  private client(ctx: SalesforceContext): SalesforceClient {
    return new SalesforceClient({ ...ctx, settings: this.settings(ctx.settings) });
  }

  /** Settings as stored may predate a field: defaults are applied on every call (cheap, and never fails open). */
  private settings(settings: SalesforceSettings): SalesforceSettings {
    const parsed = salesforceSettingsSchema.safeParse(settings);
    if (!parsed.success) {
      throw new ConnectorError('salesforce', 'invalid_request', 'the connector settings are not valid');
    }
    return parsed.data;
  }
}
