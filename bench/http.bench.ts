import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { BenchRow } from './table';

const MAIN = resolve(__dirname, '../src/main.js');

export interface RunningService {
  baseUrl: string;
  rootToken: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the built service on a fresh embedded store; resolves when /health/ready answers 200. Logs at warn, as a
 * loaded production instance would, so request logging does not skew the ratios.
 */
export async function startService(
  env: Record<string, string> = {},
): Promise<RunningService & { coldStartMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccb-bench-svc-'));
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  const baseUrl = `http://127.0.0.1:${port}`;
  for (;;) {
    const ready = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
    if (ready?.status === 200) {
      break;
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`service did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const coldStartMs = Number(process.hrtime.bigint() - started) / 1e6;
  const rootToken = /Root token \(stored in [^)]+\): (\S+)/.exec(output)?.[1] ?? '';
  return {
    baseUrl,
    rootToken,
    coldStartMs,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** Loopback load with autocannon: bounded by duration and connection count. */
export async function load(
  url: string,
  options: {
    seconds: number;
    connections: number;
    headers?: Record<string, string>;
    method?: 'GET' | 'POST';
    body?: string;
  },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body ? { body: options.body } : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p95: (result.latency as unknown as Record<string, number>).p97_5 ?? result.latency.p99,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export async function httpBench(seconds: number): Promise<BenchRow[]> {
  const starts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const service = await startService();
    starts.push(service.coldStartMs);
    await service.stop();
  }
  const coldStart = Math.max(...starts);
  const service = await startService();
  try {
    const live = await load(`${service.baseUrl}/health/live`, { seconds, connections: 10 });
    return [
      {
        id: 'S1',
        measure: 'cold start to /health/ready (embedded, fresh data dir, worst of 3)',
        value: `${coldStart.toFixed(0)} ms`,
        goal: '≤ 3000 ms',
        verdict: coldStart <= 3000 ? 'met' : 'missed',
        note: `runs: ${starts.map((ms) => ms.toFixed(0)).join(', ')} ms`,
      },
      {
        id: 'B0',
        measure: `bare /health/live, autocannon 10 conns ${seconds}s (baseline)`,
        value: `${live.requestsPerSecond.toFixed(0)} req/s`,
        goal: 'baseline',
        verdict: 'info',
        note: `p50 ${live.p50} ms, p99 ${live.p99} ms, errors ${live.errors}`,
      },
    ];
  } finally {
    await service.stop();
  }
}
