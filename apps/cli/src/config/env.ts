// The only place the CLI reads environment variables.
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CliEnv {
  /** ARCA_SERVER: overrides the stored server URL. */
  server?: string;
  /** ARCA_API_KEY: overrides the stored API key. */
  apiKey?: string;
  /** ARCA_CONFIG_DIR, default ~/.config/arca. */
  configDir: string;
}

export function processEnv(): Env {
  return process.env;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value?.trim() ? value.trim() : undefined;

export function readCliEnv(env: Env): CliEnv {
  return {
    server: nonEmpty(env.ARCA_SERVER),
    apiKey: nonEmpty(env.ARCA_API_KEY),
    configDir: nonEmpty(env.ARCA_CONFIG_DIR) ?? join(homedir(), '.config', 'arca'),
  };
}
