import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)');

/** Every environment variable the server reads. Validated once at boot; process.env is read nowhere else. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_APP_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  ARCA_DATA_DIR: z.string().min(1).default('./.arca'),
  ARCA_API_KEY_PEPPER: hexKey.optional(),
  ARCA_MASTER_KEY: hexKey.optional(),
  // During a master-key rotation: the previous key(s), comma-separated, used only to unwrap (see README).
  ARCA_MASTER_KEY_PREVIOUS: z
    .string()
    .regex(/^[0-9a-fA-F]{64}(,[0-9a-fA-F]{64})*$/, 'must be 64-hex-character keys separated by commas')
    .optional(),
  ARCA_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  ARCA_AUDIT_SEQUENCER: bool.default(true),
  // Model versions: the largest upload accepted (ONNX protobuf files cannot exceed 2 GiB), how long an upload and
  // a download grant stay usable, and the limits of the validation child process.
  ARCA_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .default(2 ** 31 - 1),
  ARCA_UPLOAD_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(86_400),
  ARCA_DOWNLOAD_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  ARCA_VALIDATION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  ARCA_VALIDATION_MEMORY_MB: z.coerce.number().int().min(256).max(65_536).default(8_192),
  ARCA_PUBLIC_HOST: z.string().min(1).optional(),
  ARCA_CONSOLE_ORIGINS: z.string().default(''),
  ARCA_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  ARCA_SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(8),
  ARCA_API_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  ARCA_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  ARCA_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  ARCA_INTROSPECTION: bool.optional(),
  ARCA_TRUST_PROXY: bool.default(false),
  ARCA_DEMO_TENANT: bool.optional(),
  ARCA_JOBS_ENABLED: bool.default(true),
  ARCA_JOBS_POLL_INTERVAL_MS: z.coerce.number().int().min(500).max(60_000).default(2_000),
  ARCA_WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.optional(),
  ARCA_WEBHOOK_ALLOW_HTTP: bool.optional(),
  ARCA_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  ARCA_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  ARCA_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;
