import { englishValence, tokenizeEnglish } from './english-valence';
import { BOOSTER_MULTIPLIER, CAPS_MULTIPLIER, NEGATION_SCALAR } from './valence-rules';

describe('englishValence', () => {
  it('uses AFINN ratings with support-chat overrides', () => {
    expect(englishValence('terrible')).toBe(-3);
    expect(englishValence('I want to know, please help')).toBe(0);
    expect(englishValence('I want a refund')).toBe(-1);
  });

  it('rates AFINN phrases as a whole instead of negating their last word', () => {
    expect(englishValence('it does not work')).toBe(-3);
    expect(englishValence('I am fed up')).toBe(-3);
  });

  it('negates within three words, with apostrophe variants', () => {
    expect(englishValence('not good')).toBeLessThan(0);
    expect(englishValence('I don’t think it’s good')).toBeCloseTo(3 * NEGATION_SCALAR, 10);
    expect(englishValence('I dont think its really good')).toBeCloseTo(3 * BOOSTER_MULTIPLIER * NEGATION_SCALAR, 10);
    // Four words back is out of reach: the negator is about something else by then.
    expect(englishValence('not that I think it is good')).toBe(3);
  });

  it('amplifies shouted words but not single capital letters', () => {
    expect(englishValence('BAD')).toBeCloseTo(-3 * CAPS_MULTIPLIER, 10);
    expect(englishValence('I LOVE it')).toBeCloseTo(3 * CAPS_MULTIPLIER, 10);
  });

  it('keeps word boundaries for Japanese mixed in', () => {
    expect(tokenizeEnglish('サポートはbadです。OK')).toEqual([
      { kind: 'word', raw: 'bad', normalized: 'bad' },
      { kind: 'boundary' },
      { kind: 'word', raw: 'OK', normalized: 'ok' },
    ]);
  });
});
