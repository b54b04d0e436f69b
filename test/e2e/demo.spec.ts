import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type RunningDemo } from '../../demo/demo';

/**
 * `npm run demo --once`, in-process: the same sandboxes, service process (from source) and scripted chats, on free
 * ports and a throw-away data folder. Every step must succeed; the output must show what the issue promises.
 */
describe('the demo (once mode)', () => {
  const dirs: string[] = [];
  let demo: RunningDemo | undefined;
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccb-demo-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await demo?.stop();
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plays every scripted chat over HTTP and every step succeeds', async () => {
    let output = '';
    demo = await startDemo({ freePorts: true, dataDir: tempDir(), write: (text) => void (output += text) });
    const failed = demo.results.filter((result) => !result.ok);
    // On failure the whole transcript of the run is the most useful message.
    expect({ failed, output: failed.length > 0 ? output : '' }).toEqual({ failed: [], output: '' });
    expect(demo.results.map((result) => result.title.split(' ')[0])).toEqual([
      'Setup:',
      '1.',
      '2.',
      '3.',
      '4.',
      '5.',
      'Queue',
    ]);
    expect(demo.ok).toBe(true);
    expect(output).toContain('referencedOrder (first of');
    expect(output).toMatch(/caseRef zendesk ticket \d+/);
    expect(output).toMatch(/Follow up: low satisfaction rating \(1\/5\)/);
    expect(output).toMatch(/found in \w+ +\S+ \S+ \(matched by phone\)/);
    expect(output).toMatch(/received case\.agent_replied .* signature verified/);
    expect(output).toMatch(/received case\.solved .* signature verified/);
    expect(output).toContain('"dead":0');
    await demo.stop();
  }, 90_000);

  it('says which port is taken instead of failing somewhere inside', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    let output = '';
    try {
      const refused = await startDemo({
        port: taken,
        dataDir: tempDir(),
        write: (text) => void (output += text),
      });
      expect(refused.ok).toBe(false);
      expect(refused.results[0].error).toContain(`port ${taken} (the service) is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
