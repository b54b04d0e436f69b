import contactUpdated from './__fixtures__/contact-updated.json';
import conversationCreatedWhatsapp from './__fixtures__/conversation-created-twilio-whatsapp.json';
import conversationCreatedWidget from './__fixtures__/conversation-created-web-widget.json';
import statusReopened from './__fixtures__/conversation-status-changed-reopened.json';
import statusResolved from './__fixtures__/conversation-status-changed-resolved.json';
import typingOn from './__fixtures__/conversation-typing-on.json';
import updatedAssignee from './__fixtures__/conversation-updated-assignee.json';
import updatedLabels from './__fixtures__/conversation-updated-labels.json';
import updatedPriority from './__fixtures__/conversation-updated-priority.json';
import inboxCreated from './__fixtures__/inbox-created.json';
import agentBotMessage from './__fixtures__/message-created-agent-bot.json';
import attachmentsMessage from './__fixtures__/message-created-attachments.json';
import incomingMessage from './__fixtures__/message-created-incoming.json';
import agentMessage from './__fixtures__/message-created-outgoing-agent.json';
import privateNote from './__fixtures__/message-created-private-note.json';
import templateMessage from './__fixtures__/message-created-template-greeting.json';
import widgetTriggered from './__fixtures__/webwidget-triggered.json';
import {
  ChatwootPayloadError,
  chatwootDedupeKey,
  mapChatwootWebhook,
  type ChatwootMappingOptions,
  type ChatwootMappingResult,
} from './chatwoot-mapper';
import { chatEventSchema } from '../events/chat-event.schema';
import type { ChatEvent, MessageCreatedEvent } from '../events/chat-event.types';

/** The account the test webhook is registered for (the fixtures' `account.id`). */
const options: ChatwootMappingOptions = { sourceId: 'src-chatwoot-1', accountId: 7 };
const HANA = { externalId: 'cust-20931', email: 'hana.sato@example.com', phone: '+819012345678', name: 'Hana Sato' };

type Json = Record<string, unknown>;

/** A deep copy of `body` with `changes` applied, keyed by dotted path (`conversation.meta.sender`). */
function variant(body: object, changes: Record<string, unknown>): Json {
  const copy = structuredClone(body) as Json;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let target = copy;
    for (const key of keys) {
      target = target[key] as Json;
    }
    if (value === undefined) {
      delete target[last];
    } else {
      target[last] = value;
    }
  }
  return copy;
}

function onlyEvent(result: ChatwootMappingResult): ChatEvent {
  expect(result.events).toHaveLength(1);
  return result.events[0];
}

function messageOf(body: object, mappingOptions: ChatwootMappingOptions = options): MessageCreatedEvent['message'] {
  const event = onlyEvent(mapChatwootWebhook(body, mappingOptions));
  if (event.type !== 'message.created') {
    throw new Error(`expected message.created, got ${event.type}`);
  }
  return event.message;
}

describe('Chatwoot webhook mapper', () => {
  describe('conversation_created → session.started', () => {
    it('maps a web widget conversation, with the visitor from meta.sender', () => {
      expect(mapChatwootWebhook(conversationCreatedWidget, options)).toEqual({
        events: [
          {
            type: 'session.started',
            id: 'cw:conversation_created:7:1042:1763805600',
            sessionId: '7:1042',
            occurredAt: '2025-11-22T10:00:00.000Z',
            channel: 'web',
            visitor: HANA,
          },
        ],
      });
    });

    it('takes the account from messages[0].account_id when the source has none configured', () => {
      const event = onlyEvent(mapChatwootWebhook(conversationCreatedWhatsapp, { sourceId: 'src-chatwoot-1' }));
      expect(event).toEqual({
        type: 'session.started',
        id: 'cw:conversation_created:7:1051:1763812800',
        sessionId: '7:1051',
        occurredAt: '2025-11-22T12:00:00.000Z',
        // Channel::TwilioSms with a `whatsapp:` contact source id; null identifier and email are left out.
        channel: 'whatsapp',
        visitor: { phone: '+818055550199', name: '+81 80-5555-0199' },
      });
    });

    it('refuses a conversation payload that names no account when the source has none configured (§3.3)', () => {
      expect(() => mapChatwootWebhook(conversationCreatedWidget, { sourceId: 'src-chatwoot-1' })).toThrow(
        /names no account/,
      );
    });

    it('refuses a delivery for another account than the source is configured for', () => {
      expect(() => mapChatwootWebhook(conversationCreatedWhatsapp, { ...options, accountId: 8 })).toThrow(
        /is for account 7, but this source belongs to account 8/,
      );
    });

    it('treats a numeric-string configured account id like the number', () => {
      const result = mapChatwootWebhook(conversationCreatedWhatsapp, { sourceId: 's', accountId: '007' });
      expect(onlyEvent(result).sessionId).toBe('7:1051');
      expect(() => mapChatwootWebhook(conversationCreatedWidget, { sourceId: 's', accountId: 'acme' })).toThrow(
        TypeError,
      );
    });

    it.each([
      ['Channel::WebWidget', 'web'],
      ['Channel::Whatsapp', 'whatsapp'],
      ['Channel::Sms', 'sms'],
      ['Channel::TwilioSms', 'sms'],
      ['Channel::FacebookPage', 'messenger'],
      ['Channel::Email', 'email'],
      ['Channel::Api', 'api'],
      ['Channel::Voice', 'voice'],
      ['Channel::Instagram', 'other'],
      ['Channel::Telegram', 'other'],
      ['constructor', 'other'],
    ])('maps %s to %s', (chatwootChannel, channel) => {
      const body = variant(conversationCreatedWidget, { channel: chatwootChannel });
      expect(onlyEvent(mapChatwootWebhook(body, options)).channel).toBe(channel);
    });

    it('leaves channel and visitor out when the payload has neither (no meta, no channel)', () => {
      const body = variant(conversationCreatedWidget, { meta: null, channel: undefined });
      expect(onlyEvent(mapChatwootWebhook(body, options))).toEqual({
        type: 'session.started',
        id: 'cw:conversation_created:7:1042:1763805600',
        sessionId: '7:1042',
        occurredAt: '2025-11-22T10:00:00.000Z',
      });
    });

    it('reads ids and timestamps sent as strings', () => {
      const body = variant(conversationCreatedWidget, { id: '1042', created_at: '1763805600' });
      expect(onlyEvent(mapChatwootWebhook(body, options))).toMatchObject({
        id: 'cw:conversation_created:7:1042:1763805600',
        sessionId: '7:1042',
        occurredAt: '2025-11-22T10:00:00.000Z',
      });
    });
  });

  describe('message_created → message.created', () => {
    it('maps an incoming visitor message', () => {
      expect(mapChatwootWebhook(incomingMessage, options)).toEqual({
        events: [
          {
            type: 'message.created',
            id: 'cw:message_created:90001:2025-11-22T10:00:05.123Z',
            sessionId: '7:1042',
            occurredAt: '2025-11-22T10:00:05.123Z',
            channel: 'web',
            visitor: HANA,
            message: {
              id: '90001',
              author: 'visitor',
              authorName: 'Hana Sato',
              text: 'Hi, my order 245-12784 has not arrived yet.',
              private: false,
            },
          },
        ],
      });
    });

    it('maps an outgoing agent message to the agent, with the agent name', () => {
      expect(messageOf(agentMessage)).toEqual({
        id: '90002',
        author: 'agent',
        authorName: 'Kenji Mori',
        text: 'Sorry about that! Let me check order 245-12784 for you.',
        private: false,
      });
    });

    it('flags a private note (§3.1: delivered, never customer-visible)', () => {
      expect(messageOf(privateNote)).toEqual({
        id: '90003',
        author: 'agent',
        authorName: 'Kenji Mori',
        text: 'Carrier shows the parcel stuck at the Osaka hub since 11/19. Asking logistics.',
        private: true,
      });
    });

    it('maps a message sent by an agent bot to the bot', () => {
      const event = onlyEvent(mapChatwootWebhook(agentBotMessage, options));
      expect(event).toMatchObject({
        id: 'cw:message_created:90010:2025-11-22T11:15:00.250Z',
        sessionId: '7:1043',
        visitor: { name: 'misty-brook-412' },
        message: { id: '90010', author: 'bot', authorName: 'Acme Helper', private: false },
      });
    });

    it('maps a template with no sender (greeting, out-of-office, CSAT) to the bot, without a name', () => {
      expect(messageOf(templateMessage)).toEqual({
        id: '90004',
        author: 'bot',
        text: 'Thanks for contacting Acme! We usually reply within a few minutes.',
        private: false,
      });
    });

    it('maps an outgoing message sent by a user on a template to the agent', () => {
      const body = variant(templateMessage, { sender: { id: 12, name: 'Kenji Mori', type: 'user' } });
      expect(messageOf(body)).toMatchObject({ author: 'agent', authorName: 'Kenji Mori' });
    });

    it('maps attachments (data_url, file name, content type) and gives an attachment-only message empty text', () => {
      expect(messageOf(attachmentsMessage)).toEqual({
        id: '90005',
        author: 'visitor',
        authorName: 'Hana Sato',
        text: '',
        private: false,
        attachments: [
          {
            url: expect.stringMatching(
              /^https:\/\/chat\.acme\.test\/rails\/active_storage\/blobs\/redirect\/.+\/IMG_2041\.jpg$/,
            ),
            name: 'IMG_2041.jpg',
            contentType: 'image/jpeg',
          },
          {
            url: expect.stringMatching(/\/Receipt%20245-12784\.pdf$/),
            name: 'Receipt 245-12784.pdf',
            contentType: 'application/pdf',
          },
        ],
      });
    });

    it('falls back to the file_type for unknown extensions, and names locations by their title', () => {
      const body = variant(attachmentsMessage, {
        attachments: [
          { id: 1, file_type: 'audio', data_url: 'https://chat.acme.test/blobs/voice-note' },
          { id: 2, file_type: 'file', data_url: 'https://chat.acme.test/blobs/report.xyz', extension: null },
          {
            id: 3,
            file_type: 'location',
            coordinates_lat: 34.6937,
            coordinates_long: 135.5023,
            fallback_title: 'Osaka Station',
            data_url: 'https://maps.google.com/?q=34.6937,135.5023',
          },
        ],
      });
      expect(messageOf(body).attachments).toEqual([
        { url: 'https://chat.acme.test/blobs/voice-note', name: 'voice-note', contentType: 'audio/*' },
        { url: 'https://chat.acme.test/blobs/report.xyz', name: 'report.xyz', contentType: 'application/octet-stream' },
        { url: 'https://maps.google.com/?q=34.6937,135.5023', name: 'Osaka Station' },
      ]);
    });

    it('drops attachments without an http(s) URL and keeps the message', () => {
      const body = variant(attachmentsMessage, {
        content: 'see attached',
        attachments: [
          { id: 1, file_type: 'fallback', data_url: 'javascript:alert(1)' },
          { id: 2, file_type: 'contact', data_url: null },
          { id: 3, file_type: 'file', data_url: 'not a url' },
          { id: 4, file_type: 'file', data_url: 'https://chat.acme.test/blobs/%E0%A4%A' },
        ],
      });
      expect(messageOf(body)).toMatchObject({
        text: 'see attached',
        attachments: [{ url: 'https://chat.acme.test/blobs/%E0%A4%A', contentType: 'application/octet-stream' }],
      });
    });

    it('prefers the raw webhook_content of later versions over the channel-rendered content (§3.4)', () => {
      const body = variant(agentMessage, { content: '<p><strong>Sorry</strong></p>', webhook_content: '**Sorry**' });
      expect(messageOf(body).text).toBe('**Sorry**');
    });

    it('reads message_type and private sent in other encodings', () => {
      expect(messageOf(variant(privateNote, { message_type: 1, private: 'true' }))).toMatchObject({
        author: 'agent',
        private: true,
      });
      expect(messageOf(variant(incomingMessage, { message_type: 0, private: null }))).toMatchObject({
        author: 'visitor',
        private: false,
      });
    });

    it('ignores activity messages (not sent by v4.9.1, §3.1) and unknown message types', () => {
      expect(mapChatwootWebhook(variant(incomingMessage, { message_type: 'activity' }), options)).toEqual({
        events: [],
        ignored: 'message_created:activity',
      });
      expect(mapChatwootWebhook(variant(incomingMessage, { message_type: 2 }), options)).toEqual({
        events: [],
        ignored: 'message_created:activity',
      });
      expect(mapChatwootWebhook(variant(incomingMessage, { message_type: 'reaction' }), options)).toEqual({
        events: [],
        ignored: 'message_created:reaction',
      });
    });

    it('takes the visitor from an incoming sender when the conversation has no meta', () => {
      const event = onlyEvent(
        mapChatwootWebhook(variant(incomingMessage, { 'conversation.meta': undefined }), options),
      );
      expect(event.visitor).toEqual(HANA);
    });

    it('reads an ISO created_at with an offset as the same instant', () => {
      const body = variant(incomingMessage, { created_at: '2025-11-22T19:00:05.123+09:00' });
      expect(onlyEvent(mapChatwootWebhook(body, options))).toMatchObject({
        id: 'cw:message_created:90001:2025-11-22T19:00:05.123+09:00',
        occurredAt: '2025-11-22T10:00:05.123Z',
      });
    });

    it('reads a message created_at sent as unix seconds', () => {
      const body = variant(incomingMessage, { created_at: 1763805605 });
      expect(onlyEvent(mapChatwootWebhook(body, options)).occurredAt).toBe('2025-11-22T10:00:05.000Z');
    });
  });

  describe('conversation_status_changed → session.closed / session.reopened', () => {
    it('maps resolved to session.closed, with changed_attributes null (v4.9.1)', () => {
      expect(mapChatwootWebhook(statusResolved, options)).toEqual({
        events: [
          {
            type: 'session.closed',
            id: 'cw:conversation_status_changed:7:1042:1763807400.918204',
            sessionId: '7:1042',
            occurredAt: '2025-11-22T10:30:00.918Z',
            sequence: 204,
            channel: 'web',
            visitor: HANA,
          },
        ],
      });
    });

    it('maps open after resolved (array form) to session.reopened', () => {
      expect(onlyEvent(mapChatwootWebhook(statusReopened, options))).toEqual({
        type: 'session.reopened',
        id: 'cw:conversation_status_changed:7:1042:1763893800.301557',
        sessionId: '7:1042',
        occurredAt: '2025-11-23T10:30:00.301Z',
        sequence: 557,
        channel: 'web',
        visitor: HANA,
      });
    });

    it('trusts the top-level status when changed_attributes is null', () => {
      const body = variant(statusReopened, { changed_attributes: null });
      expect(onlyEvent(mapChatwootWebhook(body, options)).type).toBe('session.reopened');
    });

    it('trusts the top-level status over a contradicting changed_attributes', () => {
      const body = variant(statusResolved, {
        changed_attributes: [{ status: { previous_value: 'resolved', current_value: 'open' } }],
      });
      expect(onlyEvent(mapChatwootWebhook(body, options)).type).toBe('session.closed');
    });

    it.each([
      ['pending', 'conversation_status_changed:open_from_pending'],
      ['snoozed', 'conversation_status_changed:open_from_snoozed'],
    ])('ignores open after %s: the session never closed', (previous, reason) => {
      const body = variant(statusReopened, {
        changed_attributes: [{ status: { previous_value: previous, current_value: 'open' } }],
      });
      expect(mapChatwootWebhook(body, options)).toEqual({ events: [], ignored: reason });
    });

    it.each([['pending'], ['snoozed']])('ignores a change to %s', (status) => {
      const body = variant(statusResolved, { status });
      expect(mapChatwootWebhook(body, options)).toEqual({
        events: [],
        ignored: `conversation_status_changed:${status}`,
      });
    });

    it('does not repeat an untrusted previous status in `ignored`', () => {
      const body = variant(statusReopened, {
        changed_attributes: [{ status: { previous_value: 'x'.repeat(500), current_value: 'open' } }],
      });
      expect(mapChatwootWebhook(body, options).ignored).toBe('conversation_status_changed:open_from_other');
    });

    it('refuses a status change without status or updated_at', () => {
      expect(() => mapChatwootWebhook(variant(statusResolved, { status: null }), options)).toThrow(/status: required/);
      expect(() => mapChatwootWebhook(variant(statusResolved, { updated_at: undefined }), options)).toThrow(
        /updated_at: required/,
      );
    });
  });

  describe('conversation_updated → tags.updated / session.escalated', () => {
    it('maps a label change to tags.updated with the full current list', () => {
      expect(mapChatwootWebhook(updatedLabels, options)).toEqual({
        events: [
          {
            type: 'tags.updated',
            id: 'cw:conversation_updated:7:1042:1763806200.550341:tags.updated',
            sessionId: '7:1042',
            occurredAt: '2025-11-22T10:10:00.550Z',
            sequence: 341,
            channel: 'web',
            visitor: HANA,
            tags: ['delivery', 'refund-requested'],
          },
        ],
      });
    });

    it('falls back to label_list.current_value (array or comma-separated) without top-level labels', () => {
      const asArray = variant(updatedLabels, { labels: undefined });
      expect(onlyEvent(mapChatwootWebhook(asArray, options))).toMatchObject({ tags: ['delivery', 'refund-requested'] });
      const asText = variant(updatedLabels, {
        labels: undefined,
        changed_attributes: [{ label_list: { previous_value: 'delivery', current_value: 'delivery, vip,,vip' } }],
      });
      expect(onlyEvent(mapChatwootWebhook(asText, options))).toMatchObject({ tags: ['delivery', 'vip'] });
    });

    it('maps the removal of every label to an empty list', () => {
      const body = variant(updatedLabels, {
        labels: [],
        changed_attributes: [{ label_list: { previous_value: ['delivery'], current_value: [] } }],
      });
      expect(onlyEvent(mapChatwootWebhook(body, options))).toMatchObject({ type: 'tags.updated', tags: [] });
    });

    it('sends the current labels when changed_attributes is missing (state, so harmless to repeat)', () => {
      const body = variant(updatedAssignee, { changed_attributes: null, labels: ['delivery'] });
      expect(onlyEvent(mapChatwootWebhook(body, options))).toMatchObject({ type: 'tags.updated', tags: ['delivery'] });
      expect(mapChatwootWebhook(variant(body, { labels: undefined }), options)).toEqual({
        events: [],
        ignored: 'conversation_updated:unknown_changes',
      });
    });

    it('maps a priority raised to urgent to session.escalated', () => {
      expect(mapChatwootWebhook(updatedPriority, options)).toEqual({
        events: [
          {
            type: 'session.escalated',
            id: 'cw:conversation_updated:7:1042:1763806500.073311:session.escalated',
            sessionId: '7:1042',
            occurredAt: '2025-11-22T10:15:00.073Z',
            sequence: 311,
            channel: 'web',
            visitor: HANA,
            reason: 'Chatwoot priority raised from medium to urgent',
            priorityHint: 'urgent',
          },
        ],
      });
    });

    it('maps a priority raised to high from none', () => {
      const body = variant(updatedPriority, {
        priority: 'high',
        changed_attributes: [{ priority: { previous_value: null, current_value: 'high' } }],
      });
      expect(onlyEvent(mapChatwootWebhook(body, options))).toMatchObject({
        reason: 'Chatwoot priority raised from none to high',
        priorityHint: 'high',
      });
    });

    it.each([
      ['medium', 'low'],
      ['urgent', 'medium'],
      ['high', null],
      ['urgent', 'critical'],
      ['high', 'high'],
    ])('does not escalate a priority changed from %p to %p', (previous, current) => {
      const body = variant(updatedPriority, {
        changed_attributes: [{ priority: { previous_value: previous, current_value: current } }],
      });
      expect(mapChatwootWebhook(body, options)).toEqual({ events: [], ignored: 'conversation_updated:priority' });
    });

    it('maps labels and priority changed together to two events with distinct ids', () => {
      const body = variant(updatedPriority, {
        changed_attributes: [
          { label_list: { previous_value: ['delivery'], current_value: ['delivery', 'refund-requested'] } },
          { priority: { previous_value: 'medium', current_value: 'urgent' } },
        ],
      });
      const { events } = mapChatwootWebhook(body, options);
      expect(events.map((event) => [event.type, event.id])).toEqual([
        ['tags.updated', 'cw:conversation_updated:7:1042:1763806500.073311:tags.updated'],
        ['session.escalated', 'cw:conversation_updated:7:1042:1763806500.073311:session.escalated'],
      ]);
    });

    it('ignores other attribute changes and says which', () => {
      expect(mapChatwootWebhook(updatedAssignee, options)).toEqual({
        events: [],
        ignored: 'conversation_updated:assignee_id,team_id',
      });
      const odd = variant(updatedAssignee, {
        changed_attributes: [{ 'Weird Key!': { previous_value: 1, current_value: 2 } }],
      });
      expect(mapChatwootWebhook(odd, options).ignored).toBe('conversation_updated:other');
      const empty = variant(updatedAssignee, { changed_attributes: [] });
      expect(mapChatwootWebhook(empty, options).ignored).toBe('conversation_updated:no_changes');
    });
  });

  describe('contact_updated', () => {
    it('produces no event but exposes the contact identities for cache invalidation', () => {
      expect(mapChatwootWebhook(contactUpdated, options)).toEqual({
        events: [],
        ignored: 'contact_updated',
        contact: { ...HANA, chatwootContactId: '5501' },
      });
    });

    it('refuses a contact without an id or from another account', () => {
      expect(() => mapChatwootWebhook(variant(contactUpdated, { id: null }), options)).toThrow(ChatwootPayloadError);
      expect(() => mapChatwootWebhook(contactUpdated, { ...options, accountId: 9 })).toThrow(ChatwootPayloadError);
    });
  });

  describe('webwidget_triggered', () => {
    it('asks to pre-warm the visitor and the current session', () => {
      expect(mapChatwootWebhook(widgetTriggered, options)).toEqual({
        events: [],
        prewarm: { sessionId: '7:1042', visitor: HANA },
      });
    });

    it('pre-warms without a session before the first message, and for anonymous visitors', () => {
      const body = variant(widgetTriggered, {
        current_conversation: null,
        contact: { id: 5520, name: 'misty-brook-412', email: null, identifier: null, phone_number: null },
      });
      expect(mapChatwootWebhook(body, { sourceId: 'src-chatwoot-1' })).toEqual({
        events: [],
        prewarm: { visitor: { name: 'misty-brook-412' } },
      });
    });

    it('refuses a trigger without a contact', () => {
      expect(() => mapChatwootWebhook(variant(widgetTriggered, { contact: null }), options)).toThrow(
        ChatwootPayloadError,
      );
    });
  });

  describe('events that are not acted upon', () => {
    it.each([
      ['conversation_typing_on', typingOn],
      ['inbox_created', inboxCreated],
      ['message_updated', variant(agentMessage, { event: 'message_updated' })],
      ['contact_created', variant(contactUpdated, { event: 'contact_created' })],
      ['conversation_resolved', variant(statusResolved, { event: 'conversation_resolved' })],
      ['some_future_event', { event: 'some_future_event' }],
    ])('ignores %s', (event, body) => {
      expect(mapChatwootWebhook(body, options)).toEqual({ events: [], ignored: event });
    });
  });

  describe('duplicates (§3.1: Chatwoot sends some events twice)', () => {
    const fixtures: Array<[string, object]> = [
      ['conversation_created', conversationCreatedWidget],
      ['message_created', incomingMessage],
      ['conversation_status_changed', statusResolved],
      ['conversation_updated', updatedLabels],
    ];

    it.each(fixtures)('maps a re-delivered %s to the same events and key', (_event, body) => {
      const redelivered: unknown = JSON.parse(JSON.stringify(body));
      expect(mapChatwootWebhook(redelivered, options)).toEqual(mapChatwootWebhook(body, options));
      expect(chatwootDedupeKey(redelivered, options)).toBe(chatwootDedupeKey(body, options));
    });

    it('gives a later change to the same conversation new ids and a new key', () => {
      const later = variant(updatedLabels, { updated_at: 1763806260.000001 });
      expect(onlyEvent(mapChatwootWebhook(later, options)).id).not.toBe(
        onlyEvent(mapChatwootWebhook(updatedLabels, options)).id,
      );
      expect(chatwootDedupeKey(later, options)).not.toBe(chatwootDedupeKey(updatedLabels, options));
    });

    it('keeps the same conversation apart across accounts', () => {
      const ours = onlyEvent(mapChatwootWebhook(conversationCreatedWidget, options));
      const theirs = onlyEvent(mapChatwootWebhook(conversationCreatedWidget, { ...options, accountId: 8 }));
      expect([ours.sessionId, theirs.sessionId]).toEqual(['7:1042', '8:1042']);
      expect(ours.id).not.toBe(theirs.id);
    });
  });

  describe('chatwootDedupeKey', () => {
    it.each([
      [incomingMessage, '7:message_created:90001:2025-11-22T10:00:05.123Z'],
      [conversationCreatedWidget, '7:conversation_created:1042:1763805600'],
      [statusResolved, '7:conversation_status_changed:1042:1763807400.918204'],
      [updatedPriority, '7:conversation_updated:1042:1763806500.073311'],
    ])('keys a delivery by account, event, entity id and version (%#)', (body, key) => {
      expect(chatwootDedupeKey(body, options)).toBe(key);
    });

    it('takes the account from the payload when it has one', () => {
      expect(chatwootDedupeKey(conversationCreatedWhatsapp)).toBe('7:conversation_created:1051:1763812800');
      expect(chatwootDedupeKey(incomingMessage)).toBe('7:message_created:90001:2025-11-22T10:00:05.123Z');
    });

    it('gives the same key to the same event whatever the encoding of ids and timestamps', () => {
      const stringly = variant(statusResolved, { id: '1042', updated_at: '1763807400.918204' });
      expect(chatwootDedupeKey(stringly, options)).toBe(chatwootDedupeKey(statusResolved, options));
    });

    it('returns null when there is nothing to key or the body is malformed', () => {
      expect(chatwootDedupeKey(conversationCreatedWidget)).toBeNull(); // no account anywhere
      expect(chatwootDedupeKey(contactUpdated, options)).toBeNull();
      expect(chatwootDedupeKey(widgetTriggered, options)).toBeNull();
      expect(chatwootDedupeKey(typingOn, options)).toBeNull();
      expect(chatwootDedupeKey(variant(agentMessage, { event: 'message_updated' }), options)).toBeNull();
      expect(chatwootDedupeKey(variant(incomingMessage, { id: 'x' }), options)).toBeNull();
      expect(chatwootDedupeKey(null, options)).toBeNull();
      expect(chatwootDedupeKey('{"event":"message_created"}', options)).toBeNull();
    });

    it('stays within 200 characters for the longest values the schemas accept', () => {
      const body = variant(incomingMessage, {
        id: '999999999999999',
        'account.id': '999999999999999',
        created_at: '2025-11-22T19:00:05.123456789+09:00',
      });
      const key = chatwootDedupeKey(body);
      expect(key).toBe('999999999999999:message_created:999999999999999:2025-11-22T19:00:05.123456789+09:00');
      expect(key?.length).toBeLessThanOrEqual(200);
    });
  });

  describe('the canonical contract (src/events/chat-event.schema.ts)', () => {
    it.each([
      ['conversation_created (web)', conversationCreatedWidget],
      ['conversation_created (WhatsApp)', conversationCreatedWhatsapp],
      ['message_created (incoming)', incomingMessage],
      ['message_created (agent)', agentMessage],
      ['message_created (private note)', privateNote],
      ['message_created (agent bot)', agentBotMessage],
      ['message_created (template)', templateMessage],
      ['message_created (attachments)', attachmentsMessage],
      ['conversation_status_changed (resolved)', statusResolved],
      ['conversation_status_changed (reopened)', statusReopened],
      ['conversation_updated (labels)', updatedLabels],
      ['conversation_updated (priority)', updatedPriority],
    ])('maps %s to events the events API accepts', (_case, body) => {
      const { events } = mapChatwootWebhook(body, options);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        expect(chatEventSchema.parse(event)).toEqual(event);
      }
    });

    it('truncates display text and drops identifiers, URLs and labels over the canonical limits', () => {
      const emoji = '😀'; // two UTF-16 units: a cut must not split it
      const body = variant(attachmentsMessage, {
        content: 'a'.repeat(100_010),
        'sender.name': `${'n'.repeat(254)}${emoji}`,
        'conversation.meta.sender.email': `${'e'.repeat(400)}@example.com`,
        'conversation.meta.sender.identifier': 'i'.repeat(256),
        'conversation.meta.sender.phone_number': '+81 90 1234 5678',
        attachments: [
          { id: 1, file_type: 'file', data_url: `https://chat.acme.test/${'p'.repeat(2000)}.pdf` },
          ...Array.from({ length: 60 }, (_, index) => ({
            id: index + 2,
            file_type: 'image',
            data_url: `https://chat.acme.test/blobs/${index}.png`,
          })),
        ],
      });
      const event = onlyEvent(mapChatwootWebhook(body, options));
      expect(chatEventSchema.safeParse(event).success).toBe(true);
      expect(event.visitor).toEqual({ phone: '+81 90 1234 5678', name: 'Hana Sato' });
      const message = messageOf(body);
      expect(message.text).toHaveLength(100_000);
      expect(message.authorName).toBe('n'.repeat(254));
      expect(message.attachments).toHaveLength(50);
      expect(message.attachments?.[0]).toEqual({
        url: 'https://chat.acme.test/blobs/0.png',
        name: '0.png',
        contentType: 'image/png',
      });

      const labels = variant(updatedLabels, {
        labels: ['vip', 'l'.repeat(101), ...Array.from({ length: 120 }, (_, index) => String(index))],
      });
      const tags = onlyEvent(mapChatwootWebhook(labels, options));
      expect(chatEventSchema.safeParse(tags).success).toBe(true);
      expect(tags).toMatchObject({ tags: expect.arrayContaining(['vip', '0', '98']) });
      expect((tags as { tags: string[] }).tags).toHaveLength(100);
    });
  });

  describe('malformed input', () => {
    it.each([
      ['null', null],
      ['an array', [incomingMessage]],
      ['a string', JSON.stringify(incomingMessage)],
      ['an object without event', { id: 1 }],
      ['a message without a conversation', variant(incomingMessage, { conversation: undefined })],
      ['a message with a non-numeric id', variant(incomingMessage, { id: 'ninety' })],
      ['a message with a zone-less created_at', variant(incomingMessage, { created_at: '2025-11-22T10:00:05' })],
      ['a message created_at in milliseconds', variant(incomingMessage, { created_at: 1763805605123 })],
      ['labels that are not strings', variant(updatedLabels, { labels: [{ title: 'vip' }] })],
      ['a conversation without an id', variant(conversationCreatedWidget, { id: null })],
      ['a conversation without created_at', variant(conversationCreatedWidget, { created_at: undefined })],
      ['attachments that are not a list', variant(attachmentsMessage, { attachments: 'IMG_2041.jpg' })],
      ['a sender email that is an object', variant(incomingMessage, { 'sender.email': { value: 'x' } })],
    ])('refuses %s with a ChatwootPayloadError', (_case, body) => {
      expect(() => mapChatwootWebhook(body, options)).toThrow(ChatwootPayloadError);
    });

    /**
     * Every fixture, with every field (top level and inside `conversation`, `meta`, `sender`) replaced by each odd
     * value: the mapper answers with valid canonical events or throws ChatwootPayloadError, never anything else.
     */
    it('never fails with anything but ChatwootPayloadError, nor emits an invalid event, on odd values', () => {
      const oddValues: unknown[] = [null, '', 'x', -1, 0, 1.5, '12', true, [], {}, [null], { id: null }];
      const bodies: Json[] = [
        conversationCreatedWidget,
        conversationCreatedWhatsapp,
        incomingMessage,
        agentBotMessage,
        attachmentsMessage,
        templateMessage,
        statusResolved,
        statusReopened,
        updatedLabels,
        updatedPriority,
        contactUpdated,
        widgetTriggered,
      ];
      let mutations = 0;
      for (const body of bodies) {
        for (const path of fieldPaths(body)) {
          for (const value of oddValues) {
            mutations += 1;
            const mutated = variant(body, { [path]: value });
            for (const mappingOptions of [options, { sourceId: 'src-chatwoot-1' }]) {
              try {
                for (const event of mapChatwootWebhook(mutated, mappingOptions).events) {
                  chatEventSchema.parse(event); // whatever odd values get through still make valid events
                }
                chatwootDedupeKey(mutated, mappingOptions);
              } catch (error) {
                if (!(error instanceof ChatwootPayloadError)) {
                  throw new Error(`${String(body.event)} with ${path} = ${JSON.stringify(value)}: ${String(error)}`);
                }
              }
            }
          }
        }
      }
      expect(mutations).toBeGreaterThan(1000);
    });
  });
});

/** Dotted paths of the fields the mapper may read: top level, and one level into the nested objects. */
function fieldPaths(body: Json): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    paths.push(key);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [childKey, child] of Object.entries(value as Json)) {
        paths.push(`${key}.${childKey}`);
        if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
          paths.push(...Object.keys(child as Json).map((grandchild) => `${key}.${childKey}.${grandchild}`));
        }
      }
    }
  }
  return paths;
}
