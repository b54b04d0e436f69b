import { validateCronExpression } from 'cron';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

/** A cron expression with seconds (UTC), or `off` to leave that schedule out. */
const cronOrOff = z
  .string()
  .refine((value) => value === 'off' || validateCronExpression(value).valid, 'must be a cron expression or off');

/**
 * Every environment variable the service reads. `.env.example` and the README table list the same set
 * (a unit test keeps them in step).
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** api = HTTP only, worker = jobs and schedules only, all = both in one process (the embedded default). */
  APP_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** `sqlite:<file>` (default, embedded), `sqlite::memory:`, or `postgres://user@host:5432/db`. */
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<file>, sqlite::memory: or postgres://…')
    .optional(),
  /** PostgreSQL schema to use (default: the server's search_path, usually public). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  /** Folder for the embedded database and generated secrets. */
  DATA_DIR: z.string().min(1).default('./data'),
  DB_MIGRATE_ON_START: booleanFlag.default(true),
  /** 32-byte key, base64; optionally prefixed with its version (`3:base64…`). Required on PostgreSQL. */
  ENCRYPTION_KEY: z.string().optional(),
  /** Earlier keys still needed to decrypt rows written before a rotation: `1:base64…,2:base64…`. */
  ENCRYPTION_PREVIOUS_KEYS: z.string().optional(),
  /** Operator token allowed to create workspaces. Required on PostgreSQL. */
  ROOT_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Let connectors call private, loopback and plain-http hosts (local CRM sandboxes, the embedded demo). */
  ALLOW_PRIVATE_CRM_HOSTS: booleanFlag.default(false),
  /** Deadline for one CRM call made by a job (enrichment has its own overall deadline). */
  CRM_CALL_TIMEOUT_MS: positiveInt.default(15_000),
  /** Overall deadline of one enrichment request: whatever a CRM has not answered by then is reported as timeout. */
  ENRICH_DEADLINE_MS: positiveInt.default(1500),
  /** Per-CRM deadline inside an enrichment (at most the overall deadline). */
  ENRICH_CONNECTOR_TIMEOUT_MS: positiveInt.default(1200),
  /** A cached context is served as fresh this long after it was fetched. */
  ENRICH_CACHE_FRESH_MS: z.coerce.number().int().min(0).default(60_000),
  /** After fresh, it is served stale (while one background refresh runs) until this age; older is never served. */
  ENRICH_CACHE_MAX_AGE_MS: positiveInt.default(900_000),
  /** Entries in the per-process layer in front of the shared (database) cache. */
  ENRICH_MEMORY_CACHE_ENTRIES: z.coerce.number().int().min(0).default(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body in bytes. */
  BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
  /** How long a verified API key is trusted without a database look-up (revocation reaches other instances after this). */
  API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).default(10_000),
  WORKER_CONCURRENCY: positiveInt.max(64).default(4),
  WORKER_POLL_INTERVAL_MS: positiveInt.default(500),
  JOB_LEASE_MS: positiveInt.min(1000).default(60_000),
  JOB_MAX_ATTEMPTS: positiveInt.max(100).default(10),
  JOB_BACKOFF_BASE_MS: positiveInt.default(1000),
  JOB_BACKOFF_MAX_MS: positiveInt.default(3_600_000),
  /** On SIGTERM, how long running jobs may take to finish before their leases are released. */
  SHUTDOWN_GRACE_MS: positiveInt.default(20_000),
  /** Cron for the retention purge (seconds field included). */
  PURGE_CRON: z.string().min(9).default('0 17 3 * * *'),
  /** Cron for the incremental pull from every active connector (`off` = webhooks only). */
  CRM_PULL_CRON: cronOrOff.default('15 */2 * * * *'),
  /** Pages one pull run reads at most per connector; the next tick continues from the saved cursor. */
  CRM_PULL_MAX_PAGES: positiveInt.max(1000).default(5),
  /** Cron for the retry sweep: unparks jobs whose cause is fixed, dead-letters orphans, clears expired pauses. */
  RETRY_SWEEP_CRON: cronOrOff.default('45 */5 * * * *'),
  /** Finished jobs and inbound-event dedupe records are kept this long. */
  JOB_RETENTION_DAYS: positiveInt.default(7),
  EVENT_DEDUPE_RETENTION_DAYS: positiveInt.default(7),
});

export type Env = z.infer<typeof envSchema>;
