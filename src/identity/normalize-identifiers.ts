import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js';
import type { FieldProblem } from '../common/errors/domain-error';
import type { NormalizedIdentifiers } from './identity.types';

export interface RawIdentifiers {
  externalId?: unknown;
  email?: unknown;
  phone?: unknown;
  name?: unknown;
  cookieId?: unknown;
}

export type NormalizeResult =
  { ok: true; identifiers: NormalizedIdentifiers } | { ok: false; problems: FieldProblem[] };

type FieldResult = { value?: string; problem?: string };

// A name or a browser cookie says nothing about which CRM person this is.
const PERSON_IDENTIFIERS: ReadonlyArray<keyof NormalizedIdentifiers> = ['externalId', 'email', 'phone'];

const MAX_ID_LENGTH = 255;
const MAX_NAME_LENGTH = 255;
// RFC 5321 path limit (256 incl. angle brackets) — the practical ceiling every mail system agrees on.
const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LABEL_LENGTH = 63;
// Far above any real number with an extension; stops pathological strings before the parser sees them.
const MAX_PHONE_INPUT_LENGTH = 64;

// Control characters and lone surrogates: invisible in an agent's UI, and lone surrogates cannot even be encoded
// as UTF-8 for a CRM request.
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cs}\u2028\u2029]/u;
const LOCAL_PART = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;
// Japanese input methods type the ideographic full stop where a dot is meant; IDNA (UTS #46) maps it to "." too.
const IDEOGRAPHIC_FULL_STOP = /\u3002/g;
const TEL_URI_SCHEME = /^tel:/i;
// libphonenumber knows "ext.", "x", "#" and ";ext=", not the Japanese word for an extension.
const JAPANESE_EXTENSION_WORD = /\s*内線\s*/u;

/**
 * Validates and normalises what a chat system says about its visitor. Every field is checked, so one response can
 * list every problem. Absent, null and blank values mean "not given": widgets routinely send "" for what they do
 * not know, and refusing that would turn a usable external id into a 400.
 */
export function normalizeIdentifiers(input: RawIdentifiers, defaultRegion: string): NormalizeResult {
  const fields: Array<[keyof NormalizedIdentifiers, FieldResult]> = [
    ['externalId', normalizeOpaqueId(input.externalId)],
    ['email', normalizeEmail(input.email)],
    ['phone', normalizePhone(input.phone, defaultRegion)],
    ['name', normalizeName(input.name)],
    ['cookieId', normalizeOpaqueId(input.cookieId)],
  ];

  const identifiers: NormalizedIdentifiers = {};
  const problems: FieldProblem[] = [];
  for (const [field, result] of fields) {
    if (result.problem !== undefined) {
      problems.push({ field: `visitor.${field}`, message: result.problem });
    } else if (result.value !== undefined) {
      identifiers[field] = result.value;
    }
  }

  // Only when none was given at all: for an invalid email the email problem already says what to fix.
  const identifierGiven = fields.some(
    ([field, result]) => PERSON_IDENTIFIERS.includes(field) && (result.value ?? result.problem) !== undefined,
  );
  if (!identifierGiven) {
    problems.push({
      field: 'visitor',
      message: 'at least one of visitor.externalId, visitor.email, visitor.phone is required',
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, identifiers };
}

/**
 * A stable key for one resolved identity (cache entries, locks). The strongest identifier wins, in the same order
 * the resolver trusts them: an external id is the chat system's own account id, an email can be shared by a
 * household, a phone number gets recycled.
 */
export function identityKey(identifiers: Pick<NormalizedIdentifiers, 'externalId' | 'email' | 'phone'>): string {
  if (identifiers.externalId !== undefined) {
    return `ext:${identifiers.externalId}`;
  }
  if (identifiers.email !== undefined) {
    return `email:${identifiers.email}`;
  }
  if (identifiers.phone !== undefined) {
    return `phone:${identifiers.phone}`;
  }
  throw new Error('identityKey needs an externalId, email or phone (normalizeIdentifiers guarantees one)');
}

/** null / undefined / blank → absent; anything but a string → a problem; otherwise the trimmed string. */
function presentString(value: unknown): FieldResult & { text?: string } {
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'string') {
    return { problem: 'must be a string' };
  }
  const text = value.trim();
  return text === '' ? {} : { text };
}

function codePointLength(text: string): number {
  return [...text].length;
}

/**
 * External and cookie ids are opaque: they must reach the CRM exactly as the chat system stores them, so they are
 * only trimmed, never case-folded or Unicode-normalised. Integer ids are accepted because many chat systems number
 * their users; their decimal form is what the CRM field holds.
 */
function normalizeOpaqueId(value: unknown): FieldResult {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0
      ? { value: String(value) }
      : { problem: 'must be a string or a non-negative integer' };
  }
  const { text, problem } = presentString(value);
  if (problem !== undefined || text === undefined) {
    return { problem };
  }
  if (UNSAFE_CHARACTERS.test(text)) {
    return { problem: 'must not contain control characters' };
  }
  if (codePointLength(text) > MAX_ID_LENGTH) {
    return { problem: `must be at most ${MAX_ID_LENGTH} characters` };
  }
  return { value: text };
}

/** Display only, so it is made readable: full-width forms folded (NFKC) and runs of whitespace collapsed. */
function normalizeName(value: unknown): FieldResult {
  const { text, problem } = presentString(value);
  if (problem !== undefined || text === undefined) {
    return { problem };
  }
  const name = text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  if (UNSAFE_CHARACTERS.test(name)) {
    return { problem: 'must not contain control characters' };
  }
  if (codePointLength(name) > MAX_NAME_LENGTH) {
    return { problem: `must be at most ${MAX_NAME_LENGTH} characters` };
  }
  return { value: name };
}

/**
 * A deliberately plain dot-atom check, not full RFC 5322: quoted local parts, comments and IP-literal domains are
 * legal but are practically never real customer addresses, and accepting them would let spaces and extra "@"s
 * through. Unicode letters are allowed on both sides (internationalised domains, RFC 6531 mailboxes). NFKC folds
 * the full-width letters Japanese keyboards produce ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").
 */
function normalizeEmail(value: unknown): FieldResult {
  const { text, problem } = presentString(value);
  if (problem !== undefined || text === undefined) {
    return { problem };
  }
  const email = withAsciiDomainDots(text.normalize('NFKC').toLowerCase());
  const why = emailProblem(email);
  return why === null ? { value: email } : { problem: why };
}

function withAsciiDomainDots(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at + 1) + email.slice(at + 1).replace(IDEOGRAPHIC_FULL_STOP, '.');
}

function emailProblem(email: string): string | null {
  if (codePointLength(email) > MAX_EMAIL_LENGTH) {
    return `must be at most ${MAX_EMAIL_LENGTH} characters`;
  }
  if (/\s/u.test(email) || UNSAFE_CHARACTERS.test(email)) {
    return 'must not contain spaces or control characters';
  }
  const parts = email.split('@');
  if (parts.length !== 2) {
    return 'must contain exactly one "@"';
  }
  const [local = '', domain = ''] = parts;
  if (codePointLength(local) > MAX_EMAIL_LOCAL_LENGTH || !LOCAL_PART.test(local)) {
    return 'is not a valid email address (the part before "@")';
  }
  return domainProblem(domain);
}

function domainProblem(domain: string): string | null {
  const labels = domain.split('.');
  if (labels.length < 2) {
    return 'must have a domain with a dot, like example.com';
  }
  const validLabels = labels.every(
    (label) => codePointLength(label) <= MAX_DOMAIN_LABEL_LENGTH && DOMAIN_LABEL.test(label),
  );
  // An all-digit top-level label means an IP address, not a mail domain.
  const topLevel = labels[labels.length - 1] ?? '';
  if (!validLabels || /^\d+$/.test(topLevel)) {
    return 'is not a valid email address (the domain)';
  }
  return null;
}

/**
 * Local forms are read in the workspace's region; international ones ("+44 …", or the region's own international
 * prefix: "010 44 …" in JP, "011 44 …" in the US) anywhere. Parsing is strict (`extract: false`): the whole value must be a phone number, so
 * "090-1234-5678; DROP TABLE" is refused instead of quietly trimmed. Extensions are dropped because CRMs match
 * people on the line, not on the desk.
 *
 * The default (min) metadata bundle is used, like the connectors' mappers, so a number normalised here is the
 * number they render and compare. It is at least as accepting as the max bundle (it never refuses a number the
 * max bundle accepts; it does let some unassigned ranges through) — for identifying a person, refusing a real
 * customer's number is the worse failure.
 */
function normalizePhone(value: unknown, defaultRegion: string): FieldResult {
  if (typeof value === 'number') {
    // A JSON number has already lost the leading "0" or "+" that decides what the digits mean.
    return { problem: 'must be a string (a number loses its leading "+" or "0")' };
  }
  const { text, problem } = presentString(value);
  if (problem !== undefined || text === undefined) {
    return { problem };
  }
  if (text.length > MAX_PHONE_INPUT_LENGTH) {
    return { problem: 'is too long to be a phone number' };
  }
  const candidate = text.normalize('NFKC').replace(TEL_URI_SCHEME, '').replace(JAPANESE_EXTENSION_WORD, ' ext. ');
  const region = isSupportedCountry(defaultRegion) ? defaultRegion : undefined;
  const parsed = parsePhoneNumberFromString(candidate, { defaultCountry: region, extract: false });
  if (parsed?.isValid()) {
    return { value: parsed.number };
  }
  return { problem: phoneProblem(candidate, region, defaultRegion, parsed) };
}

function phoneProblem(
  candidate: string,
  region: CountryCode | undefined,
  defaultRegion: string,
  parsed: PhoneNumber | undefined,
): string {
  const lengthProblem = validatePhoneNumberLength(candidate, region);
  switch (lengthProblem) {
    case 'NOT_A_NUMBER':
      return 'is not a phone number (only digits, spaces, "+", "-", "." and parentheses are expected)';
    case 'INVALID_COUNTRY':
      return candidate.startsWith('+')
        ? 'has an unknown country calling code'
        : `has no country code and the workspace region "${defaultRegion}" cannot supply one; use the +<country code> form`;
    case 'TOO_SHORT':
      return `is too short for ${describeRegion(parsed, region)}`;
    case 'TOO_LONG':
      return `is too long for ${describeRegion(parsed, region)}`;
    case 'INVALID_LENGTH':
      return `does not have a valid length for ${describeRegion(parsed, region)}`;
    case undefined:
      return `is not a valid number for ${describeRegion(parsed, region)}`;
  }
}

function describeRegion(parsed: PhoneNumber | undefined, region: CountryCode | undefined): string {
  if (parsed?.country) {
    return parsed.country;
  }
  if (parsed) {
    return `country code +${parsed.countryCallingCode}`;
  }
  return region ?? 'its country';
}
