import { crashRunOptions } from '../../bench/reliability/reliability.bench';
import { runReliability } from '../../bench/reliability/run-reliability';
import { TEST_DATABASE_URL, testStores, warnIfPostgresSkipped } from '../support/test-database';

/**
 * R1 at CI size (the bench runs 10,000 events and ≥ 50 kills): chat events over real HTTP into the API, the worker
 * as a real service process SIGKILLed at random moments and restarted, then every CRM sandbox's journal against
 * the plan. See bench/reliability for the runner and the oracle.
 */
describe.each(testStores())('the worker SIGKILLed again and again while chat events drain, on %s', (store) => {
  beforeAll(() => warnIfPostgresSkipped('reliability: worker kills'));

  it('loses no CRM write and writes none twice; what cannot be written ends as a dead letter with a reason', async () => {
    const { minKills, ...run } = crashRunOptions(true);
    const result = await runReliability({ ...run, store, postgresUrl: TEST_DATABASE_URL });

    // The crashes were real: enough of them, and they cut jobs that were running.
    expect(result.kills.kills).toBeGreaterThanOrEqual(minKills);
    expect(result.kills.killsWithJobsInFlight).toBeGreaterThanOrEqual(1);
    expect(result.problems).toEqual([]);
    expect(result.verdict).toMatchObject({
      lost: 0,
      duplicates: 0,
      unexpected: 0,
      deadWrongly: 0,
      deadByCrashes: 0,
      parked: 0,
    });
    // Every planned write is accounted for: in the CRM, or dead-lettered because no CRM knows the visitor.
    expect(result.verdict.delivered + result.verdict.deadAsExpected).toBe(result.verdict.expected);
    expect(result.verdict.deadAsExpected).toBeGreaterThan(0);
    for (const reason of Object.keys(result.verdict.deadReasons)) {
      expect(reason).toMatch(/^(not_found: .*not in this CRM|invalid_request: .*no visitor identifiers)/);
    }
  }, 90_000);
});
