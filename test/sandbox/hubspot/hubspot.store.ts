import {
  OBJECT_TYPES,
  associationByTypeId,
  propertyDef,
  type ObjectTypeDef,
  type ObjectTypeName,
} from './hubspot.schema';

export interface HistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
}

export interface HsRecord {
  id: string;
  type: ObjectTypeName;
  /** Property values as HubSpot stores them: always strings; an absent key means "no value". */
  props: Record<string, string>;
  /** Newest first, like propertiesWithHistory. */
  history: Record<string, HistoryEntry[]>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

export interface WriteSource {
  at?: number;
  /** propertiesWithHistory sourceType: 'API' for requests, 'IMPORT' for the seed. */
  sourceType: string;
}

export interface UniqueConflict {
  property: string;
  value: string;
  existingId: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Unique values compare the way HubSpot stores them: emails are lower-cased, other strings are exact. */
function uniqueKey(def: ObjectTypeDef, property: string, value: string): string {
  return propertyDef(def, property)?.email ? value.trim().toLowerCase() : value;
}

/**
 * In-memory HubSpot account: records per object type, the unique-value indexes HubSpot enforces, property
 * history and (bidirectional) associations. Everything is synchronous, so each request is atomic.
 */
export class HubspotStore {
  private readonly records = new Map<ObjectTypeName, Map<string, HsRecord>>();
  private readonly nextId = new Map<ObjectTypeName, number>();
  private readonly uniques = new Map<string, Map<string, string>>();
  private readonly links = new Map<string, Map<string, Set<number>>>();
  private lastStamp = 0;

  constructor() {
    for (const def of Object.values(OBJECT_TYPES)) {
      this.records.set(def.name, new Map());
      this.nextId.set(def.name, def.idBase);
    }
  }

  /** Strictly increasing write time, so "modified after X" sync never loses a write made in the same millisecond. */
  now(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  get(type: ObjectTypeName, id: string): HsRecord | undefined {
    return this.records.get(type)?.get(id);
  }

  /** Live (not archived) record by a unique property value. */
  findByUnique(type: ObjectTypeName, property: string, value: string): HsRecord | undefined {
    const def = OBJECT_TYPES[type];
    const id = this.uniques.get(`${type}:${property}`)?.get(uniqueKey(def, property, value));
    return id === undefined ? undefined : this.get(type, id);
  }

  /** Records sorted by numeric id (HubSpot's list order). */
  list(type: ObjectTypeName, archived: boolean): HsRecord[] {
    return [...(this.records.get(type)?.values() ?? [])]
      .filter((r) => r.archived === archived)
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  count(type: ObjectTypeName): number {
    return this.list(type, false).length;
  }

  /** First unique value in `props` already held by another live record. */
  uniqueConflict(
    type: ObjectTypeName,
    props: Record<string, string | null>,
    excludeId?: string,
  ): UniqueConflict | undefined {
    const def = OBJECT_TYPES[type];
    for (const p of def.properties) {
      const value = props[p.name];
      if (!p.unique || value === undefined || value === null || value === '') {
        continue;
      }
      const holder = this.uniques.get(`${type}:${p.name}`)?.get(uniqueKey(def, p.name, value));
      if (holder !== undefined && holder !== excludeId) {
        return { property: p.name, value, existingId: holder };
      }
    }
    return undefined;
  }

  /** `props` must already be validated (see hubspot.properties.ts) and free of unique conflicts. */
  create(
    type: ObjectTypeName,
    props: Record<string, string | null>,
    source: WriteSource,
    createdAt?: number,
  ): HsRecord {
    const def = OBJECT_TYPES[type];
    const id = String(this.nextId.get(type));
    this.nextId.set(type, Number(id) + 1);
    const at = source.at ?? this.now();
    const record: HsRecord = {
      id,
      type,
      props: {},
      history: {},
      createdAt: createdAt ?? at,
      updatedAt: at,
      archived: false,
    };
    this.records.get(type)?.set(id, record);
    this.setSystemProps(def, record, true);
    this.apply(def, record, props, { ...source, at });
    return record;
  }

  /** Returns the names of properties whose value actually changed. */
  update(record: HsRecord, props: Record<string, string | null>, source: WriteSource): string[] {
    const def = OBJECT_TYPES[record.type];
    const at = source.at ?? this.now();
    const changed = this.apply(def, record, props, { ...source, at });
    record.updatedAt = at;
    this.setSystemProps(def, record, false);
    return changed;
  }

  archive(record: HsRecord): void {
    const def = OBJECT_TYPES[record.type];
    for (const p of def.properties) {
      const value = record.props[p.name];
      if (p.unique && value !== undefined) {
        this.uniques.get(`${record.type}:${p.name}`)?.delete(uniqueKey(def, p.name, value));
      }
    }
    record.archived = true;
    record.archivedAt = this.now();
  }

  private setSystemProps(def: ObjectTypeDef, record: HsRecord, creating: boolean): void {
    if (creating) {
      record.props.hs_object_id = record.id;
      record.props[def.createdProperty] = iso(record.createdAt);
    }
    for (const name of def.modifiedProperties) {
      record.props[name] = iso(record.updatedAt);
    }
  }

  private apply(
    def: ObjectTypeDef,
    record: HsRecord,
    props: Record<string, string | null>,
    source: WriteSource,
  ): string[] {
    const changed: string[] = [];
    const stamp = iso(source.at ?? this.now());
    for (const [name, raw] of Object.entries(props)) {
      const previous = record.props[name];
      const next = raw === null || raw === '' ? undefined : raw;
      if (previous === next) {
        continue;
      }
      const p = propertyDef(def, name);
      if (p?.unique) {
        const index = this.uniques.get(`${def.name}:${name}`) ?? new Map<string, string>();
        this.uniques.set(`${def.name}:${name}`, index);
        if (previous !== undefined) {
          index.delete(uniqueKey(def, name, previous));
        }
        if (next !== undefined) {
          index.set(uniqueKey(def, name, next), record.id);
        }
      }
      if (next === undefined) {
        delete record.props[name];
      } else {
        record.props[name] = next;
      }
      (record.history[name] ??= []).unshift({ value: next ?? '', timestamp: stamp, sourceType: source.sourceType });
      changed.push(name);
    }
    if (def.name === 'line_items') {
      const quantity = Number(record.props.quantity);
      const price = Number(record.props.price);
      if (record.props.quantity !== undefined && record.props.price !== undefined) {
        record.props.amount = String(Math.round(quantity * price * 100) / 100);
      } else {
        delete record.props.amount;
      }
    }
    return changed;
  }

  /** Associates both directions (HubSpot stores the pair: 507 one way implies 508 the other). */
  associate(from: HsRecord, to: HsRecord, typeId: number): void {
    const spec = associationByTypeId(from.type, typeId);
    if (!spec) {
      throw new Error(`unknown association type ${typeId} from ${from.type}`);
    }
    this.link(from, to, typeId);
    this.link(to, from, spec.reverseTypeId);
  }

  /** Removes every association between the two records (v4 DELETE semantics). */
  dissociate(from: HsRecord, to: HsRecord): boolean {
    const a = this.links.get(`${from.type}:${from.id}`)?.delete(`${to.type}:${to.id}`) ?? false;
    const b = this.links.get(`${to.type}:${to.id}`)?.delete(`${from.type}:${from.id}`) ?? false;
    return a || b;
  }

  /** Associated live records of one type, ascending id. */
  associationsOf(from: HsRecord, toType: ObjectTypeName): Array<{ record: HsRecord; typeIds: number[] }> {
    const out: Array<{ record: HsRecord; typeIds: number[] }> = [];
    for (const [key, typeIds] of this.links.get(`${from.type}:${from.id}`) ?? []) {
      const [type, id] = key.split(':') as [ObjectTypeName, string];
      const record = type === toType ? this.get(type, id) : undefined;
      if (record && !record.archived) {
        out.push({ record, typeIds: [...typeIds].sort((a, b) => a - b) });
      }
    }
    return out.sort((a, b) => Number(a.record.id) - Number(b.record.id));
  }

  private link(from: HsRecord, to: HsRecord, typeId: number): void {
    const key = `${from.type}:${from.id}`;
    const targets = this.links.get(key) ?? new Map<string, Set<number>>();
    this.links.set(key, targets);
    const types = targets.get(`${to.type}:${to.id}`) ?? new Set<number>();
    targets.set(`${to.type}:${to.id}`, types);
    types.add(typeId);
  }
}
