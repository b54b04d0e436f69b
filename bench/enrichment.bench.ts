import { startAllSandboxes, type Vendor } from '../test/sandbox';
import type { LatencyFault, SandboxOptions } from '../test/sandbox/common/sandbox.types';
import { seedPeople } from '../test/sandbox/common/seed-data';
import { connectorBodyFor } from '../test/sandbox/connector-bodies';
import { load, startService } from './http.bench';
import { percentile, type BenchRow } from './table';

/**
 * Different per CRM, as the issue asks; Zoho is the slowest per call (p50 150 ms, p99 800 ms). Drawn per request
 * (common random numbers): a look-up of one person waits the same in the fan-out run and in the single-CRM runs, so
 * the comparison measures the fan-out, not two different samples of a heavy tail (with 250 independent draws per
 * run, p99 alone wobbles by ±200 ms).
 */
const LATENCY: Record<Vendor, LatencyFault> = {
  zoho: { kind: 'lognormal', p50Ms: 150, p99Ms: 800, perRequest: true },
  salesforce: { kind: 'lognormal', p50Ms: 130, p99Ms: 550, perRequest: true },
  hubspot: { kind: 'lognormal', p50Ms: 110, p99Ms: 450, perRequest: true },
  zendesk: { kind: 'lognormal', p50Ms: 90, p99Ms: 350, perRequest: true },
};
const VENDORS: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];

async function api(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) {
    throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  }
  return json;
}

/** Per request: client-observed latency minus the slowest source's own latency (what the service adds). */
const serviceOverheads: number[] = [];
/** Sources that did not answer ok (a rate-limited or timed-out CRM would make the latencies meaningless). */
let notOk = 0;
const notOkReasons = new Map<string, number>();

/** Latency (ms) of each email's look-up in the last enrichAll run. */
let latencyByEmail = new Map<string, number>();

/** Runs `emails` through POST /v1/enrich with bounded concurrency; returns sorted latencies (ms). */
async function enrichAll(base: string, chatKey: string, emails: string[], concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  latencyByEmail = new Map();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < emails.length) {
        const email = emails[next++];
        const started = process.hrtime.bigint();
        const context = await api(base, chatKey, 'POST', '/v1/enrich', { visitor: { email } });
        const latency = Number(process.hrtime.bigint() - started) / 1e6;
        latencies.push(latency);
        latencyByEmail.set(email, latency);
        const sources = context.sources as Array<{ latencyMs: number | null; status: string }>;
        for (const source of sources.filter((candidate) => candidate.status !== 'ok')) {
          notOk += 1;
          const reason = `${(source as { kind?: string }).kind}:${source.status}:${(source as { error?: string }).error}`;
          notOkReasons.set(reason, (notOkReasons.get(reason) ?? 0) + 1);
        }
        serviceOverheads.push(latency - Math.max(0, ...sources.map((source) => source.latencyMs ?? 0)));
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

export async function enrichmentBench(options: { people: number; seconds: number }): Promise<BenchRow[]> {
  // Vendor rate limits are not under test here (the connectors' budgets are lifted too): without this, HubSpot's
  // 110 requests per 10 s and Zoho's 20 concurrent calls would turn the load into 429s.
  const sandboxes = await startAllSandboxes(
    (vendor) =>
      ({
        people: options.people * 2,
        faults: { latency: LATENCY[vendor] },
        limits: { requestsPerWindow: 1_000_000 },
        concurrencyLimit: 10_000,
        searchRequestsPerSecond: 10_000,
      }) as SandboxOptions,
  );
  const service = await startService({
    ALLOW_PRIVATE_CRM_HOSTS: 'true',
    // Measure fan-out, not truncation: the deadline is far above every CRM's tail here.
    ENRICH_DEADLINE_MS: '10000',
    ENRICH_CONNECTOR_TIMEOUT_MS: '10000',
    ENRICH_CACHE_FRESH_MS: '600000',
  });
  try {
    const emails = seedPeople(1, options.people * 2)
      .filter((person) => person.presentIn.length === 4 && person.duplicateIn.length === 0)
      .map((person) => person.email)
      .slice(0, options.people);
    const workspace = async (vendors: Vendor[]) => {
      const created = await api(service.baseUrl, service.rootToken, 'POST', '/v1/workspaces', {
        name: `bench ${vendors.join('+')}`,
      });
      const adminKey = created.apiKey as string;
      for (const vendor of vendors) {
        const sandbox = sandboxes[vendor];
        const issue = (sandbox as unknown as { issueRefreshToken?: () => string }).issueRefreshToken;
        const body = connectorBodyFor(sandbox, ['enrich']);
        await api(service.baseUrl, adminKey, 'POST', '/v1/connectors', {
          ...body,
          // The sandboxes' limits are lifted for this measurement, so the connectors may go as fast as they like.
          rateBudget: { operations: 10_000, intervalMs: 1000, maxConcurrent: 100 },
          credentials: issue ? { ...body.credentials, refreshToken: issue() } : body.credentials,
        });
      }
      const key = await api(service.baseUrl, adminKey, 'POST', '/v1/api-keys', { name: 'bench', scopes: ['chat'] });
      return key.apiKey as string;
    };
    const allFour = await workspace(VENDORS);
    const single = Object.fromEntries(
      await Promise.all(VENDORS.map(async (vendor) => [vendor, await workspace([vendor])] as const)),
    ) as Record<Vendor, string>;

    // Warm every path (token refreshes, connection pools), then measure cache misses (a workspace's first look-up
    // of each identity). "The slowest CRM" is measured, not assumed: a CRM's enrichment costs several sequential
    // calls (HubSpot orders take four), so the slowest per-call latency is not necessarily the slowest enrichment.
    const concurrency = 8;
    const warm = emails.slice(0, 5).map((email) => `warm.${email}`);
    for (const key of [allFour, ...Object.values(single)]) {
      await enrichAll(service.baseUrl, key, warm, 5);
    }
    serviceOverheads.length = 0;
    notOk = 0;
    notOkReasons.clear();
    const fanOut = await enrichAll(service.baseUrl, allFour, emails, concurrency);
    const fanOutByEmail = latencyByEmail;
    const ownOverhead = [...serviceOverheads].sort((a, b) => a - b);
    const fanOutNotOk = `${notOk}${notOk > 0 ? ` (${[...notOkReasons].map(([reason, count]) => `${reason}×${count}`).join(', ')})` : ''}`;
    const aloneByVendor: Array<[Vendor, number[]]> = [];
    const slowestAloneByEmail = new Map<string, number>();
    for (const vendor of VENDORS) {
      aloneByVendor.push([vendor, await enrichAll(service.baseUrl, single[vendor], emails, concurrency)]);
      for (const [email, latency] of latencyByEmail) {
        slowestAloneByEmail.set(email, Math.max(slowestAloneByEmail.get(email) ?? 0, latency));
      }
    }
    const [slowest, alone] = aloneByVendor.reduce((worst, entry) =>
      percentile(entry[1], 99) > percentile(worst[1], 99) ? entry : worst,
    );
    const overhead = percentile(fanOut, 99) - percentile(alone, 99);
    // Waiting for four CRMs is slower than waiting for the slowest one alone even at zero cost: per person, the
    // slowest of the four is sometimes another CRM than the one slowest overall. With the same draws per look-up in
    // every run, that floor is measured: p99 over people of max(their four single-CRM look-ups) − p99(slowest alone).
    const pairedSlowest = [...slowestAloneByEmail.values()].sort((a, b) => a - b);
    const floor = percentile(pairedSlowest, 99) - percentile(alone, 99);
    const beyondFloor = overhead - floor;
    const perPerson = [...fanOutByEmail]
      .map(([email, latency]) => latency - (slowestAloneByEmail.get(email) ?? latency))
      .sort((a, b) => a - b);

    // P2: cache hits vs the bare liveness route, same server, same load tool and flags.
    const hitEmail = emails[0];
    await enrichAll(service.baseUrl, allFour, [hitEmail], 1);
    const body = JSON.stringify({ visitor: { email: hitEmail } });
    const hits = await load(`${service.baseUrl}/v1/enrich`, {
      seconds: options.seconds,
      connections: 10,
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${allFour}`, 'content-type': 'application/json' },
    });
    const live = await load(`${service.baseUrl}/health/live`, { seconds: options.seconds, connections: 10 });
    const ratio = hits.requestsPerSecond / live.requestsPerSecond;

    return [
      {
        id: 'P1',
        measure: `enrich fan-out overhead: p99(4 CRMs) − p99(slowest alone), ${fanOut.length} misses each`,
        value: ms(overhead),
        goal: '≤ 20 ms',
        verdict: overhead <= 20 ? 'met' : 'missed',
        note:
          `4 CRMs p50/p95/p99 ${ms(percentile(fanOut, 50))}/${ms(percentile(fanOut, 95))}/${ms(percentile(fanOut, 99))}; ` +
          `slowest alone (${slowest}) ${ms(percentile(alone, 50))}/${ms(percentile(alone, 95))}/${ms(percentile(alone, 99))}; ` +
          `alone p99: ${aloneByVendor.map(([vendor, latencies]) => `${vendor} ${ms(percentile(latencies, 99))}`).join(', ')}`,
      },
      {
        id: 'P1c',
        measure: 'enrich fan-out overhead beyond the floor four CRMs impose (P1 − floor, same draws per look-up)',
        value: ms(beyondFloor),
        goal: '≤ 20 ms',
        verdict: beyondFloor <= 20 ? 'met' : 'missed',
        note:
          `floor = p99 over people of max(own 4 single-CRM look-ups) − p99(slowest alone) = ${ms(floor)}; per person, ` +
          `fan-out − own slowest single-CRM look-up p50/p95/p99 ${ms(percentile(perPerson, 50))}/${ms(percentile(perPerson, 95))}/${ms(percentile(perPerson, 99))}`,
      },
      {
        id: 'P1b',
        measure: 'enrich: time the service adds beyond its slowest CRM, per request (4 CRMs)',
        value: ms(percentile(ownOverhead, 99)),
        goal: '≤ 20 ms (p99)',
        verdict: percentile(ownOverhead, 99) <= 20 ? 'met' : 'missed',
        note: `p50/p95/p99 ${ms(percentile(ownOverhead, 50))}/${ms(percentile(ownOverhead, 95))}/${ms(percentile(ownOverhead, 99))} (client latency − max source latencyMs); sources not ok: ${fanOutNotOk}`,
      },
      {
        id: 'P2',
        measure: `enrich cache hits ÷ /health/live, autocannon 10 conns ${options.seconds}s`,
        value: ratio.toFixed(2),
        goal: '≥ 0.30, hit p99 ≤ 25 ms',
        verdict: ratio >= 0.3 && hits.p99 <= 25 && hits.errors === 0 ? 'met' : 'missed',
        note:
          `hits ${hits.requestsPerSecond.toFixed(0)} req/s p50/p97.5/p99 ${hits.p50}/${hits.p95}/${hits.p99} ms, errors ${hits.errors}; ` +
          `live ${live.requestsPerSecond.toFixed(0)} req/s`,
      },
    ];
  } finally {
    await service.stop();
    await sandboxes.stop();
  }
}
