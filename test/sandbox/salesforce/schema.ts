/**
 * The org's data model: the standard objects the bridge touches plus the custom fields a real integration would add
 * (`External_Id__c`, `Customer_Tier__c`, `Chat_Transcript_Key__c`, `Chat_Session_Key__c`).
 * Field names, types and lengths follow the Object Reference:
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_list.htm
 *
 * Org-specific choices (document them when pointing the bridge at a real org):
 * - Order ↔ Contact: standard Order has BillToContactId / ShipToContactId / CustomerAuthorizedById lookups; which one
 *   an org fills in is a business decision. The seed fills BillToContactId (and AccountId, which Order requires).
 * - Picklist values for Order.Status, Case.Status/Priority/Origin and Task.Type are admin-editable; the values here
 *   are the defaults plus the ones a support org typically adds ('Shipped', 'Chat', 'Waiting on Customer'...).
 * - The org has multi-currency enabled (CurrencyIsoCode on every currency-bearing object).
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'int'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldDef {
  name: string;
  type: FieldType;
  label: string;
  length?: number;
  /** Required on create (nillable false, createable, no default). */
  required?: boolean;
  createable: boolean;
  updateable: boolean;
  externalId?: boolean;
  unique?: boolean;
  referenceTo?: string[];
  relationshipName?: string;
  picklistValues?: string[];
  /** Restricted picklists reject values outside the list. */
  restrictedPicklist?: boolean;
  defaultValue?: unknown;
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: string;
  field: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  childRelationships: ChildRelationship[];
  /** Whether Salesforce creates the object with the createable/updateable flag (User is read-only over this API). */
  createable: boolean;
  /** Field the polymorphic "Name" pseudo-object shows for this object (Who.Name, What.Name). */
  nameField: string;
}

function f(name: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef {
  const label =
    extra.label ??
    name
      .replace(/__c$/, '')
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2');
  return { name, type, label, createable: true, updateable: true, ...extra };
}

const readOnly = { createable: false, updateable: false } as const;

function systemFields(owner = true): FieldDef[] {
  return [
    f('Id', 'id', { ...readOnly, length: 18, label: 'Record ID' }),
    f('IsDeleted', 'boolean', { ...readOnly, label: 'Deleted' }),
    ...(owner
      ? [f('OwnerId', 'reference', { referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID', length: 18 })]
      : []),
    f('CreatedDate', 'datetime', readOnly),
    f('CreatedById', 'reference', { ...readOnly, referenceTo: ['User'], relationshipName: 'CreatedBy', length: 18 }),
    f('LastModifiedDate', 'datetime', readOnly),
    f('LastModifiedById', 'reference', {
      ...readOnly,
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
      length: 18,
    }),
    f('SystemModstamp', 'datetime', { ...readOnly, label: 'System Modstamp' }),
  ];
}

const CURRENCIES = ['USD', 'JPY', 'EUR', 'GBP'];

const OBJECTS: ObjectDef[] = [
  {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    createable: false,
    nameField: 'Name',
    fields: [
      ...systemFields(false),
      f('Username', 'string', { length: 80, required: true }),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80, required: true }),
      f('Name', 'string', { ...readOnly, length: 121, label: 'Full Name' }),
      f('Email', 'email', { length: 128, required: true }),
      f('IsActive', 'boolean', { defaultValue: true }),
    ],
    childRelationships: [],
  },
  {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: '001',
    createable: true,
    nameField: 'Name',
    fields: [
      ...systemFields(),
      f('Name', 'string', { length: 255, required: true, label: 'Account Name' }),
      f('Type', 'picklist', {
        length: 255,
        picklistValues: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Household', 'Other'],
      }),
      f('Industry', 'picklist', { length: 255, picklistValues: ['Retail', 'Technology', 'Manufacturing', 'Other'] }),
      f('Phone', 'phone', { length: 40 }),
      f('Website', 'url', { length: 255 }),
      f('BillingCountry', 'string', { length: 80 }),
      f('Description', 'textarea', { length: 32000 }),
      f('CurrencyIsoCode', 'picklist', {
        length: 3,
        picklistValues: CURRENCIES,
        restrictedPicklist: true,
        defaultValue: 'USD',
      }),
    ],
    childRelationships: [
      { relationshipName: 'Contacts', childSObject: 'Contact', field: 'AccountId' },
      { relationshipName: 'Orders', childSObject: 'Order', field: 'AccountId' },
      { relationshipName: 'Cases', childSObject: 'Case', field: 'AccountId' },
    ],
  },
  {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: '003',
    createable: true,
    nameField: 'Name',
    fields: [
      ...systemFields(),
      f('Salutation', 'picklist', { length: 40, picklistValues: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'] }),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80, required: true }),
      f('Name', 'string', { ...readOnly, length: 121, label: 'Full Name' }),
      f('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account', length: 18 }),
      f('Title', 'string', { length: 128 }),
      f('Email', 'email', { length: 80 }),
      f('Phone', 'phone', { length: 40, label: 'Business Phone' }),
      f('MobilePhone', 'phone', { length: 40 }),
      f('MailingCity', 'string', { length: 40 }),
      f('MailingCountry', 'string', { length: 80 }),
      f('LeadSource', 'picklist', { length: 255, picklistValues: ['Web', 'Phone Inquiry', 'Chat', 'Other'] }),
      f('HasOptedOutOfEmail', 'boolean', { defaultValue: false, label: 'Email Opt Out' }),
      f('Description', 'textarea', { length: 32000 }),
      f('CurrencyIsoCode', 'picklist', {
        length: 3,
        picklistValues: CURRENCIES,
        restrictedPicklist: true,
        defaultValue: 'USD',
      }),
      f('External_Id__c', 'string', { length: 255, externalId: true, unique: true, label: 'External Id' }),
      f('Customer_Tier__c', 'picklist', {
        length: 255,
        picklistValues: ['Standard', 'Gold', 'VIP'],
        restrictedPicklist: true,
        label: 'Customer Tier',
      }),
    ],
    childRelationships: [
      { relationshipName: 'Cases', childSObject: 'Case', field: 'ContactId' },
      { relationshipName: 'Tasks', childSObject: 'Task', field: 'WhoId' },
      { relationshipName: 'Notes', childSObject: 'Note', field: 'ParentId' },
      { relationshipName: 'Orders', childSObject: 'Order', field: 'BillToContactId' },
    ],
  },
  {
    name: 'Product2',
    label: 'Product',
    labelPlural: 'Products',
    keyPrefix: '01t',
    createable: true,
    nameField: 'Name',
    fields: [
      ...systemFields(false),
      f('Name', 'string', { length: 255, required: true, label: 'Product Name' }),
      f('ProductCode', 'string', { length: 255 }),
      f('Description', 'textarea', { length: 4000 }),
      f('Family', 'picklist', { length: 255, picklistValues: ['Accessories', 'Displays', 'Audio', 'None'] }),
      f('IsActive', 'boolean', { defaultValue: false }),
    ],
    childRelationships: [],
  },
  {
    name: 'Order',
    label: 'Order',
    labelPlural: 'Orders',
    keyPrefix: '801',
    createable: true,
    nameField: 'OrderNumber',
    fields: [
      ...systemFields(),
      f('OrderNumber', 'string', { ...readOnly, length: 30, label: 'Order Number' }),
      f('AccountId', 'reference', {
        referenceTo: ['Account'],
        relationshipName: 'Account',
        length: 18,
        required: true,
      }),
      f('BillToContactId', 'reference', { referenceTo: ['Contact'], relationshipName: 'BillToContact', length: 18 }),
      f('ShipToContactId', 'reference', { referenceTo: ['Contact'], relationshipName: 'ShipToContact', length: 18 }),
      f('CustomerAuthorizedById', 'reference', {
        referenceTo: ['Contact'],
        relationshipName: 'CustomerAuthorizedBy',
        length: 18,
      }),
      f('Status', 'picklist', {
        length: 40,
        required: true,
        picklistValues: ['Draft', 'Activated', 'Shipped', 'Delivered', 'Cancelled'],
        restrictedPicklist: true,
      }),
      f('StatusCode', 'picklist', { ...readOnly, length: 40, picklistValues: ['Draft', 'Activated', 'Cancelled'] }),
      f('EffectiveDate', 'date', { required: true, label: 'Order Start Date' }),
      f('TotalAmount', 'currency', { ...readOnly, label: 'Order Amount' }),
      f('Type', 'picklist', { length: 255, picklistValues: ['Online', 'Phone', 'In Store'] }),
      f('Description', 'textarea', { length: 32000 }),
      f('CurrencyIsoCode', 'picklist', {
        length: 3,
        picklistValues: CURRENCIES,
        restrictedPicklist: true,
        defaultValue: 'USD',
      }),
    ],
    childRelationships: [{ relationshipName: 'OrderItems', childSObject: 'OrderItem', field: 'OrderId' }],
  },
  {
    name: 'OrderItem',
    label: 'Order Product',
    labelPlural: 'Order Products',
    keyPrefix: '802',
    createable: true,
    nameField: 'OrderItemNumber',
    fields: [
      ...systemFields(false),
      f('OrderItemNumber', 'string', { ...readOnly, length: 30 }),
      f('OrderId', 'reference', {
        referenceTo: ['Order'],
        relationshipName: 'Order',
        length: 18,
        required: true,
        updateable: false,
      }),
      f('Product2Id', 'reference', {
        referenceTo: ['Product2'],
        relationshipName: 'Product2',
        length: 18,
        updateable: false,
      }),
      f('Quantity', 'double', { required: true }),
      f('UnitPrice', 'currency', { required: true }),
      f('TotalPrice', 'currency', { ...readOnly }),
      f('Description', 'string', { length: 255, label: 'Line Description' }),
      f('CurrencyIsoCode', 'picklist', { ...readOnly, length: 3, picklistValues: CURRENCIES }),
    ],
    childRelationships: [],
  },
  {
    name: 'Task',
    label: 'Task',
    labelPlural: 'Tasks',
    keyPrefix: '00T',
    createable: true,
    nameField: 'Subject',
    fields: [
      ...systemFields(),
      // WhoId and WhatId are polymorphic: Who.Name / What.Name go through the "Name" pseudo-object.
      f('WhoId', 'reference', { referenceTo: ['Contact'], relationshipName: 'Who', length: 18, label: 'Name ID' }),
      f('WhatId', 'reference', {
        referenceTo: ['Account', 'Case', 'Order'],
        relationshipName: 'What',
        length: 18,
        label: 'Related To ID',
      }),
      f('Subject', 'string', { length: 255 }),
      f('Description', 'textarea', { length: 32000, label: 'Comments' }),
      f('Status', 'picklist', {
        length: 40,
        picklistValues: ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
        defaultValue: 'Not Started',
      }),
      f('Priority', 'picklist', { length: 40, picklistValues: ['High', 'Normal', 'Low'], defaultValue: 'Normal' }),
      f('ActivityDate', 'date', { label: 'Due Date Only' }),
      f('Type', 'picklist', { length: 40, picklistValues: ['Call', 'Email', 'Meeting', 'Chat', 'Other'] }),
      f('TaskSubtype', 'picklist', { length: 40, picklistValues: ['Task', 'Email', 'Call'], updateable: false }),
      f('IsClosed', 'boolean', { ...readOnly, label: 'Closed' }),
      f('Chat_Transcript_Key__c', 'string', {
        length: 255,
        externalId: true,
        unique: true,
        label: 'Chat Transcript Key',
      }),
      f('CurrencyIsoCode', 'picklist', {
        length: 3,
        picklistValues: CURRENCIES,
        restrictedPicklist: true,
        defaultValue: 'USD',
      }),
    ],
    childRelationships: [],
  },
  {
    name: 'Note',
    label: 'Note',
    labelPlural: 'Notes',
    keyPrefix: '002',
    createable: true,
    nameField: 'Title',
    fields: [
      ...systemFields(),
      f('ParentId', 'reference', {
        referenceTo: ['Contact', 'Account', 'Case', 'Order'],
        relationshipName: 'Parent',
        length: 18,
        required: true,
        updateable: false,
      }),
      f('Title', 'string', { length: 255, required: true }),
      f('Body', 'textarea', { length: 32000 }),
      f('IsPrivate', 'boolean', { defaultValue: false, label: 'Private' }),
    ],
    childRelationships: [],
  },
  {
    name: 'Case',
    label: 'Case',
    labelPlural: 'Cases',
    keyPrefix: '500',
    createable: true,
    nameField: 'CaseNumber',
    fields: [
      ...systemFields(),
      f('CaseNumber', 'string', { ...readOnly, length: 30 }),
      f('ContactId', 'reference', { referenceTo: ['Contact'], relationshipName: 'Contact', length: 18 }),
      f('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account', length: 18 }),
      f('Subject', 'string', { length: 255 }),
      f('Description', 'textarea', { length: 32000 }),
      f('Status', 'picklist', {
        length: 40,
        picklistValues: ['New', 'Working', 'Waiting on Customer', 'Escalated', 'Closed'],
        defaultValue: 'New',
      }),
      f('Priority', 'picklist', { length: 40, picklistValues: ['High', 'Medium', 'Low'], defaultValue: 'Medium' }),
      f('Origin', 'picklist', { length: 40, picklistValues: ['Phone', 'Email', 'Web', 'Chat'], label: 'Case Origin' }),
      f('Type', 'picklist', { length: 40, picklistValues: ['Question', 'Problem', 'Feature Request'] }),
      f('IsClosed', 'boolean', { ...readOnly, label: 'Closed' }),
      f('ClosedDate', 'datetime', { ...readOnly }),
      f('Chat_Session_Key__c', 'string', { length: 255, externalId: true, unique: true, label: 'Chat Session Key' }),
      f('CurrencyIsoCode', 'picklist', {
        length: 3,
        picklistValues: CURRENCIES,
        restrictedPicklist: true,
        defaultValue: 'USD',
      }),
    ],
    childRelationships: [
      { relationshipName: 'Tasks', childSObject: 'Task', field: 'WhatId' },
      { relationshipName: 'Notes', childSObject: 'Note', field: 'ParentId' },
    ],
  },
];

const BY_NAME = new Map(OBJECTS.map((o) => [o.name.toLowerCase(), o]));
const BY_PREFIX = new Map(OBJECTS.map((o) => [o.keyPrefix, o]));
const FIELD_INDEX = new Map(
  OBJECTS.map((o) => [o.name, new Map(o.fields.map((field) => [field.name.toLowerCase(), field]))]),
);

export const ALL_OBJECTS: readonly ObjectDef[] = OBJECTS;

/** SOQL and URLs treat object and field names case-insensitively. */
export function findObject(name: string): ObjectDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function objectForId(id: string): ObjectDef | undefined {
  return BY_PREFIX.get(id.slice(0, 3));
}

export function findField(object: ObjectDef, name: string): FieldDef | undefined {
  return FIELD_INDEX.get(object.name)?.get(name.toLowerCase());
}

export function findRelationship(object: ObjectDef, relationshipName: string): FieldDef | undefined {
  const lower = relationshipName.toLowerCase();
  return object.fields.find((field) => field.relationshipName?.toLowerCase() === lower);
}

export function findChildRelationship(object: ObjectDef, relationshipName: string): ChildRelationship | undefined {
  const lower = relationshipName.toLowerCase();
  return object.childRelationships.find((rel) => rel.relationshipName.toLowerCase() === lower);
}

export function isPolymorphic(field: FieldDef): boolean {
  return (field.referenceTo?.length ?? 0) > 1 || field.relationshipName === 'Who';
}

/** Fields of the "Name" pseudo-object that polymorphic relationships (Who, What, Parent) expose in SOQL. */
export const NAME_OBJECT_FIELDS: readonly FieldDef[] = [
  f('Id', 'id', readOnly),
  f('Name', 'string', readOnly),
  f('Type', 'string', readOnly),
];
