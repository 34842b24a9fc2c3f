import { isUuid } from '@arca/contracts';
import { ArcaError, isArcaError, type PromotionRequest } from '@arca/sdk';
import { InvalidArgumentError, type Command } from 'commander';
import { openClient, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatFields, formatTable } from '../output.js';
import { checkAlias, findModel, parseVersionRef, resolveVersion } from './versions-refs.js';

// `arca alias list|set|request|approve|reject`: aliases point at versions; protected ones move only through an
// approved promotion request.

function requestId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('expected a promotion request id (UUID)');
  return value;
}

function requestFields(r: PromotionRequest): [string, string][] {
  return [
    ['Request', r.id],
    ['State', r.state.toLowerCase()],
    ['Alias', r.alias],
    ['Version', `${r.versionNumber} (${r.versionId})`],
    ['Reason', r.reason ?? '-'],
    ['Requested by', r.requestedById],
    ['Decided by', r.decidedById ?? '-'],
    ['Note', r.decisionNote ?? '-'],
    ['Created', r.createdAt],
    ['Decided', r.decidedAt ?? '-'],
  ];
}

async function list(ctx: CommandContext, model: string, o: { json?: boolean }): Promise<void> {
  const out = ctx.output(o);
  const client = await openClient(ctx.env);
  const found = await findModel(client, model);
  const aliases = await client.aliases.list(found.id);
  out.result(aliases, () => {
    if (aliases.length === 0) return `No aliases on ${found.name}.`;
    return formatTable(
      ['ALIAS', 'VERSION', 'PROTECTED', 'UPDATED', 'VERSION ID'],
      aliases.map((a) => [
        a.name,
        String(a.versionNumber),
        a.protected ? 'yes' : 'no',
        a.updatedAt,
        a.versionId,
      ]),
    );
  });
}

/** The model and the version (a ref of that model: 3, v3, an alias, or a version id). */
async function target(ctx: CommandContext, model: string, version: string) {
  const client = await openClient(ctx.env);
  const found = await findModel(client, model);
  const resolved = await resolveVersion(
    client,
    found.id,
    isUuid(version) ? version : parseVersionRef(version),
  );
  if (resolved.modelId !== found.id) {
    throw new CliError('BAD_USER_INPUT', `version ${version} belongs to another model`);
  }
  return { client, model: found, version: resolved };
}

async function set(
  ctx: CommandContext,
  model: string,
  alias: string,
  version: string,
  o: { json?: boolean },
) {
  const out = ctx.output(o);
  checkAlias(alias);
  const t = await target(ctx, model, version);
  try {
    const result = await t.client.aliases.set(t.model.id, alias, t.version.id);
    out.result(
      result,
      () => `Alias ${alias} of ${t.model.name} now points at version ${result.versionNumber}.`,
    );
  } catch (error) {
    if (!isArcaError(error, 'FAILED_PRECONDITION')) throw error;
    throw new ArcaError(
      'FAILED_PRECONDITION',
      `${error.message}; to ask an approver, run: arca alias request ${t.model.name} ${alias} ${t.version.number}`,
      { httpStatus: error.httpStatus, requestId: error.requestId, cause: error },
    );
  }
}

async function request(
  ctx: CommandContext,
  model: string,
  alias: string,
  version: string,
  o: { reason?: string; json?: boolean },
) {
  const out = ctx.output(o);
  checkAlias(alias);
  const t = await target(ctx, model, version);
  const r = await t.client.aliases.request({
    modelId: t.model.id,
    alias,
    versionId: t.version.id,
    reason: o.reason,
  });
  out.result(r, () =>
    [
      `Requested ${alias} → version ${r.versionNumber} of ${t.model.name}; waiting for an approver.`,
      '',
      formatFields(requestFields(r)),
    ].join('\n'),
  );
}

async function decide(
  ctx: CommandContext,
  approve: boolean,
  id: string,
  o: { note?: string; json?: boolean },
) {
  const out = ctx.output(o);
  const client = await openClient(ctx.env);
  const r = approve ? await client.aliases.approve(id, o.note) : await client.aliases.reject(id, o.note);
  out.result(r, () =>
    [
      approve
        ? `Approved: alias ${r.alias} now points at version ${r.versionNumber}.`
        : `Rejected the request to point ${r.alias} at version ${r.versionNumber}.`,
      '',
      formatFields(requestFields(r)),
    ].join('\n'),
  );
}

export function registerAliasCommands(program: Command, ctx: CommandContext): void {
  const alias = program
    .command('alias')
    .description('point aliases at versions; request and approve promotions');
  alias
    .command('list')
    .description("list a model's aliases")
    .argument('<model>', 'model name or id')
    .option('--json', 'machine-readable output')
    .action((model: string, options: { json?: boolean }) => list(ctx, model, options));
  alias
    .command('set')
    .description('point an unprotected alias at a version')
    .argument('<model>', 'model name or id')
    .argument('<alias>', 'alias name, e.g. staging')
    .argument('<version>', 'version number (3 or v3), another alias, or a version id')
    .option('--json', 'machine-readable output')
    .action((model: string, name: string, version: string, options: { json?: boolean }) =>
      set(ctx, model, name, version, options),
    );
  alias
    .command('request')
    .description('ask an approver to point a (protected) alias at a version')
    .argument('<model>', 'model name or id')
    .argument('<alias>', 'alias name, e.g. prod')
    .argument('<version>', 'version number (3 or v3), another alias, or a version id')
    .option('--reason <text>', 'why, for the approver')
    .option('--json', 'machine-readable output')
    .action((model: string, name: string, version: string, options: { reason?: string; json?: boolean }) =>
      request(ctx, model, name, version, options),
    );
  alias
    .command('approve')
    .description('approve a pending promotion request (moves the alias)')
    .argument('<request-id>', 'promotion request id', requestId)
    .option('--note <text>', 'a note for the record')
    .option('--json', 'machine-readable output')
    .action((id: string, options: { note?: string; json?: boolean }) => decide(ctx, true, id, options));
  alias
    .command('reject')
    .description('reject a pending promotion request')
    .argument('<request-id>', 'promotion request id', requestId)
    .option('--note <text>', 'a note for the record')
    .option('--json', 'machine-readable output')
    .action((id: string, options: { note?: string; json?: boolean }) => decide(ctx, false, id, options));
}
