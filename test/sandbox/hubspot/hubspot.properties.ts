import { PIPELINES, propertyDef, type ObjectTypeDef, type PropertyDef } from './hubspot.schema';
import { propertyProblem, propertyValidationError, validationError, type PropertyProblem } from './hubspot.errors';
import type { HsRecord } from './hubspot.store';

// Deliberately simple: HubSpot rejects obviously malformed addresses, not every RFC corner case.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Datetime inputs HubSpot accepts: epoch milliseconds (string or number), ISO 8601, or a bare date (midnight UTC). */
export function parseDateInput(value: string): number | undefined {
  if (/^-?\d+$/.test(value)) {
    return Number(value);
  }
  if (/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value)) {
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function checkValue(p: PropertyDef, value: string): { value: string } | PropertyProblem {
  switch (p.type) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value.trim())
        ? { value: value.trim() }
        : propertyProblem(p.name, 'INVALID_DOUBLE', `${value} is not a valid number value for ${p.name}`);
    case 'datetime': {
      const ms = parseDateInput(value.trim());
      return ms === undefined
        ? propertyProblem(p.name, 'INVALID_DATE', `${value} is not a valid datetime value for ${p.name}`)
        : { value: new Date(ms).toISOString() };
    }
    case 'enumeration':
      return p.options?.includes(value)
        ? { value }
        : propertyProblem(
            p.name,
            'INVALID_OPTION',
            `${value} was not one of the allowed options: [${(p.options ?? []).join(', ')}]`,
          );
    case 'string':
      if (p.email) {
        const email = value.trim().toLowerCase();
        return EMAIL.test(email)
          ? { value: email }
          : propertyProblem(p.name, 'INVALID_EMAIL', `Email address ${value} is invalid`);
      }
      return { value };
  }
}

/**
 * Validates a `properties` object from a create/update/upsert body and converts values to HubSpot's stored
 * strings. null or "" clears a value. Throws the 400 HubSpot gives ("Property values were not valid: [...]").
 */
export function normalizeProperties(
  def: ObjectTypeDef,
  input: unknown,
  mode: 'create' | 'update',
): Record<string, string | null> {
  if (input === undefined && mode === 'create') {
    input = {};
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw validationError('Invalid input JSON: "properties" must be an object of property name to value');
  }
  const out: Record<string, string | null> = {};
  const problems: PropertyProblem[] = [];
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const p = propertyDef(def, name);
    if (!p) {
      problems.push(propertyProblem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
      continue;
    }
    if (p.readOnly) {
      problems.push(
        propertyProblem(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`),
      );
      continue;
    }
    if (raw === null || raw === '') {
      out[name] = null;
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push(propertyProblem(name, 'INVALID_INPUT', `${name} must be a string, number or boolean`));
      continue;
    }
    const checked = checkValue(p, String(raw));
    if ('isValid' in checked) {
      problems.push(checked);
    } else {
      out[name] = checked.value;
    }
  }
  if (mode === 'create') {
    const pipelines = PIPELINES[def.name];
    if (pipelines && out.hs_pipeline_stage && !out.hs_pipeline) {
      out.hs_pipeline = pipelines[0]?.id ?? null;
    }
    for (const name of def.required) {
      if (out[name] === undefined || out[name] === null) {
        problems.push(propertyProblem(name, 'REQUIRED_PROPERTY', `${name} is required`));
      }
    }
  }
  const pipelines = PIPELINES[def.name];
  if (pipelines && out.hs_pipeline && out.hs_pipeline_stage) {
    const pipeline = pipelines.find((pl) => pl.id === out.hs_pipeline);
    if (pipeline && !pipeline.stages.some((s) => s.id === out.hs_pipeline_stage)) {
      problems.push(
        propertyProblem(
          'hs_pipeline_stage',
          'INVALID_OPTION',
          `${out.hs_pipeline_stage} is not a valid stage of pipeline ${out.hs_pipeline}`,
        ),
      );
    }
  }
  if (problems.length > 0) {
    throw propertyValidationError(problems);
  }
  return out;
}

export interface ApiObject {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, Array<{ value: string; timestamp: string; sourceType: string }>>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  [extra: string]: unknown;
}

/**
 * The SimplePublicObject HubSpot returns. Reads return the requested properties (null when unset, unknown names
 * ignored) plus id/created/modified, or the object's default set; writes echo every property that has a value.
 */
export function toApiObject(
  def: ObjectTypeDef,
  record: HsRecord,
  view: { requested?: string[]; write?: boolean; written?: string[]; withHistory?: string[] },
): ApiObject {
  const names = new Set<string>();
  if (view.write) {
    def.defaultProperties.forEach((n) => names.add(n));
    Object.keys(record.props).forEach((n) => names.add(n));
    (view.written ?? []).forEach((n) => names.add(n));
  } else if (view.requested && view.requested.length > 0) {
    ['hs_object_id', def.createdProperty, def.modifiedProperties[0]].forEach((n) => names.add(n));
    view.requested.filter((n) => propertyDef(def, n)).forEach((n) => names.add(n));
  } else {
    def.defaultProperties.forEach((n) => names.add(n));
  }
  const properties: Record<string, string | null> = {};
  for (const name of [...names].sort()) {
    properties[name] = record.props[name] ?? null;
  }
  const out: ApiObject = {
    id: record.id,
    properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: record.archived,
  };
  if (view.withHistory && view.withHistory.length > 0) {
    out.propertiesWithHistory = {};
    for (const name of view.withHistory.filter((n) => propertyDef(def, n))) {
      out.propertiesWithHistory[name] = (record.history[name] ?? []).map((h) => ({ ...h }));
    }
  }
  if (record.archivedAt !== undefined) {
    out.archivedAt = new Date(record.archivedAt).toISOString();
  }
  return out;
}

/** `properties=a,b&properties=c` (the SDK repeats the parameter; HubSpot also accepts commas). */
export function parseNameList(raw: unknown): string[] | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(','));
  return parts.map((s) => s.trim()).filter((s) => s.length > 0);
}

export function parseBoolean(raw: unknown, name: string): boolean {
  if (raw === undefined) {
    return false;
  }
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw validationError(`Invalid value for query parameter ${name}: ${String(value)}`);
}
