/**
 * Org metadata of the emulated Zoho CRM account: modules, fields, related lists, the current user and the org.
 *
 * Field API names follow the standard Zoho CRM layouts; the ones marked "custom" are what an admin of this
 * fictional org added (Zoho puts no `__c` suffix on custom field API names). Where the vendor docs could not
 * confirm a standard name (Sales_Orders.SO_Number as a writable text field, Cases.Related_To as the contact
 * lookup) the choice is flagged in the field comment.
 *
 * Reference: https://www.zoho.com/crm/developer/docs/api/v8/field-meta.html (GET /settings/fields),
 * https://www.zoho.com/crm/developer/docs/api/v8/related-list-meta.html (GET /settings/related_lists),
 * https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html (system-defined duplicate check fields).
 */

export type ZohoDataType =
  | 'bigint'
  | 'text'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'website'
  | 'picklist'
  | 'lookup'
  | 'ownerlookup'
  | 'datetime'
  | 'date'
  | 'currency'
  | 'double'
  | 'integer'
  | 'boolean'
  | 'autonumber'
  | 'subform';

export interface FieldDef {
  api_name: string;
  label: string;
  data_type: ZohoDataType;
  /** Maximum length for text-like fields (Zoho answers INVALID_DATA with maximum_length above it). */
  length?: number;
  system_mandatory?: boolean;
  read_only?: boolean;
  custom_field?: boolean;
  /** "Do not allow duplicate values" is ticked for this field. */
  unique?: boolean;
  /** An External ID field: usable in place of the record id with the X-EXTERNAL: {Module}.{Field} header. */
  external?: boolean;
  lookup_module?: string;
  subform_module?: string;
  pick_list_values?: string[];
}

export interface RelatedListDef {
  api_name: string;
  label: string;
  module: string;
  /** Field of the child module that points at the parent record. */
  via: string;
}

export interface ModuleDef {
  api_name: string;
  singular: string;
  plural: string;
  id: string;
  fields: FieldDef[];
  /** System-defined duplicate check fields (upsert without duplicate_check_fields). */
  duplicateCheck: string[];
  relatedLists: RelatedListDef[];
  /** Subform "modules" are only reachable through their parent record. */
  subform?: boolean;
  /** Field whose value names the record in lookups ({name, id}). */
  nameField: (record: Record<string, unknown>) => string;
}

/** Every CRM API path starts here (routes are registered with the full path so logs and fault filters see it). */
export const API = '/crm/v8';

/** Org-wide id prefix: Zoho record ids are 19-digit numbers sharing the org's prefix. */
export const ORG_ID_PREFIX = '5725767';
export const ORG_ID = '5725767000000009001';
export const ZGID = '60012345678';

export const CURRENT_USER = {
  id: '5725767000000411001',
  name: 'Patricia Boyle',
  first_name: 'Patricia',
  last_name: 'Boyle',
  email: 'patricia.boyle@sandbox.example.com',
  zuid: '736078909',
};

export const OWNER = { name: CURRENT_USER.name, id: CURRENT_USER.id, email: CURRENT_USER.email };

const SYSTEM_FIELDS: FieldDef[] = [
  { api_name: 'id', label: 'Record Id', data_type: 'bigint', read_only: true },
  { api_name: 'Owner', label: 'Owner', data_type: 'ownerlookup' },
  { api_name: 'Created_Time', label: 'Created Time', data_type: 'datetime', read_only: true },
  { api_name: 'Modified_Time', label: 'Modified Time', data_type: 'datetime', read_only: true },
  { api_name: 'Created_By', label: 'Created By', data_type: 'ownerlookup', read_only: true },
  { api_name: 'Modified_By', label: 'Modified By', data_type: 'ownerlookup', read_only: true },
];

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export const MODULES: ModuleDef[] = [
  {
    api_name: 'Contacts',
    singular: 'Contact',
    plural: 'Contacts',
    id: '5725767000000002179',
    duplicateCheck: ['Email'],
    nameField: (r) => [str(r.First_Name), str(r.Last_Name)].filter(Boolean).join(' '),
    fields: [
      ...SYSTEM_FIELDS,
      { api_name: 'First_Name', label: 'First Name', data_type: 'text', length: 40 },
      { api_name: 'Last_Name', label: 'Last Name', data_type: 'text', length: 80, system_mandatory: true },
      { api_name: 'Full_Name', label: 'Contact Name', data_type: 'text', length: 121, read_only: true },
      // Standard Email is NOT unique in Zoho: two contacts may share it, which the seed relies on.
      { api_name: 'Email', label: 'Email', data_type: 'email', length: 100 },
      { api_name: 'Secondary_Email', label: 'Secondary Email', data_type: 'email', length: 100 },
      { api_name: 'Phone', label: 'Phone', data_type: 'phone', length: 30 },
      { api_name: 'Mobile', label: 'Mobile', data_type: 'phone', length: 30 },
      { api_name: 'Account_Name', label: 'Account Name', data_type: 'lookup', lookup_module: 'Accounts' },
      { api_name: 'Title', label: 'Title', data_type: 'text', length: 100 },
      { api_name: 'Description', label: 'Description', data_type: 'textarea', length: 32000 },
      {
        api_name: 'External_Id',
        label: 'External Id',
        data_type: 'text',
        length: 100,
        custom_field: true,
        unique: true,
        external: true,
      },
      {
        api_name: 'Customer_Tier',
        label: 'Customer Tier',
        data_type: 'picklist',
        custom_field: true,
        pick_list_values: ['-None-', 'Standard', 'Gold', 'VIP'],
      },
    ],
    relatedLists: [
      { api_name: 'Notes', label: 'Notes', module: 'Notes', via: 'Parent_Id' },
      { api_name: 'Cases', label: 'Cases', module: 'Cases', via: 'Related_To' },
      { api_name: 'SalesOrders', label: 'Sales Orders', module: 'Sales_Orders', via: 'Contact_Name' },
    ],
  },
  {
    api_name: 'Accounts',
    singular: 'Account',
    plural: 'Accounts',
    id: '5725767000000002177',
    duplicateCheck: ['Account_Name'],
    nameField: (r) => str(r.Account_Name),
    fields: [
      ...SYSTEM_FIELDS,
      { api_name: 'Account_Name', label: 'Account Name', data_type: 'text', length: 200, system_mandatory: true },
      { api_name: 'Phone', label: 'Phone', data_type: 'phone', length: 30 },
      { api_name: 'Website', label: 'Website', data_type: 'website', length: 255 },
      { api_name: 'Description', label: 'Description', data_type: 'textarea', length: 32000 },
    ],
    relatedLists: [
      { api_name: 'Contacts', label: 'Contacts', module: 'Contacts', via: 'Account_Name' },
      { api_name: 'Notes', label: 'Notes', module: 'Notes', via: 'Parent_Id' },
      { api_name: 'Cases', label: 'Cases', module: 'Cases', via: 'Account_Name' },
      { api_name: 'SalesOrders', label: 'Sales Orders', module: 'Sales_Orders', via: 'Account_Name' },
    ],
  },
  {
    api_name: 'Products',
    singular: 'Product',
    plural: 'Products',
    id: '5725767000000002185',
    duplicateCheck: ['Product_Name'],
    nameField: (r) => str(r.Product_Name),
    fields: [
      ...SYSTEM_FIELDS,
      { api_name: 'Product_Name', label: 'Product Name', data_type: 'text', length: 200, system_mandatory: true },
      { api_name: 'Product_Code', label: 'Product Code', data_type: 'text', length: 40 },
      { api_name: 'Unit_Price', label: 'Unit Price', data_type: 'currency' },
      { api_name: 'Product_Active', label: 'Product Active', data_type: 'boolean' },
    ],
    relatedLists: [{ api_name: 'Notes', label: 'Notes', module: 'Notes', via: 'Parent_Id' }],
  },
  {
    api_name: 'Sales_Orders',
    singular: 'Sales Order',
    plural: 'Sales Orders',
    id: '5725767000000002193',
    duplicateCheck: ['Subject'],
    nameField: (r) => str(r.Subject),
    fields: [
      ...SYSTEM_FIELDS,
      { api_name: 'Subject', label: 'Subject', data_type: 'text', length: 255, system_mandatory: true },
      // Held as a writable text field carrying the shop's order number (unverified against a real org layout).
      { api_name: 'SO_Number', label: 'SO Number', data_type: 'text', length: 50 },
      {
        api_name: 'Status',
        label: 'Status',
        data_type: 'picklist',
        pick_list_values: ['Created', 'Approved', 'Shipped', 'Delivered', 'Cancelled'],
      },
      { api_name: 'Contact_Name', label: 'Contact Name', data_type: 'lookup', lookup_module: 'Contacts' },
      { api_name: 'Account_Name', label: 'Account Name', data_type: 'lookup', lookup_module: 'Accounts' },
      {
        api_name: 'Currency',
        label: 'Currency',
        data_type: 'picklist',
        pick_list_values: ['USD', 'JPY', 'EUR'],
      },
      { api_name: 'Sub_Total', label: 'Sub Total', data_type: 'currency', read_only: true },
      { api_name: 'Grand_Total', label: 'Grand Total', data_type: 'currency', read_only: true },
      { api_name: 'Due_Date', label: 'Due Date', data_type: 'date' },
      { api_name: 'Ordered_Items', label: 'Ordered Items', data_type: 'subform', subform_module: 'Ordered_Items' },
    ],
    relatedLists: [{ api_name: 'Notes', label: 'Notes', module: 'Notes', via: 'Parent_Id' }],
  },
  {
    api_name: 'Ordered_Items',
    singular: 'Ordered Item',
    plural: 'Ordered Items',
    id: '5725767000000002195',
    subform: true,
    duplicateCheck: [],
    nameField: (r) => str((r.Product_Name as { name?: string } | undefined)?.name),
    fields: [
      { api_name: 'id', label: 'Record Id', data_type: 'bigint', read_only: true },
      {
        api_name: 'Product_Name',
        label: 'Product Name',
        data_type: 'lookup',
        lookup_module: 'Products',
        system_mandatory: true,
      },
      { api_name: 'Quantity', label: 'Quantity', data_type: 'double', system_mandatory: true },
      { api_name: 'List_Price', label: 'List Price', data_type: 'currency' },
      { api_name: 'Total', label: 'Total', data_type: 'currency', read_only: true },
      { api_name: 'Net_Total', label: 'Net Total', data_type: 'currency', read_only: true },
      { api_name: 'Product_Description', label: 'Description', data_type: 'textarea', length: 2000 },
    ],
    relatedLists: [],
  },
  {
    api_name: 'Cases',
    singular: 'Case',
    plural: 'Cases',
    id: '5725767000000002197',
    duplicateCheck: ['Subject'],
    nameField: (r) => str(r.Subject),
    fields: [
      ...SYSTEM_FIELDS,
      { api_name: 'Case_Number', label: 'Case Number', data_type: 'autonumber', read_only: true },
      { api_name: 'Subject', label: 'Subject', data_type: 'text', length: 255, system_mandatory: true },
      { api_name: 'Description', label: 'Description', data_type: 'textarea', length: 32000 },
      {
        api_name: 'Status',
        label: 'Status',
        data_type: 'picklist',
        pick_list_values: ['New', 'On Hold', 'Escalated', 'Closed'],
      },
      {
        api_name: 'Priority',
        label: 'Priority',
        data_type: 'picklist',
        pick_list_values: ['-None-', 'High', 'Medium', 'Low'],
      },
      {
        api_name: 'Case_Origin',
        label: 'Case Origin',
        data_type: 'picklist',
        pick_list_values: ['-None-', 'Email', 'Phone', 'Web', 'Chat'],
      },
      // "Contact Name" on the Cases layout; its API name Related_To is unverified against a real org.
      { api_name: 'Related_To', label: 'Contact Name', data_type: 'lookup', lookup_module: 'Contacts' },
      { api_name: 'Account_Name', label: 'Account Name', data_type: 'lookup', lookup_module: 'Accounts' },
      { api_name: 'Email', label: 'Email', data_type: 'email', length: 100 },
      { api_name: 'Phone', label: 'Phone', data_type: 'phone', length: 50 },
      {
        api_name: 'Chat_Session_Key',
        label: 'Chat Session Key',
        data_type: 'text',
        length: 100,
        custom_field: true,
        unique: true,
        external: true,
      },
    ],
    relatedLists: [{ api_name: 'Notes', label: 'Notes', module: 'Notes', via: 'Parent_Id' }],
  },
  {
    // Notes take no custom fields in Zoho CRM, so there is no place for an idempotency key; the connector
    // has to put its key in Note_Title and search for it (the sandbox journals notes by title).
    api_name: 'Notes',
    singular: 'Note',
    plural: 'Notes',
    id: '5725767000000002199',
    duplicateCheck: [],
    nameField: (r) => str(r.Note_Title),
    fields: [
      ...SYSTEM_FIELDS,
      { api_name: 'Note_Title', label: 'Note Title', data_type: 'text', length: 120 },
      { api_name: 'Note_Content', label: 'Note Content', data_type: 'textarea', length: 65535, system_mandatory: true },
      { api_name: 'Parent_Id', label: 'Parent ID', data_type: 'lookup', system_mandatory: true },
    ],
    relatedLists: [],
  },
];

const byLower = new Map(MODULES.map((m) => [m.api_name.toLowerCase(), m]));

/** Module API names are case-insensitive on Zoho's side; the canonical spelling is what responses use. */
export function findModule(name: string | undefined): ModuleDef | undefined {
  return name === undefined ? undefined : byLower.get(name.toLowerCase());
}

export function fieldOf(module: ModuleDef, apiName: string): FieldDef | undefined {
  return module.fields.find((f) => f.api_name === apiName);
}

/** Stable 19-digit id for metadata objects (fields), derived from the module id and the field position. */
export function metadataId(module: ModuleDef, index: number): string {
  return `${module.id.slice(0, 12)}${String(700000 + index * 7 + Number(module.id.slice(-3))).padStart(7, '0')}`;
}

const JSON_TYPE: Record<ZohoDataType, string> = {
  bigint: 'string',
  text: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  website: 'string',
  picklist: 'string',
  lookup: 'jsonobject',
  ownerlookup: 'jsonobject',
  datetime: 'string',
  date: 'string',
  currency: 'double',
  double: 'double',
  integer: 'integer',
  boolean: 'boolean',
  autonumber: 'string',
  subform: 'jsonarray',
};

/** One field as GET /settings/fields renders it (the subset of keys the SDK and clients read). */
export function renderFieldMeta(module: ModuleDef, field: FieldDef, index: number): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    id: metadataId(module, index),
    api_name: field.api_name,
    field_label: field.label,
    display_label: field.label,
    data_type: field.data_type,
    json_type: JSON_TYPE[field.data_type],
    system_mandatory: field.system_mandatory ?? false,
    read_only: field.read_only ?? false,
    field_read_only: field.read_only ?? false,
    custom_field: field.custom_field ?? false,
    visible: true,
    length: field.length ?? (field.data_type === 'bigint' ? 19 : 255),
    unique: field.unique ? { casesensitive: 'false' } : {},
    lookup: {},
    pick_list_values: [],
    searchable: field.data_type !== 'subform',
    sortable: true,
    filterable: true,
  };
  if (field.external) {
    meta.external = { type: 'user', show: true, allow_multiple_config: false };
  }
  if (field.lookup_module) {
    const target = findModule(field.lookup_module);
    meta.lookup = {
      display_label: target?.singular ?? field.lookup_module,
      api_name: field.api_name,
      module: { api_name: field.lookup_module, id: target?.id ?? '0' },
      id: metadataId(module, index + 500),
    };
  }
  if (field.subform_module) {
    meta.associated_module = { module: field.subform_module, id: findModule(field.subform_module)?.id ?? '0' };
    meta.subform = { module: field.subform_module, id: findModule(field.subform_module)?.id ?? '0' };
  }
  if (field.pick_list_values) {
    meta.pick_list_values = field.pick_list_values.map((value, i) => ({
      display_value: value,
      actual_value: value,
      sequence_number: i + 1,
      id: metadataId(module, index * 10 + i + 1000),
      type: value === '-None-' ? 'unused' : 'used',
    }));
  }
  return meta;
}

export function renderModuleMeta(module: ModuleDef): Record<string, unknown> {
  return {
    id: module.id,
    api_name: module.api_name,
    module_name: module.api_name,
    singular_label: module.singular,
    plural_label: module.plural,
    api_supported: true,
    generated_type: module.subform ? 'subform' : 'default',
    creatable: !module.subform,
    editable: !module.subform,
    deletable: !module.subform,
    viewable: true,
    visible: true,
    status: 'visible',
    modified_time: '2026-01-05T09:00:00+00:00',
  };
}

export function renderRelatedListMeta(parent: ModuleDef, list: RelatedListDef, index: number): Record<string, unknown> {
  const target = findModule(list.module);
  return {
    id: metadataId(parent, index + 900),
    sequence_number: String(index + 1),
    display_label: list.label,
    api_name: list.api_name,
    name: list.api_name,
    module: { api_name: list.module, id: target?.id ?? '0' },
    href: `${parent.api_name}/{ID}/${list.api_name}`,
    type: 'default',
    action: null,
    connectedmodule: null,
    linkingmodule: null,
    visible: true,
    status: 'visible',
  };
}

export function renderCurrentUser(): Record<string, unknown> {
  return {
    id: CURRENT_USER.id,
    full_name: CURRENT_USER.name,
    first_name: CURRENT_USER.first_name,
    last_name: CURRENT_USER.last_name,
    email: CURRENT_USER.email,
    zuid: CURRENT_USER.zuid,
    status: 'active',
    confirm: true,
    role: { name: 'CEO', id: '5725767000000026005' },
    profile: { name: 'Administrator', id: '5725767000000026011' },
    time_zone: 'Etc/UTC',
    locale: 'en_US',
    country_locale: 'en_US',
    language: 'en_US',
    date_format: 'MM-dd-yyyy',
    time_format: 'hh:mm a',
    created_time: '2025-01-02T08:00:00+00:00',
    Modified_Time: '2026-01-05T09:00:00+00:00',
  };
}

export function renderOrg(): Record<string, unknown> {
  return {
    id: ORG_ID,
    company_name: 'Chat Bridge Sandbox Org',
    alias: null,
    primary_email: CURRENT_USER.email,
    primary_zuid: CURRENT_USER.zuid,
    zgid: ZGID,
    domain_name: 'org60012345678',
    time_zone: 'Etc/UTC',
    currency: 'US Dollar - USD',
    currency_locale: 'en_US',
    currency_symbol: '$',
    iso_code: 'USD',
    country: 'United States',
    country_code: 'US',
    mc_status: true,
    gapps_enabled: false,
    privacy_settings: false,
    type: 'production',
    license_details: {
      paid: true,
      paid_type: 'enterprise',
      users_license_purchased: 10,
      trial_type: null,
      trial_expiry: null,
      paid_expiry: '2027-12-31T00:00:00+00:00',
    },
  };
}
