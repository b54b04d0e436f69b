import type { Request, Response } from 'express';
import type { DailyQuota } from '../common/rate-limit';
import type { SandboxKit } from '../common/sandbox-kit';
import { sendErrors, sendNotFound, type DmlError } from './errors';
import type { QueryCursors } from './query-cursors';
import { findObject, type ObjectDef } from './schema';
import type { OrgStore, SObjectRecord, WriteContext } from './store';

/** Shared by the REST route files: request helpers and the record/describe shapes responses use. */

export const MIN_VERSION = 31;
export const LATEST_VERSION = '62.0';

export interface RestContext {
  kit: SandboxKit;
  store: OrgStore;
  quota: DailyQuota;
  cursors: QueryCursors;
  settings: { queryBatchSize: number };
  bearerOf(req: Request): string | undefined;
}

export function versionOf(req: Request): string {
  return String(req.params.version ?? LATEST_VERSION);
}

export function versionNumber(req: Request): number {
  return Number(versionOf(req));
}

export function param(req: Request, name: string): string {
  return String((req.params as Record<string, string>)[name] ?? '');
}

export function writeContext(req: Request): WriteContext {
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_duplicaterules.htm
  const header = req.get('Sforce-Duplicate-Rule-Header') ?? '';
  return { allowSaveOnDuplicates: /allowSave\s*=\s*true/i.test(header) };
}

export function sendDmlError(res: Response, error: DmlError): void {
  const body = error.toRestError();
  if (error.statusCode === 'DUPLICATES_DETECTED' || error.statusCode === 'NOT_FOUND') {
    delete body.fields;
  }
  sendErrors(res, error.extra.httpStatus ?? 400, [body]);
}

export function objectOr404(req: Request, res: Response): ObjectDef | undefined {
  const object = findObject(param(req, 'type'));
  if (!object) {
    sendNotFound(res);
    return undefined;
  }
  return object;
}

export function attributes(object: ObjectDef, id: string, version: string): { type: string; url: string } {
  return { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${id}` };
}

/** A whole record as `GET sobjects/{T}/{id}` returns it: every field, nulls included, in describe order. */
export function fullRecord(
  object: ObjectDef,
  record: SObjectRecord,
  version: string,
  fields?: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(object, record.Id, version) };
  for (const field of object.fields) {
    if (!fields || fields.includes(field.name)) {
      out[field.name] = record[field.name] ?? null;
    }
  }
  return out;
}

export function describe(object: ObjectDef, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${object.name}`;
  return {
    name: object.name,
    label: object.label,
    labelPlural: object.labelPlural,
    keyPrefix: object.keyPrefix,
    custom: false,
    createable: object.createable,
    updateable: object.createable,
    deletable: object.createable,
    queryable: true,
    retrieveable: true,
    replicateable: true,
    searchable: true,
    fields: object.fields.map((field) => ({
      name: field.name,
      label: field.label,
      type: field.type,
      length: field.length ?? 0,
      nillable: !field.required && field.type !== 'boolean' && field.name !== 'Id',
      createable: field.createable,
      updateable: field.updateable,
      filterable: !(field.type === 'textarea' && (field.length ?? 0) > 255),
      sortable: !(field.type === 'textarea' && (field.length ?? 0) > 255),
      custom: field.name.endsWith('__c'),
      externalId: field.externalId ?? false,
      unique: field.unique ?? false,
      idLookup: field.name === 'Id' || (field.externalId ?? false),
      defaultedOnCreate: field.defaultValue !== undefined || !field.createable,
      defaultValue: field.defaultValue ?? null,
      referenceTo: field.referenceTo ?? [],
      relationshipName: field.relationshipName ?? null,
      picklistValues: (field.picklistValues ?? []).map((value) => ({
        active: true,
        defaultValue: value === field.defaultValue,
        label: value,
        validFor: null,
        value,
      })),
      restrictedPicklist: field.restrictedPicklist ?? false,
    })),
    childRelationships: object.childRelationships.map((rel) => ({
      childSObject: rel.childSObject,
      field: rel.field,
      relationshipName: rel.relationshipName,
      cascadeDelete: rel.childSObject === 'OrderItem',
    })),
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** Routes carry the full path (no prefix mount), so req.path stays whole for the request log and fault path filters. */
export const P = '/services/data/v:version';
export const DATA_PATH = /^\/services\/data\/v([^/]+)(?:\/|$)/;
