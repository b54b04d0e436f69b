/** One unit of the document: the header, or one message with its attachments. Parts break between blocks. */
export interface DocumentBlock {
  text: string;
  /** Counted in "N more messages not shown". */
  isMessage: boolean;
}

export interface SplitOptions {
  /** Largest part, in UTF-16 code units (JavaScript's `length`): never below the character count a CRM sees. */
  maxLength: number;
  maxParts: number;
  partHeading: (part: number, partCount: number) => string;
  truncationNotice: (hiddenMessages: number) => string;
}

export interface SplitResult {
  parts: string[];
  truncated: boolean;
}

const BLOCK_SEPARATOR = '\n';
/** Marks the single cut-down part used when maxLength is too small to hold a part heading and some text. */
const ELLIPSIS = '…';
/** Below this much room per part, splitting would produce unreadable slivers; one truncated part is better. */
const MIN_PART_CAPACITY = 20;
/** A block too big for any part starts in the current part only if at least this share of a part is free. */
const MIN_SHARE_FOR_CUT_START = 0.25;
/** A cut prefers the last line break or space in the final quarter of the window to a cut mid-word. */
const SOFT_CUT_WINDOW = 0.25;

/**
 * Longest prefix of `text` of at most `limit` code units that does not split a surrogate pair, preferring to end
 * after a line break or space near the limit.
 */
export function cutPrefix(text: string, limit: number): string {
  if (text.length <= limit) {
    return text;
  }
  let end = Math.max(0, limit);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) {
    end -= 1;
  }
  const softFloor = Math.floor(end * (1 - SOFT_CUT_WINDOW));
  const lastBreak = Math.max(text.lastIndexOf('\n', end - 1), text.lastIndexOf(' ', end - 1));
  if (lastBreak >= softFloor && lastBreak + 1 <= end && lastBreak > 0) {
    end = lastBreak + 1;
  }
  return text.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

interface Packing {
  parts: string[][];
  /** Index of the first block not placed in full (blocks.length when all fit). */
  firstIncompleteBlock: number;
}

/**
 * Fills parts in order. A block goes whole into the current part if it fits, else into the next part; a block
 * larger than a whole part is cut across parts. Stops when `partLimit` parts are full.
 */
function pack(blocks: readonly DocumentBlock[], capacityOf: (part: number) => number, partLimit: number): Packing {
  const parts: string[][] = [[]];
  let used = 0;
  const current = (): string[] => parts[parts.length - 1];
  const room = (): number => capacityOf(parts.length) - used - (current().length > 0 ? BLOCK_SEPARATOR.length : 0);
  const place = (piece: string): void => {
    used += piece.length + (current().length > 0 ? BLOCK_SEPARATOR.length : 0);
    current().push(piece);
  };
  const openPart = (): boolean => {
    if (parts.length >= partLimit) {
      return false;
    }
    parts.push([]);
    used = 0;
    return true;
  };

  for (let index = 0; index < blocks.length; index += 1) {
    const text = blocks[index].text;
    if (text.length <= room()) {
      place(text);
      continue;
    }
    const fitsInFreshPart = text.length <= capacityOf(parts.length + 1);
    const worthStartingHere = room() >= capacityOf(parts.length) * MIN_SHARE_FOR_CUT_START;
    if ((fitsInFreshPart || !worthStartingHere) && current().length > 0) {
      if (!openPart()) {
        return { parts, firstIncompleteBlock: index };
      }
      if (text.length <= room()) {
        place(text);
        continue;
      }
    }
    if (!placeCut(text, room, place, openPart)) {
      return { parts, firstIncompleteBlock: index };
    }
  }
  return { parts, firstIncompleteBlock: blocks.length };
}

/** Places `text` in pieces across parts; false when the part limit ran out before the end of the text. */
function placeCut(text: string, room: () => number, place: (piece: string) => void, openPart: () => boolean): boolean {
  let rest = text;
  while (rest.length > 0) {
    const piece = cutPrefix(rest, room());
    if (piece.length > 0) {
      place(piece);
      rest = rest.slice(piece.length);
    }
    if (rest.length > 0 && !openPart()) {
      return false;
    }
  }
  return true;
}

function render(packing: Packing, options: SplitOptions, notice: string | null): string[] {
  const partCount = packing.parts.length;
  return packing.parts.map((pieces, index) => {
    const lines = [options.partHeading(index + 1, partCount), ...pieces];
    if (notice !== null && index === partCount - 1) {
      lines.push(notice);
    }
    return lines.join(BLOCK_SEPARATOR);
  });
}

function singleCutPart(whole: string, maxLength: number): SplitResult {
  return { parts: [cutPrefix(whole, maxLength - ELLIPSIS.length) + ELLIPSIS], truncated: true };
}

function hiddenMessageCount(blocks: readonly DocumentBlock[], firstIncompleteBlock: number): number {
  return blocks.slice(firstIncompleteBlock).filter((block) => block.isMessage).length;
}

/**
 * Splits a document into parts of at most `maxLength`, each headed "(part k of n)", breaking between blocks.
 * A document that fits is one part without a heading. When more than `maxParts` parts would be needed, the last
 * part ends with the truncation notice. When maxLength cannot hold a heading, the notice and some text, the result
 * is one part cut short with "…".
 */
export function splitIntoParts(blocks: readonly DocumentBlock[], options: SplitOptions): SplitResult {
  const whole = blocks.map((block) => block.text).join(BLOCK_SEPARATOR);
  if (whole.length <= options.maxLength) {
    return { parts: [whole], truncated: false };
  }
  // Headings and the notice are measured at their widest (most digits), so real ones always fit the reserve.
  const headingReserve = options.partHeading(options.maxParts, options.maxParts).length + BLOCK_SEPARATOR.length;
  const capacity = options.maxLength - headingReserve;
  if (capacity < MIN_PART_CAPACITY) {
    return singleCutPart(whole, options.maxLength);
  }
  const unlimited = pack(blocks, () => capacity, Number.POSITIVE_INFINITY);
  if (unlimited.parts.length <= options.maxParts) {
    return { parts: render(unlimited, options, null), truncated: false };
  }

  const messageCount = blocks.filter((block) => block.isMessage).length;
  const noticeReserve =
    Math.max(options.truncationNotice(messageCount).length, options.truncationNotice(1).length) +
    BLOCK_SEPARATOR.length;
  const lastPartCapacity = capacity - noticeReserve;
  if (lastPartCapacity < 0) {
    return singleCutPart(whole, options.maxLength);
  }
  const limited = pack(blocks, (part) => (part >= options.maxParts ? lastPartCapacity : capacity), options.maxParts);
  if (limited.firstIncompleteBlock === blocks.length) {
    // Greedy packing is not monotonic in capacity; if everything fit after all, nothing was truncated.
    return { parts: render(limited, options, null), truncated: false };
  }
  const notice = options.truncationNotice(hiddenMessageCount(blocks, limited.firstIncompleteBlock));
  return { parts: render(limited, options, notice), truncated: true };
}
