import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUuid } from '@arca/contracts';
import { verifyAuditLog, type AuditEvent, type AuditEventFilter, type AuditVerifierState } from '@arca/sdk';
import { InvalidArgumentError, type Command } from 'commander';
import { openClient, type CommandContext } from '../context.js';
import { positiveInt } from '../arguments.js';
import { CliError, VerdictPrinted } from '../errors.js';
import { formatTable } from '../output.js';

// `arca audit events` and `arca audit verify`: reading the tenant log, and checking it without trusting the server.
// The verifier's memory (pinned log key, last checkpoint, leaf hashes it checked) lives in
// <config dir>/audit/<server host>/<tenant id>.{json,leaves}, mode 0600.

interface EventsOptions {
  action?: string;
  actor?: string;
  key?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
  since?: string;
  until?: string;
  limit: number;
  oldestFirst?: boolean;
  json?: boolean;
}

function isoTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError('expected a date or time, e.g. 2026-11-27 or 2026-11-27T12:00:00Z');
  }
  return new Date(ms).toISOString();
}

function uuid(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('expected a UUID');
  return value;
}

function outcome(value: string): string {
  if (!['success', 'denied', 'error'].includes(value)) {
    throw new InvalidArgumentError('expected success, denied or error');
  }
  return value;
}

async function events(ctx: CommandContext, o: EventsOptions): Promise<void> {
  const out = ctx.output(o);
  const client = await openClient(ctx.env);
  const filter: AuditEventFilter = {
    action: o.action,
    actorId: o.actor,
    apiKeyId: o.key,
    resourceType: o.resourceType,
    resourceId: o.resourceId,
    outcome: o.outcome?.toUpperCase() as AuditEventFilter['outcome'],
    from: o.since,
    to: o.until,
  };
  const found: AuditEvent[] = [];
  let hasMore = false;
  for await (const page of client.audit.eventsAll({
    filter,
    newestFirst: !o.oldestFirst,
    first: Math.min(o.limit, 100),
  })) {
    found.push(...page.items);
    if (found.length >= o.limit) {
      hasMore = found.length > o.limit || page.pageInfo.hasNextPage;
      break;
    }
  }
  const shown = found.slice(0, o.limit);
  out.result(shown, () =>
    formatTable(
      ['SEQ', 'TIME', 'ACTION', 'OUTCOME', 'ACTOR', 'RESOURCE', 'IP'],
      shown.map((e) => [
        String(e.seq),
        e.time,
        e.action,
        e.outcome,
        e.apiKeyId
          ? `key:${e.apiKeyId.slice(0, 8)}`
          : e.actorId
            ? `user:${e.actorId.slice(0, 8)}`
            : e.actorKind,
        e.resourceType ? `${e.resourceType}:${e.resourceId ?? ''}` : '-',
        e.ip ?? '-',
      ]),
    ),
  );
  if (hasMore && !out.json) {
    out.note(`showing ${shown.length} events; raise --limit or narrow the filter to see more`);
  }
}

interface VerifyOptions {
  json?: boolean;
  reset?: boolean;
}

async function verify(ctx: CommandContext, o: VerifyOptions): Promise<void> {
  const out = ctx.output(o);
  const client = await openClient(ctx.env);
  const me = await client.me();
  const dir = join(
    ctx.env.configDir,
    'audit',
    new URL(client.serverUrl).host.replace(/[^a-zA-Z0-9.-]/g, '_'),
  );
  const base = join(dir, me.tenant.id);
  const previous = o.reset ? undefined : await loadState(base);
  const result = await verifyAuditLog(client.audit, { previous });
  if (result.ok && result.state) {
    await saveState(dir, base, result.state);
    const cp = result.checkpoint!;
    out.result(
      {
        valid: true,
        tenant: me.tenant.slug,
        checked: result.checked,
        checkpoint: cp,
        pinnedNow: result.pinnedNow,
      },
      () =>
        [
          `valid: ${result.checked} entries of ${me.tenant.slug}'s log match checkpoint ${cp.size} (root ${cp.rootHash})`,
          result.pinnedNow
            ? `log key pinned now (trust on first use): ${result.state!.verifierKey}`
            : 'signed by the pinned log key and consistent with the last verified checkpoint',
        ].join('\n'),
    );
    return;
  }
  const where =
    result.firstBadSeq !== undefined
      ? `first bad sequence number: ${result.firstBadSeq}`
      : result.badRange
        ? `first bad sequence number between ${result.badRange.from} and ${result.badRange.to - 1}`
        : 'no single entry can be blamed';
  out.result(
    {
      valid: false,
      tenant: me.tenant.slug,
      problem: result.problem,
      firstBadSeq: result.firstBadSeq ?? null,
      badRange: result.badRange ?? null,
      checkpoint: result.checkpoint ?? null,
    },
    () => `INVALID (${result.problem?.kind}): ${result.problem?.message}\n${where}`,
  );
  throw new VerdictPrinted();
}

async function loadState(base: string): Promise<AuditVerifierState | undefined> {
  let json: string;
  try {
    json = await readFile(`${base}.json`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const leaves = await readFile(`${base}.leaves`).catch(() => Buffer.alloc(0));
  const parsed = JSON.parse(json) as Omit<AuditVerifierState, 'leaves'>;
  if (
    !parsed.verifierKey ||
    !parsed.origin ||
    !parsed.checkpoint ||
    leaves.length !== parsed.checkpoint.size * 32
  ) {
    throw new CliError(
      'BAD_USER_INPUT',
      `${base}.json is damaged; rerun with --reset to trust the server's log key again`,
    );
  }
  return { ...parsed, leaves: new Uint8Array(leaves) };
}

async function saveState(dir: string, base: string, state: AuditVerifierState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { leaves, ...rest } = state;
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // Leaves first: a crash between the renames leaves a state whose size check fails loudly, never a wrong one.
  await writeFile(`${base}.leaves${suffix}`, leaves, { mode: 0o600 });
  await writeFile(`${base}.json${suffix}`, JSON.stringify(rest, null, 2) + '\n', { mode: 0o600 });
  await rename(`${base}.leaves${suffix}`, `${base}.leaves`);
  await rename(`${base}.json${suffix}`, `${base}.json`);
  await chmod(`${base}.json`, 0o600);
}

/** Adds `events` and `verify` to the `audit` command group. */
export function registerAuditLogCommands(audit: Command, ctx: CommandContext): void {
  audit
    .command('events')
    .description("list your tenant's audit events, newest first")
    .option('--action <action>', 'exact action (model.create) or a prefix ending in a dot (model.)')
    .option('--actor <userId>', 'events of this user', uuid)
    .option('--key <apiKeyId>', 'events of this API key', uuid)
    .option('--resource-type <type>', 'e.g. model, api_key, member')
    .option('--resource-id <id>', 'one resource')
    .option('--outcome <outcome>', 'success, denied or error', outcome)
    .option('--since <time>', 'events at or after this time', isoTime)
    .option('--until <time>', 'events before this time', isoTime)
    .option('--limit <n>', 'at most this many events (default 50)', positiveInt, 50)
    .option('--oldest-first', 'oldest first')
    .option('--json', 'machine-readable output')
    .action((options: EventsOptions) => events(ctx, options));
  audit
    .command('verify')
    .description(
      'download the whole log, recompute its tree and check it against the pinned, signed checkpoint',
    )
    .option('--reset', "forget what earlier runs saw and trust the server's log key again")
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
The first run pins the tenant's log key (trust on first use) and remembers the checkpoint and every leaf hash it
checked; later runs require the same key, a log that extends what was verified, and the same entries. Prints
"valid" and exits 0, or names the problem and the first bad sequence number and exits 1.`,
    )
    .action((options: VerifyOptions) => verify(ctx, options));
}
