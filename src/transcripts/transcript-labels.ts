export type TranscriptLocale = 'en' | 'ja';

/** Every word a transcript shows, per locale, so the formatter holds no language of its own. */
export interface TranscriptLabels {
  title: string;
  session: string;
  channel: string;
  started: string;
  ended: string;
  stillOpen: string;
  tags: string;
  tagSeparator: string;
  csat: string;
  quote: (comment: string) => string;
  sentiment: string;
  sentimentLabel: (label: string) => string;
  visitor: string;
  agent: string;
  bot: string;
  system: string;
  internalNote: string;
  noMessages: string;
  partHeading: (part: number, partCount: number) => string;
  /** `hiddenMessages` counts messages not shown in full (one that was cut short counts). */
  truncationNotice: (hiddenMessages: number) => string;
}

const ENGLISH_SENTIMENT: Readonly<Record<string, string>> = {
  positive: 'positive',
  neutral: 'neutral',
  negative: 'negative',
};

const JAPANESE_SENTIMENT: Readonly<Record<string, string>> = {
  positive: 'ポジティブ',
  neutral: 'ニュートラル',
  negative: 'ネガティブ',
};

const ENGLISH: TranscriptLabels = {
  title: 'Chat transcript',
  session: 'Session',
  channel: 'Channel',
  started: 'Started',
  ended: 'Ended',
  stillOpen: '(still open)',
  tags: 'Tags',
  tagSeparator: ', ',
  csat: 'CSAT',
  quote: (comment) => `"${comment}"`,
  sentiment: 'Sentiment',
  sentimentLabel: (label) => ENGLISH_SENTIMENT[label] ?? label,
  visitor: 'Visitor',
  agent: 'Agent',
  bot: 'Bot',
  system: 'System',
  internalNote: '(internal note)',
  noMessages: '(no messages)',
  partHeading: (part, partCount) => `(part ${part} of ${partCount})`,
  truncationNotice: (hidden) =>
    hidden > 0
      ? `… transcript truncated: ${hidden} more ${hidden === 1 ? 'message' : 'messages'} not shown`
      : '… transcript truncated',
};

const JAPANESE: TranscriptLabels = {
  title: 'チャット履歴',
  session: 'セッション',
  channel: 'チャネル',
  started: '開始',
  ended: '終了',
  stillOpen: '(対応中)',
  tags: 'タグ',
  tagSeparator: '、',
  csat: '顧客満足度',
  quote: (comment) => `「${comment}」`,
  sentiment: '感情',
  sentimentLabel: (label) => JAPANESE_SENTIMENT[label] ?? label,
  visitor: 'お客様',
  agent: '担当者',
  bot: 'ボット',
  system: 'システム',
  internalNote: '(社内メモ)',
  noMessages: '(メッセージなし)',
  partHeading: (part, partCount) => `(パート ${part}/${partCount})`,
  truncationNotice: (hidden) =>
    hidden > 0
      ? `… 履歴が長すぎるため省略しました: 残り ${hidden} 件のメッセージは表示されていません`
      : '… 履歴が長すぎるため省略しました',
};

export function transcriptLabels(locale: TranscriptLocale): TranscriptLabels {
  switch (locale) {
    case 'en':
      return ENGLISH;
    case 'ja':
      return JAPANESE;
  }
}
