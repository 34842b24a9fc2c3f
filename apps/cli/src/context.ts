import { checkApiKey } from '@arca/contracts';
import { ArcaClient } from '@arca/sdk';
import { loadCredentials } from './config/credentials.js';
import type { CliEnv } from './config/env.js';
import { CliError } from './errors.js';
import type { CliIo, Output } from './output.js';
import { USER_AGENT } from './version.js';

/** What every command action receives. */
export interface CommandContext {
  io: CliIo;
  env: CliEnv;
  /** Call first in an action: fixes text or JSON output for the result and for errors. */
  output(options: { json?: boolean }): Output;
}

/** Rejects malformed keys before they are sent anywhere; `source` names where the key came from. */
export function assertApiKeyFormat(key: string, source: string): void {
  const check = checkApiKey(key);
  if (check === 'malformed') {
    throw new CliError(
      'MALFORMED_API_KEY',
      `${source} is not an Arca API key (expected "arca_" and 49 letters or digits)`,
    );
  }
  if (check === 'bad-checksum') {
    throw new CliError('MALFORMED_API_KEY', `${source} has a bad checksum; check it for typos`);
  }
}

export function createClient(server: string, apiKey: string): ArcaClient {
  return new ArcaClient({ serverUrl: server, token: apiKey, userAgent: USER_AGENT });
}

/** A client for the current credentials: ARCA_SERVER / ARCA_API_KEY first, then credentials.json. */
export async function openClient(env: CliEnv): Promise<ArcaClient> {
  const stored = env.server && env.apiKey ? null : await loadCredentials(env.configDir);
  const apiKey = env.apiKey ?? stored?.apiKey;
  const server = env.server ?? stored?.server;
  if (!apiKey) {
    throw new CliError('NOT_LOGGED_IN', 'not logged in; run "arca login --server URL" or set ARCA_API_KEY');
  }
  if (!server) {
    throw new CliError('USAGE', 'no server configured; set ARCA_SERVER or run "arca login --server URL"');
  }
  assertApiKeyFormat(apiKey, env.apiKey ? 'ARCA_API_KEY' : 'the stored API key');
  return createClient(server, apiKey);
}
