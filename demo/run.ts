/**
 * `npm run demo` (after `npm run build`): plays the scripted chats, then keeps running until Ctrl-C.
 *
 *   --once        exit after the script: 0 when every step succeeded, 1 otherwise (CI, smoke tests)
 *   --free-ports  any free ports instead of 3000 (service), 4100 (callbacks) and 4101–4104 (sandboxes)
 *
 * Environment: DEMO_PORT (service port), DEMO_PORT_BASE (receiver, then the four sandboxes), DEMO_DATA_DIR
 * (default ./data/demo; wiped at start).
 */
import { startDemo } from './demo';
import { DemoSetupError } from './service';

const USAGE = 'usage: node dist/demo/run.js [--once] [--free-ports]\n';

function portFrom(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_530) {
    throw new DemoSetupError(`${name} must be a port number (got "${raw}")`);
  }
  return port;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => !['--once', '--free-ports'].includes(arg));
  if (unknown.length > 0 || args.includes('--help')) {
    process.stderr.write(USAGE);
    return unknown.some((arg) => arg !== '--help') ? 2 : 0;
  }
  const once = args.includes('--once');
  // Ctrl-C while the script plays: leave at once; the sandboxes and the receiver live in this process, and the
  // service process is sent SIGTERM on exit (service.ts).
  const interrupted = (): void => {
    process.stderr.write('\nInterrupted: stopping.\n');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const demo = await startDemo({
    freePorts: args.includes('--free-ports'),
    port: portFrom('DEMO_PORT'),
    portBase: portFrom('DEMO_PORT_BASE'),
    dataDir: process.env.DEMO_DATA_DIR || undefined,
  });
  process.removeListener('SIGINT', interrupted);
  process.removeListener('SIGTERM', interrupted);
  if (once || (!demo.ok && demo.results.length <= 1)) {
    // --once, or the setup itself failed (nothing to explore): stop everything and report.
    await demo.stop();
    return demo.ok ? 0 : 1;
  }
  process.stdout.write('\nThe demo keeps running: the URLs above stay up. Ctrl-C stops it.\n');
  await new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });
  process.stdout.write('\nStopping: the service finishes running jobs, then the sandboxes close.\n');
  await demo.stop();
  return demo.ok ? 0 : 1;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(
      error instanceof DemoSetupError
        ? `demo: ${error.message}\n`
        : `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
