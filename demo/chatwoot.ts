/**
 * Chatwoot account-webhook bodies as Chatwoot v4.9.1 builds them (Conversation#webhook_data, Message#webhook_data;
 * shapes from the shared reference notes (chatwoot-webhooks.md) §3.2–3.4 and src/chatwoot/__fixtures__), signed the way the
 * signing PR does (X-Chatwoot-Signature over "<timestamp>.<body>"). The demo plays a Chatwoot account with these.
 */
import { signChatwootBody } from '../src/chatwoot/chatwoot-signature';

export interface ChatwootContact {
  id: number;
  name: string;
  email: string;
  /** Chatwoot stores phone numbers in E.164 (its contact model validates that format). */
  phoneNumber: string;
  /** The shop's customer id, set by the widget's setUser(); CRMs keep the same id as their external id. */
  identifier: string;
  city: string;
  countryCode: string;
}

export interface ChatwootConversationState {
  accountId: number;
  accountName: string;
  conversationId: number;
  inbox: { id: number; name: string };
  contact: ChatwootContact;
  agent: { id: number; name: string; availableName: string };
  createdAt: number;
  sourceId: string;
}

const unix = (ms: number): number => Math.floor(ms / 1000);

function contactPush(contact: ChatwootContact) {
  return {
    additional_attributes: { city: contact.city, country_code: contact.countryCode },
    custom_attributes: {},
    email: contact.email,
    id: contact.id,
    identifier: contact.identifier,
    name: contact.name,
    phone_number: contact.phoneNumber,
    thumbnail: '',
    blocked: false,
    type: 'contact',
  };
}

function agentPush(state: ChatwootConversationState) {
  return {
    id: state.agent.id,
    name: state.agent.name,
    available_name: state.agent.availableName,
    avatar_url: '',
    type: 'user',
    availability_status: 'online',
    thumbnail: '',
  };
}

/** Conversation#webhook_data: the body of conversation_* events and the `conversation` inside message_* events. */
function conversation(
  state: ChatwootConversationState,
  at: number,
  status: 'open' | 'resolved',
  lastMessage: Record<string, unknown> | null,
  assigned: boolean,
) {
  return {
    additional_attributes: {
      browser: { device_name: 'Unknown', browser_name: 'Safari', platform_name: 'iOS', browser_version: '18.1' },
      referer: 'https://shop.acme.test/ja/orders',
      browser_language: 'ja',
    },
    can_reply: true,
    channel: 'Channel::WebWidget',
    contact_inbox: {
      id: 6200,
      contact_id: state.contact.id,
      inbox_id: state.inbox.id,
      source_id: state.sourceId,
      created_at: new Date(state.createdAt).toISOString(),
      updated_at: new Date(state.createdAt).toISOString(),
      hmac_verified: true,
    },
    id: state.conversationId,
    inbox_id: state.inbox.id,
    messages: lastMessage ? [lastMessage] : [],
    labels: [],
    meta: {
      sender: contactPush(state.contact),
      assignee: assigned ? agentPush(state) : null,
      assignee_type: assigned ? 'User' : null,
      team: null,
      hmac_verified: true,
    },
    status,
    custom_attributes: {},
    snoozed_until: null,
    unread_count: 0,
    first_reply_created_at: null,
    priority: null,
    waiting_since: 0,
    agent_last_seen_at: 0,
    contact_last_seen_at: 0,
    last_activity_at: unix(at),
    timestamp: unix(at),
    created_at: unix(state.createdAt),
    // A float epoch, as Rails sends it.
    updated_at: at / 1000,
  };
}

export function conversationCreated(state: ChatwootConversationState): Record<string, unknown> {
  return { ...conversation(state, state.createdAt, 'open', null, false), event: 'conversation_created' };
}

export function messageCreated(
  state: ChatwootConversationState,
  message: { id: number; at: number; from: 'contact' | 'agent'; content: string; private?: boolean },
): Record<string, unknown> {
  const incoming = message.from === 'contact';
  const sender = incoming
    ? { account: { id: state.accountId, name: state.accountName }, ...contactPush(state.contact), type: undefined }
    : { id: state.agent.id, name: state.agent.name, email: 'agent@acme.test', type: 'user' };
  const pushed = {
    id: message.id,
    content: message.content,
    account_id: state.accountId,
    inbox_id: state.inbox.id,
    conversation_id: state.conversationId,
    message_type: incoming ? 0 : 1,
    created_at: unix(message.at),
    updated_at: new Date(message.at).toISOString(),
    private: message.private ?? false,
    status: 'sent',
    source_id: null,
    content_type: 'text',
    content_attributes: {},
    sender_type: incoming ? 'Contact' : 'User',
    sender_id: incoming ? state.contact.id : state.agent.id,
    external_source_ids: {},
    additional_attributes: {},
    processed_message_content: message.content,
    sentiment: {},
  };
  return {
    account: { id: state.accountId, name: state.accountName },
    additional_attributes: {},
    content_attributes: {},
    content_type: 'text',
    content: message.content,
    conversation: conversation(state, message.at, 'open', message.private ? null : pushed, !incoming),
    created_at: new Date(message.at).toISOString(),
    id: message.id,
    inbox: state.inbox,
    message_type: incoming ? 'incoming' : 'outgoing',
    private: message.private ?? false,
    // Contact#webhook_data has no `type` (§3.2); JSON.stringify drops the undefined.
    sender,
    source_id: null,
    event: 'message_created',
  };
}

export function conversationResolved(state: ChatwootConversationState, at: number): Record<string, unknown> {
  return {
    ...conversation(state, at, 'resolved', null, true),
    // v4.9.1 reads the dirty value after commit: null (§3.1); the top-level status is the truth.
    changed_attributes: null,
    event: 'conversation_status_changed',
  };
}

/** The exact bytes and headers Chatwoot would POST for one event. */
export function signedDelivery(
  secret: string,
  payload: Record<string, unknown>,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-chatwoot-signature': signChatwootBody(secret, timestamp, body),
      'x-chatwoot-timestamp': String(timestamp),
      'user-agent': 'Chatwoot',
    },
  };
}
