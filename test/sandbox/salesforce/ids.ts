/**
 * Salesforce record ids: 3-character key prefix (the object), 12 case-sensitive base-62 characters, and a 3-character
 * case-insensitive suffix that encodes which of the first 15 characters are upper case. The REST API answers with the
 * 18-character form and accepts either form in URLs and field values.
 * https://help.salesforce.com/s/articleView?id=000385008 (15 vs 18 character ids)
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') {
        bits |= 1 << i;
      }
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

export function isIdShape(value: string): boolean {
  return /^[a-zA-Z0-9]{15}$/.test(value) || /^[a-zA-Z0-9]{18}$/.test(value);
}

/** 18-character form of a 15- or 18-character id, or undefined when the value is not an id at all. */
export function normalizeId(value: string): string | undefined {
  if (/^[a-zA-Z0-9]{15}$/.test(value)) {
    return value + checksumSuffix(value);
  }
  if (/^[a-zA-Z0-9]{18}$/.test(value)) {
    const head = value.slice(0, 15);
    // The suffix is case-insensitive, but it must match the casing of the first 15 characters.
    return value.slice(15).toUpperCase() === checksumSuffix(head) ? head + checksumSuffix(head) : undefined;
  }
  return undefined;
}

/** Mints ids for one org: prefix + pod ("5g") + a counter in base 62, as a real org's ids look. */
export class IdFactory {
  private counter = 0;

  constructor(private readonly pod = '5g') {}

  next(prefix: string): string {
    this.counter += 1;
    let n = this.counter;
    let body = '';
    while (n > 0) {
      body = BASE62.charAt(n % 62) + body;
      n = Math.floor(n / 62);
    }
    const id15 = `${prefix}${this.pod}${'0'.repeat(10 - body.length)}${body}`.slice(0, 15);
    return id15 + checksumSuffix(id15);
  }
}
