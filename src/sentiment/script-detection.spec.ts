import { detectLanguage } from './script-detection';

describe('detectLanguage', () => {
  it.each([
    ['Where is my order?', 'en'],
    ['注文はどこですか', 'ja'],
    ['最悪', 'ja'],
    ['カスタマーサポート', 'ja'],
    ['iPhone 15 Pro Maxの注文がまだ届きません', 'ja'],
    ['I ordered the 抹茶 set and it never arrived', 'en'],
    ['245-12784', 'unknown'],
    ['😡', 'unknown'],
    ['', 'unknown'],
    ['Где мой заказ?', 'unknown'],
    ['주문이 어디 있나요?', 'unknown'],
  ] as const)('%s → %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });
});
