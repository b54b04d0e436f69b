import type { Request, Response } from 'express';
import type { SandboxKit } from '../common/sandbox-kit';
import { errorBody, HsHttpError, unknownObjectType, validationError } from './hubspot.errors';
import { normalizeProperties, toApiObject, type ApiObject } from './hubspot.properties';
import {
  associationByTypeId,
  propertyDef,
  resolveObjectType,
  OBJECT_TYPES,
  type ObjectTypeDef,
} from './hubspot.schema';
import type { HsRecord, HubspotStore, UniqueConflict } from './hubspot.store';
import type { WebhookDispatcher } from './hubspot.webhooks';

/** What every route module needs: the account data, the harness kit and the webhook sender. */
export interface HubspotContext {
  store: HubspotStore;
  kit: SandboxKit;
  webhooks: WebhookDispatcher;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function objectTypeParam(req: Request, name = 'objectType'): ObjectTypeDef {
  const raw = String(req.params[name] ?? '');
  const def = resolveObjectType(raw);
  if (!def) {
    throw unknownObjectType(raw);
  }
  return def;
}

/** The `idProperty` must be a unique property of the object (or hs_object_id, the default). */
export function checkIdProperty(def: ObjectTypeDef, idProperty: unknown): string | undefined {
  if (idProperty === undefined || idProperty === '' || idProperty === 'hs_object_id') {
    return undefined;
  }
  if (typeof idProperty !== 'string') {
    throw validationError('Invalid input JSON: idProperty must be a string');
  }
  const p = propertyDef(def, idProperty);
  if (!p) {
    throw validationError(`Property "${idProperty}" does not exist for object type ${def.singular}`);
  }
  if (!p.unique) {
    throw validationError(`${idProperty} is not a unique property and cannot be used as idProperty`);
  }
  return idProperty;
}

export function findRecord(
  ctx: HubspotContext,
  def: ObjectTypeDef,
  id: string,
  idProperty: string | undefined,
  archived = false,
): HsRecord | undefined {
  const record = idProperty ? ctx.store.findByUnique(def.name, idProperty, id) : ctx.store.get(def.name, id);
  return record && record.archived === archived ? record : undefined;
}

/**
 * 409 bodies. For a duplicate contact email HubSpot answers "Contact already exists. Existing ID: N"; recent
 * responses (HubSpot community, "Updated 409 Conflict responses", 2023) carry category OBJECT_ALREADY_EXISTS,
 * error CONTACT_EXISTS and an `errors` entry naming the field. Other unique properties use category CONFLICT
 * (message text unverified). Connectors should key on the status and the "Existing ID: N" suffix.
 */
export function conflictError(def: ObjectTypeDef, conflict: UniqueConflict): HsHttpError {
  if (def.name === 'contacts' && conflict.property === 'email') {
    return new HsHttpError(
      409,
      errorBody(`Contact already exists. Existing ID: ${conflict.existingId}`, 'OBJECT_ALREADY_EXISTS', {
        errors: [
          {
            message: `A contact with email ${conflict.value} already exists. Existing ID: ${conflict.existingId}`,
            in: 'email',
          },
        ],
        error: 'CONTACT_EXISTS',
      }),
    );
  }
  const message = `A ${def.singular} with ${conflict.property} '${conflict.value}' already exists. Existing ID: ${conflict.existingId}`;
  return new HsHttpError(409, errorBody(message, 'CONFLICT', { errors: [{ message, in: conflict.property }] }));
}

export interface PendingAssociation {
  target: HsRecord;
  typeId: number;
}

/**
 * Inline associations on create: [{to:{id}, types:[{associationCategory, associationTypeId}]}]. The type id decides
 * the target object type (202 on a note means "this note → a contact").
 */
export function parseInlineAssociations(ctx: HubspotContext, def: ObjectTypeDef, raw: unknown): PendingAssociation[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw validationError('Invalid input JSON: "associations" must be an array');
  }
  const out: PendingAssociation[] = [];
  raw.forEach((entry, index) => {
    const to = isObject(entry) ? entry.to : undefined;
    const types = isObject(entry) ? entry.types : undefined;
    const toId = isObject(to) ? to.id : undefined;
    if ((typeof toId !== 'string' && typeof toId !== 'number') || !Array.isArray(types) || types.length === 0) {
      throw validationError(`Invalid input JSON: associations[${index}] needs to.id and a non-empty types array`);
    }
    for (const type of types) {
      const category = isObject(type) ? type.associationCategory : undefined;
      const typeId = isObject(type) ? Number(type.associationTypeId) : NaN;
      if (category !== 'HUBSPOT_DEFINED' && category !== 'USER_DEFINED' && category !== 'INTEGRATOR_DEFINED') {
        throw validationError(`Invalid associationCategory ${String(category)} in associations[${index}]`);
      }
      const spec = category === 'HUBSPOT_DEFINED' ? associationByTypeId(def.name, typeId) : undefined;
      if (!spec) {
        throw validationError(
          `Association type ${category} ${String(isObject(type) ? type.associationTypeId : '')} is not valid from ${def.singular}`,
        );
      }
      const target = ctx.store.get(spec.to, String(toId));
      if (!target || target.archived) {
        throw validationError(
          `Could not create association: ${OBJECT_TYPES[spec.to].singular} with id ${String(toId)} does not exist`,
          { context: { ids: [String(toId)] } },
        );
      }
      out.push({ target, typeId });
    }
  });
  return out;
}

/** Validated create input (properties + inline associations), before any write. */
export function prepareCreate(
  ctx: HubspotContext,
  def: ObjectTypeDef,
  input: unknown,
): { props: Record<string, string | null>; associations: PendingAssociation[]; traceId?: string } {
  if (!isObject(input)) {
    throw validationError('Invalid input JSON: expected an object with "properties"');
  }
  const props = normalizeProperties(def, input.properties, 'create');
  const associations = parseInlineAssociations(ctx, def, input.associations);
  const traceId = typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : undefined;
  return { props, associations, ...(traceId === undefined ? {} : { traceId }) };
}

const changesOf = (record: HsRecord, names: string[]): Record<string, string> =>
  Object.fromEntries(names.map((n) => [n, record.props[n] ?? '']));

/** Writes a validated create: store, associations, journal, webhooks. */
export function commitCreate(
  ctx: HubspotContext,
  def: ObjectTypeDef,
  props: Record<string, string | null>,
  associations: PendingAssociation[],
  operation: 'create' | 'upsert' = 'create',
  externalKey?: string,
): HsRecord {
  const record = ctx.store.create(def.name, props, { sourceType: 'API' });
  for (const a of associations) {
    ctx.store.associate(record, a.target, a.typeId);
  }
  const key = externalKey ?? (def.externalKeyProperty ? record.props[def.externalKeyProperty] : undefined);
  ctx.kit.journal.record({
    object: def.name,
    operation,
    recordId: record.id,
    ...(key === undefined ? {} : { externalKey: key }),
    payload: {
      properties: props,
      associations: associations.map((a) => ({ to: a.target.id, typeId: a.typeId })),
    },
  });
  const set = Object.keys(props).filter((n) => props[n] !== null);
  ctx.webhooks.recordChange(def.webhookPrefix, 'creation', record.id, changesOf(record, set));
  return record;
}

export function commitUpdate(
  ctx: HubspotContext,
  def: ObjectTypeDef,
  record: HsRecord,
  props: Record<string, string | null>,
  operation: 'update' | 'upsert' = 'update',
  externalKey?: string,
): void {
  const changed = ctx.store.update(record, props, { sourceType: 'API' });
  const key =
    externalKey ??
    (def.externalKeyProperty && props[def.externalKeyProperty] ? props[def.externalKeyProperty] : undefined);
  ctx.kit.journal.record({
    object: def.name,
    operation,
    recordId: record.id,
    ...(key === undefined || key === null ? {} : { externalKey: key }),
    payload: { properties: props },
  });
  if (changed.length > 0) {
    ctx.webhooks.recordChange(def.webhookPrefix, 'propertyChange', record.id, changesOf(record, changed));
  }
}

export function commitArchive(ctx: HubspotContext, def: ObjectTypeDef, record: HsRecord): void {
  const key = def.externalKeyProperty ? record.props[def.externalKeyProperty] : undefined;
  ctx.store.archive(record);
  ctx.kit.journal.record({
    object: def.name,
    operation: 'delete',
    recordId: record.id,
    ...(key === undefined ? {} : { externalKey: key }),
    payload: { archived: true },
  });
  ctx.webhooks.recordChange(def.webhookPrefix, 'deletion', record.id);
}

/**
 * Sends the response for a committed write, unless the reset-after-commit fault destroys the socket first (the
 * client then cannot know whether the write happened: exactly the case idempotency keys exist for).
 */
export function respondAfterCommit(ctx: HubspotContext, res: Response, status: number, body?: unknown): void {
  if (ctx.kit.faults.resetAfterCommit(res)) {
    return;
  }
  if (body === undefined) {
    res.status(status).end();
  } else {
    res.status(status).json(body);
  }
}

/** Create/update echo: defaults, every property with a value, and the ones this write cleared (as null). */
export function writeView(def: ObjectTypeDef, record: HsRecord, traceId?: string, written: string[] = []): ApiObject {
  const out = toApiObject(def, record, { write: true, written });
  if (traceId !== undefined) {
    out.objectWriteTraceId = traceId;
  }
  return out;
}

export function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}
