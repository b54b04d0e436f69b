/**
 * `npm run reliability`: the reliability rows alone (the bench prints them too). `--quick` runs the Jest sizes;
 * `--only=R1,F3` picks rows by id prefix; `--sqlite-only` leaves out the PostgreSQL crash run; `--cold` kills the
 * worker from the first job on (before the connectors' first token refresh). PostgreSQL comes from
 * BENCH_DATABASE_URL, TEST_DATABASE_URL or the local server, and its row says skipped when it is unreachable.
 */
import { printTable, type BenchRow } from '../table';
import { crashRows, faultRows, ROW_IDS } from './reliability.bench';
import { FAULT_KINDS } from './run-reliability';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter((id) => id !== '');
  const wanted = (id: string) => !only || only.some((prefix) => id.startsWith(prefix));
  const postgresUrl =
    process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const rows: BenchRow[] = [];
  process.stdout.write(`reliability: node ${process.version}, ${quick ? 'quick' : 'full'} run\n`);
  const cold = process.argv.includes('--cold');
  if (wanted('R1')) {
    rows.push(...(await crashRows({ quick, store: 'sqlite', cold, progress })));
    if (!process.argv.includes('--sqlite-only')) {
      rows.push(...(await crashRows({ quick, store: 'postgres', postgresUrl, cold, progress })));
    }
  }
  const kinds = FAULT_KINDS.filter((kind) => wanted(ROW_IDS[kind]));
  if (kinds.length > 0 || wanted('F0')) {
    rows.push(...(await faultRows({ quick, kinds, progress })));
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
