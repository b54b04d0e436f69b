import { randomUUID } from 'node:crypto';

/** Ids are made by the service (not the database), so a row's id is known before it is written, on every store. */
export function newId(): string {
  return randomUUID();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Path ids that are not UUIDs cannot exist; answering 404 early keeps PostgreSQL from a uuid cast error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
