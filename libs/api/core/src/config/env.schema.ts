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
  ARCA_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  ARCA_AUDIT_SEQUENCER: bool.default(true),
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
  ARCA_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  ARCA_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  ARCA_INTROSPECTION: bool.optional(),
  ARCA_TRUST_PROXY: bool.default(false),
  ARCA_DEMO_TENANT: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;
