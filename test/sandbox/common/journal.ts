import { createHash } from 'node:crypto';
import type { JournalEntry } from './sandbox.types';

/** JSON with sorted keys, so the same fields hash the same whatever order a client sent them in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class WriteJournal {
  private readonly list: JournalEntry[] = [];
  private seq = 0;

  record(e: {
    object: string;
    operation: JournalEntry['operation'];
    recordId: string;
    externalKey?: string;
    payload: unknown;
  }): JournalEntry {
    const entry: JournalEntry = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      object: e.object,
      operation: e.operation,
      recordId: e.recordId,
      ...(e.externalKey === undefined ? {} : { externalKey: e.externalKey }),
      payloadHash: createHash('sha256').update(canonicalJson(e.payload)).digest('hex'),
    };
    this.list.push(entry);
    return entry;
  }

  entries(filter: Partial<Pick<JournalEntry, 'object' | 'externalKey' | 'operation'>> = {}): JournalEntry[] {
    return this.list.filter(
      (entry) =>
        (filter.object === undefined || entry.object === filter.object) &&
        (filter.externalKey === undefined || entry.externalKey === filter.externalKey) &&
        (filter.operation === undefined || entry.operation === filter.operation),
    );
  }

  clear(): void {
    this.list.length = 0;
  }
}
