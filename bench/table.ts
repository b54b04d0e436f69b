export interface BenchRow {
  id: string;
  measure: string;
  value: string;
  goal: string;
  verdict: 'met' | 'missed' | 'info' | 'skipped';
  note?: string;
}

export function printTable(rows: BenchRow[]): void {
  const headers = ['id', 'measure', 'value', 'goal', 'verdict', 'note'] as const;
  const cells = rows.map((row) => headers.map((header) => row[header] ?? ''));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((cell) => cell[i].length)));
  const line = (values: readonly string[]) => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`\n${line(headers)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const row of cells) {
    process.stdout.write(`${line(row)}\n`);
  }
  process.stdout.write('\n');
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
