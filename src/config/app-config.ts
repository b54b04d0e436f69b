import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { envSchema, type Env } from './env.schema';

export type DatabaseConfig =
  { type: 'sqlite'; file: string; url: string } | { type: 'postgres'; url: string; poolSize: number; schema?: string };

export interface EncryptionKey {
  version: number;
  key: Buffer;
}

export interface AppConfig {
  env: Env['NODE_ENV'];
  role: Env['APP_ROLE'];
  http: { host: string; port: number; bodyLimitBytes: number };
  database: DatabaseConfig & { migrateOnStart: boolean };
  dataDir: string;
  encryption: { current: EncryptionKey; previous: EncryptionKey[] };
  rootToken: string;
  logLevel: Env['LOG_LEVEL'];
  auth: { apiKeyCacheTtlMs: number };
  crm: { allowPrivateHosts: boolean; callTimeoutMs: number; pullMaxPages: number };
  enrichment: {
    deadlineMs: number;
    connectorTimeoutMs: number;
    cacheFreshMs: number;
    cacheMaxAgeMs: number;
    memoryCacheEntries: number;
  };
  jobs: {
    concurrency: number;
    pollIntervalMs: number;
    leaseMs: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    shutdownGraceMs: number;
    retentionDays: number;
  };
  /** Cron expressions (with seconds, UTC); null = that schedule is off. */
  schedules: { purgeCron: string; pullCron: string | null; retrySweepCron: string | null };
  events: { dedupeRetentionDays: number };
  /** Secrets generated on first start of the embedded default; main.ts prints them once. */
  generated: { rootToken?: string; encryptionKeyFile?: string };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseKey(raw: string, name: string, problems: string[]): EncryptionKey | undefined {
  const match = /^(?:(\d+):)?([A-Za-z0-9+/=_-]+)$/.exec(raw.trim());
  const key = match ? Buffer.from(match[2] ?? '', 'base64') : Buffer.alloc(0);
  if (!match || key.length !== 32) {
    problems.push(`${name}: must be 32 bytes encoded as base64, optionally prefixed with a version ("2:…")`);
    return undefined;
  }
  return { version: match[1] ? Number(match[1]) : 1, key };
}

function databaseFrom(env: Env, dataDir: string): DatabaseConfig {
  const url = env.DATABASE_URL ?? `sqlite:${join(dataDir, 'chat-crm-bridge.sqlite')}`;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return { type: 'sqlite', url, file: file === ':memory:' ? file : resolve(file) };
  }
  return {
    type: 'postgres',
    url,
    poolSize: env.DATABASE_POOL_SIZE,
    ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}),
  };
}

/** Reads a generated secret from the data folder, creating it (mode 0600) on first start. */
function embeddedSecret(dataDir: string, fileName: string, create: () => string): { value: string; created: boolean } {
  const file = join(dataDir, fileName);
  if (existsSync(file)) {
    return { value: readFileSync(file, 'utf8').trim(), created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { value, created: true };
}

/**
 * The one place that reads the environment. Fails with every problem at once, so an operator fixes a deployment
 * in one round instead of one variable per restart.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(env.DATA_DIR);
  const database = databaseFrom(env, dataDir);
  const embedded = database.type === 'sqlite';
  const generated: AppConfig['generated'] = {};

  let current: EncryptionKey | undefined;
  if (env.ENCRYPTION_KEY) {
    current = parseKey(env.ENCRYPTION_KEY, 'ENCRYPTION_KEY', problems);
  } else if (embedded && database.file !== ':memory:') {
    const secret = embeddedSecret(dataDir, 'encryption.key', () => randomBytes(32).toString('base64'));
    if (secret.created) {
      generated.encryptionKeyFile = join(dataDir, 'encryption.key');
    }
    current = parseKey(secret.value, `${join(dataDir, 'encryption.key')}`, problems);
  } else if (embedded) {
    // An in-memory database dies with the process, so a per-process key loses nothing.
    current = { version: 1, key: randomBytes(32) };
  } else {
    problems.push('ENCRYPTION_KEY: required with PostgreSQL (32 bytes, base64; e.g. `openssl rand -base64 32`)');
  }
  const previous = (env.ENCRYPTION_PREVIOUS_KEYS ?? '')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => parseKey(part, 'ENCRYPTION_PREVIOUS_KEYS', problems))
    .filter((key): key is EncryptionKey => key !== undefined);
  if (current && previous.some((key) => key.version === current.version)) {
    problems.push('ENCRYPTION_PREVIOUS_KEYS: a previous key reuses the current key version');
  }

  let rootToken = env.ROOT_TOKEN;
  if (!rootToken && embedded && database.file !== ':memory:') {
    const secret = embeddedSecret(dataDir, 'root-token', () => `root_${randomBytes(24).toString('base64url')}`);
    rootToken = secret.value;
    if (secret.created) {
      generated.rootToken = secret.value;
    }
  } else if (!rootToken && embedded) {
    rootToken = `root_${randomBytes(24).toString('base64url')}`;
    generated.rootToken = rootToken;
  } else if (!rootToken) {
    problems.push('ROOT_TOKEN: required with PostgreSQL (at least 24 characters)');
  }

  if (env.JOB_BACKOFF_BASE_MS > env.JOB_BACKOFF_MAX_MS) {
    problems.push('JOB_BACKOFF_BASE_MS: must not exceed JOB_BACKOFF_MAX_MS');
  }
  if (problems.length > 0 || !current || !rootToken) {
    throw new ConfigError(problems);
  }

  return {
    env: env.NODE_ENV,
    role: env.APP_ROLE,
    http: { host: env.HOST, port: env.PORT, bodyLimitBytes: env.BODY_LIMIT_BYTES },
    database: { ...database, migrateOnStart: env.DB_MIGRATE_ON_START },
    dataDir,
    encryption: { current, previous },
    rootToken,
    logLevel: env.LOG_LEVEL,
    auth: { apiKeyCacheTtlMs: env.API_KEY_CACHE_TTL_MS },
    crm: {
      allowPrivateHosts: env.ALLOW_PRIVATE_CRM_HOSTS,
      callTimeoutMs: env.CRM_CALL_TIMEOUT_MS,
      pullMaxPages: env.CRM_PULL_MAX_PAGES,
    },
    enrichment: {
      deadlineMs: env.ENRICH_DEADLINE_MS,
      connectorTimeoutMs: Math.min(env.ENRICH_CONNECTOR_TIMEOUT_MS, env.ENRICH_DEADLINE_MS),
      cacheFreshMs: env.ENRICH_CACHE_FRESH_MS,
      cacheMaxAgeMs: Math.max(env.ENRICH_CACHE_MAX_AGE_MS, env.ENRICH_CACHE_FRESH_MS),
      memoryCacheEntries: env.ENRICH_MEMORY_CACHE_ENTRIES,
    },
    jobs: {
      concurrency: env.WORKER_CONCURRENCY,
      pollIntervalMs: env.WORKER_POLL_INTERVAL_MS,
      leaseMs: env.JOB_LEASE_MS,
      maxAttempts: env.JOB_MAX_ATTEMPTS,
      backoffBaseMs: env.JOB_BACKOFF_BASE_MS,
      backoffMaxMs: env.JOB_BACKOFF_MAX_MS,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
      retentionDays: env.JOB_RETENTION_DAYS,
    },
    schedules: {
      purgeCron: env.PURGE_CRON,
      pullCron: env.CRM_PULL_CRON === 'off' ? null : env.CRM_PULL_CRON,
      retrySweepCron: env.RETRY_SWEEP_CRON === 'off' ? null : env.RETRY_SWEEP_CRON,
    },
    events: { dedupeRetentionDays: env.EVENT_DEDUPE_RETENTION_DAYS },
    generated,
  };
}
