import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const children: ChildProcess[] = [];

function startService(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitForPort(output: () => string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /listening on (http:\/\/[^\s"]+)/.exec(output());
    if (match) {
      return match[1].replace('[::1]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
    }
    if (Date.now() > deadline) {
      throw new Error(`service did not start:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the service process', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ccb-process-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start on bad configuration, listing every problem', async () => {
    const { child, output } = startService({
      DATABASE_URL: 'postgres://localhost/x',
      PORT: 'abc',
      LOG_LEVEL: 'chatty',
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(output()).toContain('PORT');
    expect(output()).toContain('LOG_LEVEL');
  });

  it('starts on the embedded default, prints the root token once, logs JSON without secrets or PII, and stops on SIGTERM', async () => {
    const { child, output } = startService({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const base = await waitForPort(output);
    const token = /Root token \(stored in [^)]+\): (\S+)/.exec(output())?.[1];
    expect(token).toMatch(/^root_/);

    const created = await fetch(`${base}/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme' }),
    });
    expect(created.status).toBe(201);
    const { apiKey } = (await created.json()) as { apiKey: string };
    const lookup = await fetch(`${base}/v1/nothing?email=emma.johnson@example.com&phone=%2B14155552671`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(lookup.status).toBe(404);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    const exit = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(output()).toContain('shutdown complete');

    const logs = output();
    const jsonLines = logs.split('\n').filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(2);
    for (const line of jsonLines) {
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    const secretPart = apiKey.split('_')[2];
    expect(logs).not.toContain(secretPart);
    expect(logs.split('\n').filter((line) => line.includes(token as string))).toHaveLength(1); // the one-time print
    expect(logs).not.toContain('emma.johnson@example.com');
    expect(logs).not.toContain('4155552671');

    // Second start: same data folder, no new token printed.
    const again = startService({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    await waitForPort(again.output);
    expect(again.output()).not.toContain('Root token');
    const stopped = new Promise((r) => again.child.once('exit', r));
    again.child.kill('SIGTERM');
    await stopped;
  }, 60_000);
});
