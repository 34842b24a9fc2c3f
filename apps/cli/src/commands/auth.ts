import { apiKeyDisplayPrefix } from '@arca/contracts';
import { isArcaError, type Me } from '@arca/sdk';
import type { Command } from 'commander';
import { readApiKey } from '../api-key-input.js';
import {
  credentialsPath,
  deleteCredentials,
  loadCredentials,
  saveCredentials,
} from '../config/credentials.js';
import { assertApiKeyFormat, createClient, openClient, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatFields } from '../output.js';

interface LoginOptions {
  server?: string;
  apiKey?: string;
  json?: boolean;
}

function meFields(server: string, me: Me): [string, string][] {
  const key = me.apiKey;
  return [
    ['Server', server],
    ['User', `${me.user.displayName} <${me.user.email}>`],
    ['Tenant', `${me.tenant.name} (${me.tenant.slug})`],
    ['Role', me.role.toLowerCase()],
    ['Credential', key ? `API key ${key.displayPrefix}… "${key.name}"` : 'session'],
    ['Expires', key?.expiresAt ?? (key ? 'never' : '-')],
    ['Permissions', me.permissions.join(', ') || '-'],
  ];
}

async function login(ctx: CommandContext, options: LoginOptions): Promise<void> {
  const out = ctx.output(options);
  const server = options.server ?? ctx.env.server;
  if (!server) throw new CliError('USAGE', 'missing --server URL (or set ARCA_SERVER)');
  let source = 'ARCA_API_KEY';
  let apiKey = ctx.env.apiKey;
  if (options.apiKey !== undefined) {
    out.note(
      'warning: --api-key is visible to other local users in the process list; prefer stdin or ARCA_API_KEY',
    );
    [source, apiKey] = ['--api-key', options.apiKey.trim()];
  } else if (!apiKey) {
    if (!ctx.io.stdin) throw new CliError('USAGE', 'no API key given; use --api-key or ARCA_API_KEY');
    [source, apiKey] = ['the API key', await readApiKey(ctx.io.stdin, ctx.io.stderr)];
  }
  assertApiKeyFormat(apiKey, source);
  const client = createClient(server, apiKey);
  let me: Me;
  try {
    me = await client.me();
  } catch (error) {
    if (isArcaError(error, 'UNAUTHENTICATED')) {
      throw new CliError(
        'UNAUTHENTICATED',
        `${client.serverUrl} rejected the API key ${apiKeyDisplayPrefix(apiKey)}…: ${error.message}`,
      );
    }
    throw error;
  }
  const path = await saveCredentials(ctx.env.configDir, { server: client.serverUrl, apiKey });
  out.result({ server: client.serverUrl, credentials: path, ...me }, () =>
    [
      `Logged in to ${client.serverUrl} as ${me.user.email}.`,
      '',
      formatFields(meFields(client.serverUrl, me)),
    ].join('\n'),
  );
}

async function logout(ctx: CommandContext, options: { json?: boolean }): Promise<void> {
  const out = ctx.output(options);
  // The file may be unreadable (e.g. too permissive); it is removed all the same.
  const stored = await loadCredentials(ctx.env.configDir).catch(() => null);
  const path = credentialsPath(ctx.env.configDir);
  const removed = await deleteCredentials(ctx.env.configDir);
  out.result({ loggedOut: removed, server: stored?.server ?? null, credentials: path }, () =>
    removed
      ? `Logged out${stored ? ` of ${stored.server}` : ''}; removed ${path}.`
      : 'Not logged in; nothing to remove.',
  );
  if (removed && ctx.env.apiKey) out.note('note: ARCA_API_KEY is still set in the environment');
}

async function whoami(ctx: CommandContext, options: { json?: boolean }): Promise<void> {
  const out = ctx.output(options);
  const client = await openClient(ctx.env);
  const me = await client.me();
  out.result({ server: client.serverUrl, ...me }, () => formatFields(meFields(client.serverUrl, me)));
}

export function registerAuthCommands(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description('verify an API key and store it for later commands')
    .option('--server <url>', 'Arca server URL (default: $ARCA_SERVER)')
    .option('--api-key <key>', 'API key (default: $ARCA_API_KEY, then stdin or a prompt)')
    .option('--json', 'machine-readable output')
    .action((options: LoginOptions) => login(ctx, options));
  program
    .command('logout')
    .description('delete the stored credentials (the key itself stays valid until revoked)')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => logout(ctx, options));
  program
    .command('whoami')
    .description('show the user, tenant, role and key behind the current credentials')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => whoami(ctx, options));
}
