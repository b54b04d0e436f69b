import { cutPrefix, splitIntoParts, type DocumentBlock, type SplitOptions } from './transcript-split';

const options = (maxLength: number, maxParts = 10): SplitOptions => ({
  maxLength,
  maxParts,
  partHeading: (part, count) => `(part ${part} of ${count})`,
  truncationNotice: (hidden) => `… truncated: ${hidden} more`,
});
const message = (text: string): DocumentBlock => ({ text, isMessage: true });

describe('cutPrefix', () => {
  it('returns short text whole', () => {
    expect(cutPrefix('abc', 5)).toBe('abc');
  });

  it('never splits a surrogate pair', () => {
    expect(cutPrefix('ab😀cd', 3)).toBe('ab');
    expect(cutPrefix('ab😀cd', 4)).toBe('ab😀');
  });

  it('prefers a space or line break near the limit, but not far before it', () => {
    expect(cutPrefix('hello world and more', 13)).toBe('hello world ');
    expect(cutPrefix('a verylongwordwithoutspaces', 20)).toBe('a verylongwordwithou');
  });

  it('returns nothing when there is no room', () => {
    expect(cutPrefix('abc', 0)).toBe('');
    expect(cutPrefix('😀', 1)).toBe('');
  });
});

describe('splitIntoParts', () => {
  it('keeps a document that fits as one part without a heading', () => {
    expect(splitIntoParts([message('a'), message('b')], options(3))).toEqual({ parts: ['a\nb'], truncated: false });
  });

  it('breaks between blocks and heads every part', () => {
    const blocks = ['x'.repeat(30), 'y'.repeat(30), 'z'.repeat(30)].map(message);
    const result = splitIntoParts(blocks, options(50));
    expect(result).toEqual({
      parts: [
        `(part 1 of 3)\n${'x'.repeat(30)}`,
        `(part 2 of 3)\n${'y'.repeat(30)}`,
        `(part 3 of 3)\n${'z'.repeat(30)}`,
      ],
      truncated: false,
    });
  });

  it('cuts a block larger than a part across parts without losing a character', () => {
    const giant = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');
    const result = splitIntoParts([message(giant)], options(60));
    expect(result.truncated).toBe(false);
    expect(result.parts.length).toBeGreaterThan(1);
    const bodies = result.parts.map((part) => part.slice(part.indexOf('\n') + 1));
    expect(bodies.join('')).toBe(giant);
    result.parts.forEach((part) => expect(part.length).toBeLessThanOrEqual(60));
  });

  it('truncates past maxParts and counts every message not shown in full', () => {
    const blocks = [
      { text: 'HEADER', isMessage: false },
      ...Array.from({ length: 20 }, (_, i) => message(`m${i}`.padEnd(30, '.'))),
    ];
    const result = splitIntoParts(blocks, options(80, 3));
    expect(result.truncated).toBe(true);
    expect(result.parts).toHaveLength(3);
    const shown = blocks.filter((block) => block.isMessage && result.parts.some((part) => part.includes(block.text)));
    expect(result.parts[2].endsWith(`… truncated: ${20 - shown.length} more`)).toBe(true);
    result.parts.forEach((part) => expect(part.length).toBeLessThanOrEqual(80));
  });

  it('falls back to one part cut with an ellipsis when a part cannot hold a heading and text', () => {
    expect(splitIntoParts([message('a'.repeat(100))], options(10))).toEqual({
      parts: [`${'a'.repeat(9)}…`],
      truncated: true,
    });
    expect(splitIntoParts([message('abc')], options(1))).toEqual({ parts: ['…'], truncated: true });
  });
});
