import { findReferencedOrderNumbers, matchReferencedOrder, orderNumberKey } from './order-reference';

describe('findReferencedOrderNumbers', () => {
  it.each([
    ['245-12784', ['245-12784']],
    ['Where is #10023?', ['10023']],
    ['# 10023 has not arrived', ['10023']],
    ['order 10023', ['10023']],
    ['Order No. 10023', ['10023']],
    ['order number: 10023', ['10023']],
    ['orders: 10023', ['10023']],
    ['ORDER#10023', ['10023']],
    ['No.10023', ['10023']],
    ['SO-2024-0042', ['SO-2024-0042']],
    ['so-2024-0042', ['so-2024-0042']],
    ['ord-10023 please', ['ord-10023']],
    ['order SO-2024-0042', ['SO-2024-0042']],
  ])('finds %j', (message, expected) => {
    expect(findReferencedOrderNumbers(message)).toEqual(expected);
  });

  it.each([
    ['２４５－１２７８４', ['245-12784']],
    ['＃１００２３', ['10023']],
    ['ＳＯ－２０２４－００４２', ['SO-2024-0042']],
    ['245ー12784', ['245-12784']],
    ['245−12784', ['245-12784']],
    ['245‐12784', ['245-12784']],
  ])('folds full-width and look-alike dashes: %j', (message, expected) => {
    expect(findReferencedOrderNumbers(message)).toEqual(expected);
  });

  it.each([
    ['注文番号245-12784の件', ['245-12784']],
    ['注文番号は２４５－１２７８４です。', ['245-12784']],
    ['注文番号：10023', ['10023']],
    ['ご注文（ＳＯ－２０２４－００４２）について', ['SO-2024-0042']],
    ['受注番号「10023」が届きません', ['10023']],
    ['オーダー番号 10023 の配送状況を教えてください', ['10023']],
    ['先週の注文245-12784がまだ届いていません', ['245-12784']],
  ])('reads Japanese sentences: %j', (message, expected) => {
    expect(findReferencedOrderNumbers(message)).toEqual(expected);
  });

  it('finds numbers inside punctuation and English sentences', () => {
    expect(findReferencedOrderNumbers('Hi, my order (245-12784) arrived broken.')).toEqual(['245-12784']);
    expect(findReferencedOrderNumbers('"245-12784"!')).toEqual(['245-12784']);
    expect(findReferencedOrderNumbers('re: SO-2024-0042.')).toEqual(['SO-2024-0042']);
  });

  it('returns several numbers in the order they appear, each once', () => {
    expect(
      findReferencedOrderNumbers('I got SO-2024-0042 instead of order #10023; also 245-12784 and again #10023'),
    ).toEqual(['SO-2024-0042', '10023', '245-12784']);
    expect(findReferencedOrderNumbers('order 10023 and so-2024-0042 and SO－2024－0042')).toEqual([
      '10023',
      'so-2024-0042',
    ]);
  });

  it.each([
    ['call me on 090-1234-5678'],
    ['03-1234-5678'],
    ['0120-123-456'],
    ['020-7946-0018'],
    ['+1 415 555 2671'],
    ['+1-415-555-2671'],
    ['+81-90-1234-5678'],
    ['415-555-2671'],
    ['1-415-555-2671'],
    ['(415) 555-2671'],
    ['電話 555-26718'],
    ['tel: 12345-678'],
    ['〒123-4567'],
  ])('ignores phone numbers and postcodes: %j', (message) => {
    expect(findReferencedOrderNumbers(message)).toEqual([]);
  });

  it.each([
    ['delivered on 2024-05-01'],
    ['2024-5-1'],
    ['01-05-2024'],
    ['12-31-2024'],
    ['2024-05'],
    ['during 2023-2024'],
    ['order 2024-05-01'],
    ['between 10:30-11:00'],
    ['at 10:30'],
  ])('ignores dates and times: %j', (message) => {
    expect(findReferencedOrderNumbers(message)).toEqual([]);
  });

  it.each([
    ['$1,234.56'],
    ['¥42,000'],
    ['42,000円'],
    ['¥1,000-2,000'],
    ['order 1234.56'],
    ['2 items'],
    ['I ordered 300 items'],
    ['order 12'],
    ['10023'],
    ['COVID-19, UTF-8, ISO-8601'],
    ['user-12345@example.com'],
    ['https://shop.example/a-12345'],
    ['4111-1111-1111-1111'],
    ['&#10023;'],
    ['注文したのは12345です'],
    [''],
  ])('ignores prices, quantities and other numbers: %j', (message) => {
    expect(findReferencedOrderNumbers(message)).toEqual([]);
  });
});

describe('orderNumberKey', () => {
  it('ignores a leading #, case, width and dash style', () => {
    expect(orderNumberKey('#10023')).toBe('10023');
    expect(orderNumberKey(' # 10023 ')).toBe('10023');
    expect(orderNumberKey('so－2024‐0042')).toBe('SO-2024-0042');
    expect(orderNumberKey('ＳＯ−２０２４−００４２')).toBe('SO-2024-0042');
  });
});

describe('matchReferencedOrder', () => {
  const orders = [
    { id: 'o1', number: '#10023' },
    { id: 'o2', number: '245-12784' },
    { id: 'o3', number: 'SO-2024-0042' },
    { id: 'o4', number: '10024' },
  ];

  it('matches a quoted number against the stored one, with or without "#"', () => {
    expect(matchReferencedOrder('order 10023 is late', orders)?.id).toBe('o1');
    expect(matchReferencedOrder('where is #10024', orders)?.id).toBe('o4');
  });

  it('matches across width, case and dash style', () => {
    expect(matchReferencedOrder('注文番号２４５－１２７８４の件', orders)?.id).toBe('o2');
    expect(matchReferencedOrder('about so-2024-0042', orders)?.id).toBe('o3');
    expect(matchReferencedOrder('about ｓｏ‐２０２４‐００４２', orders)?.id).toBe('o3');
  });

  it('picks the first number the customer quotes that is a known order', () => {
    expect(matchReferencedOrder('order #99999 — sorry, I mean SO-2024-0042, not order 10023', orders)?.id).toBe('o3');
  });

  it('answers null when nothing quoted is a known order', () => {
    expect(matchReferencedOrder('order #99999 please', orders)).toBeNull();
    expect(matchReferencedOrder('hello, is anyone there?', orders)).toBeNull();
    expect(matchReferencedOrder('call 090-1234-5678', [{ number: '090-1234-5678' }])).toBeNull();
    expect(matchReferencedOrder('order 10023', [])).toBeNull();
  });

  it('returns the first of several orders with the same number', () => {
    const twice = [
      { id: 'a', number: '10023' },
      { id: 'b', number: '#10023' },
    ];
    expect(matchReferencedOrder('#10023', twice)?.id).toBe('a');
  });
});
