import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArcaConfig, ServerSecrets } from '@arca/api-core';

/**
 * Server secrets come from the environment; for single-node and development use they are generated once into
 * `<ARCA_DATA_DIR>` (mode 0600): `secrets.json` holds the token pepper, `master.key` the master key. Replicas must
 * share them, so production requires the env vars.
 */
export function loadServerSecrets(config: ArcaConfig): ServerSecrets {
  return {
    tokenPepper: config.apiKeyPepper ?? loadPepperFile(config.dataDir),
    masterKey: config.masterKey ?? loadMasterKeyFile(config.dataDir),
  };
}

function loadPepperFile(dataDir: string): Buffer {
  const file = join(dataDir, 'secrets.json');
  createOnce(file, () => JSON.stringify({ tokenPepper: randomBytes(32).toString('hex') }) + '\n');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { tokenPepper?: unknown };
  if (typeof parsed.tokenPepper !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.tokenPepper)) {
    throw new Error(`${file} is corrupt: tokenPepper must be 64 hex characters`);
  }
  return Buffer.from(parsed.tokenPepper, 'hex');
}

function loadMasterKeyFile(dataDir: string): Buffer {
  const file = join(dataDir, 'master.key');
  createOnce(file, () => randomBytes(32).toString('hex') + '\n');
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is corrupt: it must hold 64 hex characters`);
  return Buffer.from(hex, 'hex');
}

/** Writes `file` atomically with mode 0600 unless it exists, and tightens its mode either way. */
function createOnce(file: string, content: () => string): void {
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, content(), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  }
  chmodSync(file, 0o600);
}

/** Password of the arca_app role when the server provisions it: stable across restarts and replicas. */
export function derivedAppRolePassword(secrets: ServerSecrets): string {
  return createHmac('sha256', secrets.tokenPepper).update('arca:db:app-role-password').digest('hex');
}
