/**
 * Finding the order a customer is asking about in what they typed.
 *
 * The heuristic, in order of trust:
 *
 * 1. **Cued numbers** — a number right after an order keyword ("order 10023", "order no. 10023", "order #10023",
 *    "注文番号245-12784", "ご注文は10023", "No.10023") or a hash ("#10023"). At least 3 digits. The customer said
 *    it is an order, so any shape is believed except a calendar date ("the order of 2024-05-01").
 * 2. **Letter-prefixed codes** — 1–4 letters, a hyphen, digit groups, at least 5 digits in all ("SO-2024-0042",
 *    "ord-10023"). The digit minimum keeps out "COVID-19", "UTF-8", "ISO-8601".
 * 3. **Hyphenated digit groups** — two or more groups, at least 5 digits ("245-12784"), unless the shape says it
 *    is something else: a date (2024-05-01, 2024-05, 05-01-2024, 2023-2024), a phone number (a national number
 *    starting with 0 such as 090-1234-5678 or 0120-123-456; the North American 415-555-2671 / 1-415-555-2671), a
 *    card number (4-4-4-4, 4-6-5), or a number right after a phone or postal cue ("tel", "電話", "〒", "(415) ").
 *
 * Plain digits without a cue are never taken: "10023" alone is as likely a quantity, a price or a postcode. Digits
 * glued to other digits, decimal/thousand separators, "+", "/", ":", "@" or letters are not numbers on their own,
 * which is what keeps prices ($1,234.56, ¥42,000), times (10:30-11:00), international phone numbers
 * (+1-415-555-2671), URLs and email addresses out.
 *
 * Full-width input (２４５－１２７８４, ＳＯ－２０２４) is folded with NFKC first, and the dash look-alikes Japanese
 * text uses between digits (‐ − ー －) count as "-". A number mentioned twice is reported once.
 */

interface Candidate {
  start: number;
  end: number;
  text: string;
  cued: boolean;
}

// Dash look-alikes that survive NFKC: hyphen, non-breaking hyphen, figure dash, en/em dashes, minus sign, and the
// katakana prolonged sound mark, which Japanese IMEs produce for "-" after digits.
const DASH_LOOKALIKES = /(?<=[A-Za-z0-9])[\u2010-\u2015\u2212\u30FC\uFE58\uFE63\uFF0D](?=[A-Za-z0-9])/g;

// Anything of these right before or after a digit run makes it part of something larger (a decimal, a phone
// number with country code, a path, a time, an address).
const NOT_AFTER = String.raw`(?<![A-Za-z0-9_\-./@+#&:,])`;
const NOT_BEFORE = String.raw`(?![A-Za-z0-9_@]|[-.,:/]\d)`;

const ORDER_KEYWORD = String.raw`(?:(?<![A-Za-z])orders?(?:\s*(?:number|num|no|id|ref))?|(?<![A-Za-z])no\.|ご?注文(?:番号|No\.?)?|受注番号|オーダー(?:番号)?)`;
const KEYWORD_SEPARATOR = String.raw`[\s.:#(\[「『]*(?:は|が)?[\s:#(\[「『]*`;
const ORDER_NUMBER_BODY = String.raw`(?:[A-Za-z]{1,4}-)?\d{3,}(?:-[A-Za-z0-9]+)*`;

const CUED_BY_KEYWORD = new RegExp(`${ORDER_KEYWORD}${KEYWORD_SEPARATOR}(${ORDER_NUMBER_BODY})${NOT_BEFORE}`, 'giu');
const CUED_BY_HASH = new RegExp(String.raw`(?<![A-Za-z0-9&])#\s?(\d{3,}(?:-\d+)*)${NOT_BEFORE}`, 'gu');
const LETTER_PREFIXED = new RegExp(String.raw`${NOT_AFTER}([A-Za-z]{1,4}-\d+(?:-\d+)*)${NOT_BEFORE}`, 'gu');
const DIGIT_GROUPS = new RegExp(String.raw`${NOT_AFTER}(\d{2,}(?:-\d+)+)${NOT_BEFORE}`, 'gu');

const MIN_UNCUED_DIGITS = 5;
const PHONE_OR_POSTAL_CUE =
  /(?:tel|phone|fax|mobile|cell|call|電話|携帯|〒|zip|postal|postcode|郵便)[^0-9]{0,6}$|\)\s?$/iu;
const CUE_WINDOW = 16;

/** Order numbers the customer seems to quote, in the order they first appear (see the heuristic above). */
export function findReferencedOrderNumbers(message: string): string[] {
  const text = normalizeText(message);
  const candidates = [...cuedCandidates(text), ...uncuedCandidates(text)];
  return uniqueByKey(nonOverlapping(candidates).map((candidate) => candidate.text));
}

/**
 * The order the customer is asking about: the first number they quote that is one of `orders` (their first
 * mention is the subject of the chat more often than a later "…not 10024"). Numbers are compared by
 * orderNumberKey, so "#10023", "10023" and "１００２３" are one order, as are "SO-2024-0042" and "so－2024－0042".
 */
export function matchReferencedOrder<T extends { number: string }>(message: string, orders: T[]): T | null {
  const byKey = new Map<string, T>();
  for (const order of orders) {
    const key = orderNumberKey(order.number);
    if (key !== '' && !byKey.has(key)) {
      byKey.set(key, order);
    }
  }
  for (const referenced of findReferencedOrderNumbers(message)) {
    const order = byKey.get(orderNumberKey(referenced));
    if (order) {
      return order;
    }
  }
  return null;
}

/** The comparable form of an order number: NFKC, one kind of dash, no leading "#", upper case. */
export function orderNumberKey(orderNumber: string): string {
  return normalizeText(orderNumber).trim().replace(/^#\s*/, '').toUpperCase();
}

function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(DASH_LOOKALIKES, '-');
}

function cuedCandidates(text: string): Candidate[] {
  return [...matchesOf(CUED_BY_KEYWORD, text, true), ...matchesOf(CUED_BY_HASH, text, true)].filter(
    (candidate) => !isDateShaped(digitGroupsOf(candidate.text)),
  );
}

function uncuedCandidates(text: string): Candidate[] {
  const letterPrefixed = matchesOf(LETTER_PREFIXED, text, false).filter(
    (candidate) => digitCount(candidate.text) >= MIN_UNCUED_DIGITS,
  );
  const digitGroups = matchesOf(DIGIT_GROUPS, text, false).filter(
    (candidate) => isPlausibleBareOrderNumber(candidate.text) && !followsPhoneOrPostalCue(text, candidate.start),
  );
  return [...letterPrefixed, ...digitGroups];
}

/** Each match's first capture group, positioned where the number itself starts (after any keyword). */
function matchesOf(pattern: RegExp, text: string, cued: boolean): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(pattern)) {
    const number = match[1];
    if (number !== undefined) {
      const end = match.index + match[0].length;
      found.push({ start: end - number.length, end, text: number, cued });
    }
  }
  return found;
}

/** Reading order; where two readings overlap, the cued one (then the longer one) wins. */
function nonOverlapping(candidates: Candidate[]): Candidate[] {
  const ordered = [...candidates].sort((a, b) => a.start - b.start || Number(b.cued) - Number(a.cued) || b.end - a.end);
  const kept: Candidate[] = [];
  for (const candidate of ordered) {
    const previous = kept[kept.length - 1];
    if (!previous || candidate.start >= previous.end) {
      kept.push(candidate);
    }
  }
  return kept;
}

function uniqueByKey(numbers: string[]): string[] {
  const seen = new Set<string>();
  return numbers.filter((number) => {
    const key = orderNumberKey(number);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function isPlausibleBareOrderNumber(candidate: string): boolean {
  const groups = digitGroupsOf(candidate);
  return (
    digitCount(candidate) >= MIN_UNCUED_DIGITS &&
    !isDateShaped(groups) &&
    !isPhoneShaped(groups) &&
    !isCardShaped(groups)
  );
}

function followsPhoneOrPostalCue(text: string, start: number): boolean {
  return PHONE_OR_POSTAL_CUE.test(text.slice(Math.max(0, start - CUE_WINDOW), start));
}

function digitGroupsOf(candidate: string): string[] {
  return candidate.split('-').filter((group) => /^\d+$/.test(group));
}

function digitCount(candidate: string): number {
  return candidate.replace(/\D/g, '').length;
}

function isDateShaped(groups: string[]): boolean {
  const [first = '', second = '', third] = groups;
  if (groups.length === 2) {
    return (isYear(first) && (isMonth(second) || isYear(second))) || (isMonth(first) && isYear(second));
  }
  if (groups.length === 3 && third !== undefined) {
    const yearFirst = isYear(first) && isMonth(second) && isDay(third);
    const yearLast = isYear(third) && isDay(first) && isDay(second) && (isMonth(first) || isMonth(second));
    return yearFirst || yearLast;
  }
  return false;
}

function isPhoneShaped(groups: string[]): boolean {
  const lengths = groups.map((group) => group.length).join('-');
  const digits = groups.join('').length;
  const nationalWithTrunkZero = groups.length >= 2 && groups[0]?.startsWith('0') === true && digits >= 9;
  return nationalWithTrunkZero || lengths === '3-3-4' || lengths === '1-3-3-4';
}

function isCardShaped(groups: string[]): boolean {
  const lengths = groups.map((group) => group.length).join('-');
  return lengths === '4-4-4-4' || lengths === '4-6-5';
}

function isYear(group: string): boolean {
  return /^(?:19|20)\d\d$/.test(group);
}

function isMonth(group: string): boolean {
  return inRange(group, 1, 12);
}

function isDay(group: string): boolean {
  return inRange(group, 1, 31);
}

function inRange(group: string, min: number, max: number): boolean {
  if (group.length > 2) {
    return false;
  }
  const value = Number(group);
  return value >= min && value <= max;
}
