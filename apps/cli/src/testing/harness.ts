// Runs main() in-process against a canned GraphQL server with a private temporary ARCA_CONFIG_DIR.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { formatApiKey } from '@arca/contracts';
import { startCannedServer, type CannedServer } from '@arca/sdk/testing';
import { main } from '../main.js';
import type { InputStream } from '../output.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: InputStream | string;
}

export const newApiKey = (): string => formatApiKey(randomBytes(32));

export class CliHarness {
  readonly apiKey = newApiKey();

  private constructor(
    readonly server: CannedServer,
    readonly configDir: string,
  ) {}

  static async start(): Promise<CliHarness> {
    const configDir = join(await mkdtemp(join(tmpdir(), 'arca-cli-')), 'config');
    return new CliHarness(await startCannedServer(), configDir);
  }

  get credentialsFile(): string {
    return join(this.configDir, 'credentials.json');
  }

  /** `arca <args>`; stdin defaults to an empty pipe so nothing ever waits on the real terminal. */
  async run(args: string[], options: RunOptions = {}): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const stdin =
      typeof options.stdin === 'string' || options.stdin === undefined
        ? (Readable.from(options.stdin === undefined ? [] : [options.stdin]) as unknown as InputStream)
        : options.stdin;
    const code = await main(['node', 'arca', ...args], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { ARCA_CONFIG_DIR: this.configDir, ...options.env },
      stdin,
    });
    return { code, stdout, stderr };
  }

  /** Stores credentials for the canned server, as a successful login would. */
  async storeCredentials(mode = 0o600, apiKey = this.apiKey): Promise<void> {
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    await writeFile(this.credentialsFile, JSON.stringify({ server: this.server.url, apiKey }), { mode });
    await chmod(this.credentialsFile, mode);
  }

  async close(): Promise<void> {
    await this.server.close();
    await rm(join(this.configDir, '..'), { recursive: true, force: true });
  }
}
