/**
 * `npm run bench`: measurements side by side in one run, printed as a table. Loopback only; every load phase is
 * bounded in time. PostgreSQL rows use BENCH_DATABASE_URL (or TEST_DATABASE_URL, or the local server) and are
 * reported as skipped when it is unreachable.
 *
 * `--quick` shortens every phase; `--only=P4,Q` runs the sections that print a row whose id starts with one of them.
 */
import { enrichmentBench } from './enrichment.bench';
import { httpBench } from './http.bench';
import { batchingBench } from './p3-batching.bench';
import { rateBudgetBench } from './p4-rate-budget.bench';
import { ingestBench } from './p5-ingest.bench';
import { queueBench } from './queue.bench';
import { crashRows, faultRows } from './reliability/reliability.bench';
import { printTable, type BenchRow } from './table';

/** One measurement: the row ids it prints (for --only) and how to run it. Add a section to add rows. */
interface Section {
  ids: string[];
  run(quick: boolean, postgresUrl: string): Promise<BenchRow[]>;
}

const SECTIONS: Section[] = [
  { ids: ['Q1', 'Q2'], run: (quick, postgresUrl) => queueBench(postgresUrl, quick ? 2_000 : 10_000) },
  { ids: ['S1', 'B0'], run: (quick) => httpBench(quick ? 3 : 10) },
  {
    ids: ['P1', 'P1c', 'P1b', 'P2'],
    run: (quick) => enrichmentBench({ people: quick ? 60 : 250, seconds: quick ? 3 : 10 }),
  },
  {
    ids: ['P3'],
    run: (quick) => batchingBench({ sessions: quick ? 1_000 : 10_000, visitors: quick ? 50 : 200 }),
  },
  { ids: ['P4', 'P4b'], run: (quick) => rateBudgetBench({ seconds: quick ? 3 : 10 }) },
  { ids: ['P5', 'P5b'], run: (quick, postgresUrl) => ingestBench({ seconds: quick ? 3 : 10, postgresUrl }) },
  // Reliability (bench/reliability, also `npm run reliability`): R1 worker kills, then one row per CRM fault kind.
  {
    ids: ['R1'],
    run: async (quick, postgresUrl) => [
      ...(await crashRows({ quick, store: 'sqlite' })),
      ...(await crashRows({ quick, store: 'postgres', postgresUrl })),
    ],
  },
  { ids: ['F0', 'F3', 'F5xx', 'F5', 'F8', 'F9', 'F10'], run: (quick) => faultRows({ quick }) },
];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter((id) => id !== '');
  const postgresUrl =
    process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const rows: BenchRow[] = [];
  process.stdout.write(
    `bench: node ${process.version}, ${quick ? 'quick' : 'full'} run${only ? `, only ${only.join(',')}` : ''}\n`,
  );
  for (const section of SECTIONS) {
    // Either way round: `--only=P4` picks P4 and P4b, `--only=P3-hubspot` picks the section that prints `P3-…` rows.
    if (!only || section.ids.some((id) => only.some((wanted) => id.startsWith(wanted) || wanted.startsWith(id)))) {
      rows.push(...(await section.run(quick, postgresUrl)));
    }
  }
  printTable(rows);
  if (rows.some((row) => row.verdict === 'missed')) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
