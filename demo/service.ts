import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** A setup problem the person running the demo can fix (a port in use, a missing build): printed without a stack. */
export class DemoSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoSetupError';
  }
}

/**
 * Fails with a clear message when a fixed port is taken (e.g. `npm start` still running on 3000), instead of a
 * bare EADDRINUSE from deep inside a start-up.
 */
export async function assertPortFree(port: number, what: string, hint: string): Promise<void> {
  if (port === 0) {
    return;
  }
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new DemoSetupError(`port ${port} (${what}) is already in use on 127.0.0.1. ${hint}`)
          : error,
      );
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
}

export interface RunningService {
  baseUrl: string;
  rootToken: string;
  logFile: string;
  startMs: number;
  /** SIGTERM, then wait for the service's own graceful shutdown (it finishes running jobs first). */
  stop(): Promise<void>;
}

/**
 * The real service (`src/main`, API + worker in one process, SQLite in `dataDir`), as `npm start` runs it, in a child
 * process whose log goes to a file so the demo's own output stays readable. From compiled code (`npm run demo`) it
 * runs dist/src/main.js; from TypeScript (the demo's Jest test) it runs src/main.ts through the same swc hook the
 * process tests use, so the test never depends on a stale dist/.
 */
export async function startService(options: { dataDir: string; port: number }): Promise<RunningService> {
  const fromSource = __filename.endsWith('.ts');
  const root = fromSource ? resolve(__dirname, '..') : resolve(__dirname, '../..');
  const args = fromSource
    ? ['-r', join(root, 'test/support/swc-register.js'), join(root, 'src/main.ts')]
    : [join(root, 'dist/src/main.js')];
  if (!existsSync(args[args.length - 1])) {
    throw new DemoSetupError(`${args[args.length - 1]} is missing: run \`npm run build\` first (npm run demo does)`);
  }
  const logFile = join(options.dataDir, 'service.log');
  // The service writes its log straight into the file, not through a pipe to us: if the demo dies first (Ctrl-C in
  // the middle of the script), a pipe with no reader would leave the service stuck writing its shutdown log.
  const log = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATA_DIR: options.dataDir,
      // Only this machine can reach it: the demo prints its root token and keys.
      HOST: '127.0.0.1',
      PORT: String(options.port),
      LOG_LEVEL: 'info',
      // The sandboxes and the demo's callback receiver are plain http on loopback, which the egress guard refuses
      // unless told otherwise (the same switch the tests and the bench use).
      ALLOW_PRIVATE_CRM_HOSTS: 'true',
      // Snappier than the 500 ms default, so each step's outcome shows up within a second.
      WORKER_POLL_INTERVAL_MS: '100',
      // Ctrl-C should not wait the production 20 s for running jobs.
      SHUTDOWN_GRACE_MS: '5000',
      // The four sandboxes share one process (and the demo's event loop) on what may be a busy laptop or CI box: a
      // roomier enrichment deadline than the 1.5 s default keeps a slow tick from turning a CRM into "timeout".
      ENRICH_DEADLINE_MS: '4000',
      ENRICH_CONNECTOR_TIMEOUT_MS: '3500',
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const output = (): string => readFileSync(logFile, 'utf8');
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  // If the demo exits without stopping it (Ctrl-C during the script, an uncaught error), the service must not linger
  // on the port: SIGTERM lets it shut down on its own after we are gone.
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  };

  // The service logs "listening on http://…" once the port is bound (with PORT=0 that is how we learn it).
  const deadline = Date.now() + 60_000;
  let baseUrl: string | undefined;
  for (;;) {
    baseUrl ??= /listening on (http:\/\/[^\s"]+)/.exec(output())?.[1];
    if (baseUrl) {
      const ready = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
      if (ready?.status === 200) {
        break;
      }
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      const text = output();
      const inUse = /EADDRINUSE/.test(text);
      throw new DemoSetupError(
        inUse
          ? `the service could not bind port ${options.port}: it is in use (see ${logFile})`
          : `the service did not become ready (see ${logFile}):\n${text.split('\n').slice(-15).join('\n')}`,
      );
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  // The embedded default generates the root token into the data folder on first start (and prints it once).
  const rootToken = readFileSync(join(options.dataDir, 'root-token'), 'utf8').trim();
  return { baseUrl, rootToken, logFile, startMs: Date.now() - started, stop };
}
