import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ArcaConfig, ServerSecrets } from '@arca/api-core';

/**
 * Server secrets come from the environment; for single-node and development use they are generated once into
 * `<ARCA_DATA_DIR>/secrets.json` (mode 0600). Replicas must share them, so production requires the env vars.
 */
export function loadServerSecrets(config: ArcaConfig): ServerSecrets {
  if (config.apiKeyPepper) return { tokenPepper: config.apiKeyPepper };
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = join(config.dataDir, 'secrets.json');
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ tokenPepper: randomBytes(32).toString('hex') }) + '\n', {
      mode: 0o600,
      flag: 'wx',
    });
    renameSync(tmp, file);
  }
  chmodSync(file, 0o600);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { tokenPepper?: unknown };
  if (typeof parsed.tokenPepper !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.tokenPepper)) {
    throw new Error(`${file} is corrupt: tokenPepper must be 64 hex characters`);
  }
  return { tokenPepper: Buffer.from(parsed.tokenPepper, 'hex') };
}

/** Password of the arca_app role when the server provisions it: stable across restarts and replicas. */
export function derivedAppRolePassword(secrets: ServerSecrets): string {
  return createHmac('sha256', secrets.tokenPepper).update('arca:db:app-role-password').digest('hex');
}
