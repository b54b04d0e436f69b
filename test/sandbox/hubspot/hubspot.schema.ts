/**
 * The HubSpot account the sandbox pretends to be: object types, their properties (standard ones plus the custom
 * properties our connector relies on), association type ids, pipelines and owners.
 *
 * Sources:
 * - Object type ids: https://developers.hubspot.com/docs/guides/crm/understanding-the-crm#object-type-ids
 * - Default properties returned per object: https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm
 * - Association type ids: https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/guide
 *   ("Association type ID values" tables; 15/16, 201/202, 227/228 also match the SDK's exported AssociationTypes enum)
 * - Ticket pipeline '0' with stages 1..4: HubSpot's default "Support Pipeline".
 */

export type ObjectTypeName = 'contacts' | 'orders' | 'line_items' | 'notes' | 'tickets';

export type PropertyType = 'string' | 'number' | 'datetime' | 'enumeration';

export interface PropertyDef {
  name: string;
  type: PropertyType;
  /** Allowed values for enumerations (internal values, as the API accepts them). */
  options?: readonly string[];
  /** hasUniqueValue: usable as idProperty, enforced on every write. */
  unique?: boolean;
  /** Maintained by HubSpot; writing it is a READ_ONLY_VALUE error. */
  readOnly?: boolean;
  /** Looked at by the search `query` (free text) parameter. */
  textSearchable?: boolean;
  /** Validated as an email address. */
  email?: boolean;
}

export interface ObjectTypeDef {
  name: ObjectTypeName;
  objectTypeId: string;
  singular: string;
  /** Upper-case name HubSpot uses in some error texts ("Could not get some CONTACT objects"). */
  errorName: string;
  /** What HubSpot returns when the request names no properties. */
  defaultProperties: readonly string[];
  createdProperty: 'createdate' | 'hs_createdate';
  modifiedProperties: readonly string[];
  required: readonly string[];
  properties: readonly PropertyDef[];
  /** The unique property our service uses as the idempotency / external key (journal externalKey). */
  externalKeyProperty?: string;
  /** First id handed out; distinct ranges make a contact id passed as an order id fail loudly. */
  idBase: number;
  /** Webhook subscription prefix (contact.creation, ticket.propertyChange); absent = no webhooks. */
  webhookPrefix?: 'contact' | 'ticket';
}

export const OWNERS: ReadonlyArray<{ id: string; name: string; email: string }> = [
  { id: '71000001', name: 'Alice Agent', email: 'alice.agent@example.com' },
  { id: '71000002', name: 'Bob Support', email: 'bob.support@example.com' },
  { id: '71000003', name: '山田サポート', email: 'yamada.support@example.jp' },
];

export interface PipelineStageDef {
  id: string;
  label: string;
  metadata: Record<string, string>;
}
export interface PipelineDef {
  id: string;
  label: string;
  stages: readonly PipelineStageDef[];
}

export const TICKET_PIPELINES: readonly PipelineDef[] = [
  {
    id: '0',
    label: 'Support Pipeline',
    stages: [
      { id: '1', label: 'New', metadata: { ticketState: 'OPEN', isClosed: 'false' } },
      { id: '2', label: 'Waiting on contact', metadata: { ticketState: 'OPEN', isClosed: 'false' } },
      { id: '3', label: 'Waiting on us', metadata: { ticketState: 'OPEN', isClosed: 'false' } },
      { id: '4', label: 'Closed', metadata: { ticketState: 'CLOSED', isClosed: 'true' } },
    ],
  },
];

// The order pipeline's real ids are account-specific UUIDs in HubSpot (unverified); readable ids are used here.
export const ORDER_PIPELINES: readonly PipelineDef[] = [
  {
    id: 'orders-default',
    label: 'Order Pipeline',
    stages: [
      { id: 'checkout_pending', label: 'Checkout pending', metadata: { isClosed: 'false' } },
      { id: 'processed', label: 'Processed', metadata: { isClosed: 'false' } },
      { id: 'shipped', label: 'Shipped', metadata: { isClosed: 'false' } },
      { id: 'delivered', label: 'Delivered', metadata: { isClosed: 'true' } },
      { id: 'cancelled', label: 'Cancelled', metadata: { isClosed: 'true' } },
    ],
  },
];

export const PIPELINES: Partial<Record<ObjectTypeName, readonly PipelineDef[]>> = {
  tickets: TICKET_PIPELINES,
  orders: ORDER_PIPELINES,
};

const ownerIds = OWNERS.map((owner) => owner.id);
const stageIds = (pipelines: readonly PipelineDef[]): string[] => pipelines.flatMap((p) => p.stages.map((s) => s.id));

const OBJECT_ID: PropertyDef = { name: 'hs_object_id', type: 'number', readOnly: true };

export const OBJECT_TYPES: Record<ObjectTypeName, ObjectTypeDef> = {
  contacts: {
    name: 'contacts',
    objectTypeId: '0-1',
    singular: 'contact',
    errorName: 'CONTACT',
    defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    createdProperty: 'createdate',
    modifiedProperties: ['lastmodifieddate', 'hs_lastmodifieddate'],
    required: [],
    externalKeyProperty: 'chat_bridge_external_id',
    idBase: 1_000_001,
    webhookPrefix: 'contact',
    properties: [
      OBJECT_ID,
      { name: 'createdate', type: 'datetime', readOnly: true },
      { name: 'lastmodifieddate', type: 'datetime', readOnly: true },
      { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
      { name: 'firstname', type: 'string', textSearchable: true },
      { name: 'lastname', type: 'string', textSearchable: true },
      { name: 'email', type: 'string', unique: true, email: true, textSearchable: true },
      { name: 'phone', type: 'string', textSearchable: true },
      { name: 'mobilephone', type: 'string', textSearchable: true },
      { name: 'company', type: 'string', textSearchable: true },
      { name: 'hs_language', type: 'enumeration', options: ['en', 'en-gb', 'en-us', 'ja', 'de', 'fr', 'es'] },
      {
        name: 'lifecyclestage',
        type: 'enumeration',
        options: [
          'subscriber',
          'lead',
          'marketingqualifiedlead',
          'salesqualifiedlead',
          'opportunity',
          'customer',
          'evangelist',
          'other',
        ],
      },
      { name: 'hubspot_owner_id', type: 'enumeration', options: ownerIds },
      { name: 'chat_bridge_external_id', type: 'string', unique: true },
      { name: 'customer_tier', type: 'enumeration', options: ['standard', 'gold', 'vip'] },
    ],
  },
  orders: {
    name: 'orders',
    objectTypeId: '0-123',
    singular: 'order',
    errorName: 'ORDER',
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    createdProperty: 'hs_createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    required: [],
    externalKeyProperty: 'hs_external_order_id',
    idBase: 2_000_001,
    properties: [
      OBJECT_ID,
      { name: 'hs_createdate', type: 'datetime', readOnly: true },
      { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
      { name: 'hs_order_name', type: 'string', textSearchable: true },
      { name: 'hs_total_price', type: 'number' },
      { name: 'hs_currency_code', type: 'enumeration', options: ['USD', 'JPY', 'EUR', 'GBP', 'CAD', 'AUD'] },
      { name: 'hs_pipeline', type: 'enumeration', options: ORDER_PIPELINES.map((p) => p.id) },
      { name: 'hs_pipeline_stage', type: 'enumeration', options: stageIds(ORDER_PIPELINES) },
      { name: 'hs_fulfillment_status', type: 'string' },
      { name: 'hs_external_order_id', type: 'string', textSearchable: true },
      { name: 'hs_external_created_date', type: 'datetime' },
    ],
  },
  line_items: {
    name: 'line_items',
    objectTypeId: '0-8',
    singular: 'line_item',
    errorName: 'LINE_ITEM',
    defaultProperties: ['amount', 'createdate', 'hs_lastmodifieddate', 'hs_object_id', 'name', 'price', 'quantity'],
    createdProperty: 'createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    required: [],
    idBase: 3_000_001,
    properties: [
      OBJECT_ID,
      { name: 'createdate', type: 'datetime', readOnly: true },
      { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
      { name: 'name', type: 'string', textSearchable: true },
      { name: 'quantity', type: 'number' },
      { name: 'price', type: 'number' },
      // Calculated by HubSpot as quantity x price.
      { name: 'amount', type: 'number', readOnly: true },
      { name: 'hs_sku', type: 'string', textSearchable: true },
    ],
  },
  notes: {
    name: 'notes',
    objectTypeId: '0-46',
    singular: 'note',
    errorName: 'NOTE',
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    createdProperty: 'hs_createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    // "hs_timestamp: Required" (engagements/notes guide).
    required: ['hs_timestamp'],
    externalKeyProperty: 'chat_transcript_key',
    idBase: 4_000_001,
    properties: [
      OBJECT_ID,
      { name: 'hs_createdate', type: 'datetime', readOnly: true },
      { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
      { name: 'hs_note_body', type: 'string', textSearchable: true },
      { name: 'hs_timestamp', type: 'datetime' },
      { name: 'hubspot_owner_id', type: 'enumeration', options: ownerIds },
      { name: 'chat_transcript_key', type: 'string', unique: true },
    ],
  },
  tickets: {
    name: 'tickets',
    objectTypeId: '0-5',
    singular: 'ticket',
    errorName: 'TICKET',
    defaultProperties: [
      'content',
      'createdate',
      'hs_lastmodifieddate',
      'hs_object_id',
      'hs_pipeline',
      'hs_pipeline_stage',
      'hs_ticket_category',
      'hs_ticket_priority',
      'subject',
    ],
    createdProperty: 'createdate',
    modifiedProperties: ['hs_lastmodifieddate'],
    // Tickets guide: "you must include the subject, hs_pipeline_stage" (hs_pipeline falls back to the default one).
    required: ['subject', 'hs_pipeline_stage'],
    externalKeyProperty: 'chat_session_key',
    idBase: 5_000_001,
    webhookPrefix: 'ticket',
    properties: [
      OBJECT_ID,
      { name: 'createdate', type: 'datetime', readOnly: true },
      { name: 'hs_lastmodifieddate', type: 'datetime', readOnly: true },
      { name: 'subject', type: 'string', textSearchable: true },
      { name: 'content', type: 'string', textSearchable: true },
      { name: 'hs_pipeline', type: 'enumeration', options: TICKET_PIPELINES.map((p) => p.id) },
      { name: 'hs_pipeline_stage', type: 'enumeration', options: stageIds(TICKET_PIPELINES) },
      { name: 'hs_ticket_priority', type: 'enumeration', options: ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] },
      {
        name: 'hs_ticket_category',
        type: 'enumeration',
        options: ['PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST', 'GENERAL_INQUIRY'],
      },
      { name: 'source_type', type: 'enumeration', options: ['CHAT', 'EMAIL', 'FORM', 'PHONE'] },
      { name: 'hubspot_owner_id', type: 'enumeration', options: ownerIds },
      { name: 'chat_session_key', type: 'string', unique: true },
    ],
  },
};

const ALIASES = new Map<string, ObjectTypeName>();
for (const def of Object.values(OBJECT_TYPES)) {
  for (const alias of [def.name, def.singular, def.objectTypeId]) {
    ALIASES.set(alias.toLowerCase(), def.name);
  }
}
// HubSpot also accepts the hyphenated spelling for line items.
ALIASES.set('line-items', 'line_items');
ALIASES.set('lineitems', 'line_items');

/** Accepts 'contacts', 'contact', '0-1' (any case), like HubSpot's object-type inference. */
export function resolveObjectType(raw: string): ObjectTypeDef | undefined {
  const name = ALIASES.get(raw.toLowerCase());
  return name ? OBJECT_TYPES[name] : undefined;
}

export function propertyDef(type: ObjectTypeDef, name: string): PropertyDef | undefined {
  return type.properties.find((p) => p.name === name);
}

/** One HUBSPOT_DEFINED association type (a direction; its reverse is another entry). */
export interface AssociationTypeDef {
  from: ObjectTypeName;
  to: ObjectTypeName;
  typeId: number;
  reverseTypeId: number;
}

const PAIRS: ReadonlyArray<[ObjectTypeName, ObjectTypeName, number, number]> = [
  ['contacts', 'orders', 508, 507],
  ['orders', 'line_items', 513, 514],
  ['contacts', 'notes', 201, 202],
  ['contacts', 'tickets', 15, 16],
  ['tickets', 'notes', 227, 228],
  ['orders', 'notes', 764, 765],
  ['orders', 'tickets', 525, 526],
];

export const ASSOCIATION_TYPES: readonly AssociationTypeDef[] = PAIRS.flatMap(([a, b, ab, ba]) => [
  { from: a, to: b, typeId: ab, reverseTypeId: ba },
  { from: b, to: a, typeId: ba, reverseTypeId: ab },
]);

export function defaultAssociation(from: ObjectTypeName, to: ObjectTypeName): AssociationTypeDef | undefined {
  return ASSOCIATION_TYPES.find((t) => t.from === from && t.to === to);
}

export function associationByTypeId(from: ObjectTypeName, typeId: number): AssociationTypeDef | undefined {
  return ASSOCIATION_TYPES.find((t) => t.from === from && t.typeId === typeId);
}
