import { resolve } from 'node:path';
import { envSchema } from './env.schema.js';

export interface ArcaConfig {
  mode: 'development' | 'production' | 'test';
  http: { host: string; port: number; trustProxy: boolean; consoleOrigins: string[]; publicHost?: string };
  database: { url?: string; appUrl?: string; poolMax: number; statementTimeoutMs: number };
  dataDir: string;
  apiKeyPepper?: Buffer;
  masterKey?: Buffer;
  /** Previous master keys (unwrap only) while a master-key rotation is under way. */
  previousMasterKeys: Buffer[];
  audit: { checkpointIntervalMs: number; sequencer: boolean };
  artifacts: {
    uploadMaxBytes: number;
    uploadTtlSeconds: number;
    downloadTtlSeconds: number;
    validationTimeoutMs: number;
    validationMemoryMb: number;
  };
  session: { idleSeconds: number; absoluteSeconds: number };
  /** How long a resolved API key is kept in memory; every request still re-checks it in its transaction (ADR 0011). 0: off. */
  apiKeyCacheSeconds: number;
  graphql: { introspection: boolean };
  demoTenant: boolean;
  /** Background jobs (ADR 0007): whether this process runs workers, and how often idle workers poll. */
  jobs: { workers: boolean; pollIntervalMs: number };
  /** Webhook delivery (ADR 0008). Private networks and plain http are allowed by default outside production. */
  webhooks: {
    allowPrivateNetworks: boolean;
    allowHttp: boolean;
    maxAttempts: number;
    retryBaseMs: number;
    timeoutMs: number;
  };
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; a bad value stops the boot with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ArcaConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.ARCA_API_KEY_PEPPER) {
    throw new ConfigError(
      'ARCA_API_KEY_PEPPER is required when NODE_ENV=production (shared by every replica)',
    );
  }
  if (production && !e.ARCA_MASTER_KEY) {
    throw new ConfigError('ARCA_MASTER_KEY is required when NODE_ENV=production (shared by every replica)');
  }
  return {
    mode: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      trustProxy: e.ARCA_TRUST_PROXY,
      consoleOrigins: e.ARCA_CONSOLE_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      publicHost: e.ARCA_PUBLIC_HOST,
    },
    database: {
      url: e.DATABASE_URL,
      appUrl: e.DATABASE_APP_URL,
      poolMax: e.ARCA_DB_POOL_MAX,
      statementTimeoutMs: e.ARCA_DB_STATEMENT_TIMEOUT_MS,
    },
    dataDir: resolve(e.ARCA_DATA_DIR),
    apiKeyPepper: e.ARCA_API_KEY_PEPPER ? Buffer.from(e.ARCA_API_KEY_PEPPER, 'hex') : undefined,
    masterKey: e.ARCA_MASTER_KEY ? Buffer.from(e.ARCA_MASTER_KEY, 'hex') : undefined,
    previousMasterKeys: (e.ARCA_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .filter(Boolean)
      .map((k) => Buffer.from(k, 'hex')),
    audit: { checkpointIntervalMs: e.ARCA_AUDIT_CHECKPOINT_INTERVAL_MS, sequencer: e.ARCA_AUDIT_SEQUENCER },
    artifacts: {
      uploadMaxBytes: e.ARCA_UPLOAD_MAX_BYTES,
      uploadTtlSeconds: e.ARCA_UPLOAD_TTL_SECONDS,
      downloadTtlSeconds: e.ARCA_DOWNLOAD_TTL_SECONDS,
      validationTimeoutMs: e.ARCA_VALIDATION_TIMEOUT_MS,
      validationMemoryMb: e.ARCA_VALIDATION_MEMORY_MB,
    },
    session: {
      idleSeconds: e.ARCA_SESSION_IDLE_MINUTES * 60,
      absoluteSeconds: e.ARCA_SESSION_ABSOLUTE_HOURS * 3600,
    },
    apiKeyCacheSeconds: e.ARCA_API_KEY_CACHE_SECONDS,
    graphql: { introspection: e.ARCA_INTROSPECTION ?? !production },
    demoTenant: e.ARCA_DEMO_TENANT ?? !production,
    jobs: { workers: e.ARCA_JOBS_ENABLED, pollIntervalMs: e.ARCA_JOBS_POLL_INTERVAL_MS },
    webhooks: {
      allowPrivateNetworks: e.ARCA_WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? !production,
      allowHttp: e.ARCA_WEBHOOK_ALLOW_HTTP ?? !production,
      maxAttempts: e.ARCA_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.ARCA_WEBHOOK_RETRY_BASE_MS,
      timeoutMs: e.ARCA_WEBHOOK_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
