/**
 * `npm run bench`: measurements side by side in one run, printed as a table. Loopback only; every load phase is
 * bounded in time. PostgreSQL rows use BENCH_DATABASE_URL (or TEST_DATABASE_URL, or the local server) and are
 * reported as skipped when it is unreachable.
 */
import { enrichmentBench } from './enrichment.bench';
import { httpBench } from './http.bench';
import { queueBench } from './queue.bench';
import { printTable, type BenchRow } from './table';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const postgresUrl =
    process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const rows: BenchRow[] = [];
  process.stdout.write(`bench: node ${process.version}, ${quick ? 'quick' : 'full'} run\n`);
  rows.push(...(await queueBench(postgresUrl, quick ? 2_000 : 10_000)));
  rows.push(...(await httpBench(quick ? 3 : 10)));
  rows.push(...(await enrichmentBench({ people: quick ? 60 : 250, seconds: quick ? 3 : 10 })));
  printTable(rows);
  if (rows.some((row) => row.verdict === 'missed')) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
