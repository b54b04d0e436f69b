import { japaneseValence } from './japanese-valence';
import { NEGATION_SCALAR } from './valence-rules';

describe('japaneseValence', () => {
  it('rates words by longest match and ignores what it does not know', () => {
    expect(japaneseValence('最悪')).toBe(-4);
    expect(japaneseValence('注文番号を教えてください')).toBe(0);
    // 「不満足」 is one word, not 「不満」 plus 「足」.
    expect(japaneseValence('不満足')).toBe(-3);
  });

  it('does not rate false friends that contain a rated word', () => {
    expect(japaneseValence('最低でも3日')).toBe(0);
    expect(japaneseValence('いいえ、違います')).toBe(0);
    expect(japaneseValence('いい加減にしてください')).toBeLessThan(0);
  });

  it.each([
    ['良くない', '良く'],
    ['良くなかった', '良く'],
    ['満足していない', '満足'],
    ['満足できません', '満足'],
    ['問題はありません', '問題'],
    ['好きじゃない', '好き'],
    ['解決しません', '解決'],
    ['困っていません', '困っ'],
  ])('negates %s (%s followed by a negation)', (negated, word) => {
    expect(japaneseValence(negated)).toBeCloseTo(japaneseValence(word) * NEGATION_SCALAR, 10);
  });

  it('counts a negated word once: 「満足できない」 is not also 「できない」', () => {
    expect(japaneseValence('満足できない')).toBeCloseTo(japaneseValence('満足') * NEGATION_SCALAR, 10);
  });

  it('does not negate across unrelated words: 「二度と使いません」 stays negative', () => {
    expect(japaneseValence('二度と使いません')).toBeLessThan(0);
  });
});
