import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';

function roleFromArgs(argv: string[]): AppConfig['role'] | undefined {
  const arg = argv.find((value) => value.startsWith('--role='));
  const role = arg?.slice('--role='.length);
  if (role !== undefined && role !== 'api' && role !== 'worker' && role !== 'all') {
    throw new ConfigError([`--role: must be api, worker or all (got "${role}")`]);
  }
  return role;
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    const role = roleFromArgs(process.argv.slice(2));
    config = loadConfig(role ? { ...process.env, APP_ROLE: role } : process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  const logger = new Logger('main');
  if (config.generated.encryptionKeyFile) {
    logger.warn(
      `generated an encryption key in ${config.generated.encryptionKeyFile}; back it up, or set ENCRYPTION_KEY ` +
        'yourself: credentials stored with it cannot be read without it',
    );
  }
  if (config.generated.rootToken) {
    // Printed once, on purpose, to the terminal of whoever started the embedded default.
    process.stdout.write(`\nRoot token (stored in ${config.dataDir}/root-token): ${config.generated.rootToken}\n\n`);
  }
  await app.listen(config.http.port, config.http.host);
  logger.log(`${config.role} role listening on ${await app.getUrl()} (${config.database.type})`);

  // SIGTERM/SIGINT: stop accepting, let running jobs finish within SHUTDOWN_GRACE_MS, close the database, exit 0.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    app
      .close()
      .then(() => {
        logger.log('shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();
