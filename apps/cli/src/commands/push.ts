import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Limits, isUuid } from '@arca/contracts';
import { ArcaError, isArcaError, type ArcaClient, type Model, type ModelVersion } from '@arca/sdk';
import type { Command } from 'commander';
import { openClient, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatFields } from '../output.js';
import { ProgressLine } from './versions-progress.js';
import {
  checkAlias,
  findModel,
  formatBytes,
  parseModelRef,
  parseTags,
  parseVersionRef,
  resolveVersion,
} from './versions-refs.js';

// `arca push FILE --model M`: a resumable upload of a new version, then (optionally) pointing an alias at it,
// or asking an approver to when the alias is protected.

interface PushOptions {
  model: string;
  alias?: string;
  parent?: string;
  description?: string;
  tags?: string[];
  progress?: boolean;
  json?: boolean;
}

export interface AliasOutcome {
  name: string;
  /** `set`: the alias points at the new version; `pending`: a promotion request waits for an approver. */
  status: 'set' | 'pending';
  requestId?: string;
}

const CHUNK = 1024 * 1024;

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError('USAGE', `cannot read ${file}: not a regular file`);
    return info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new CliError('USAGE', `cannot read ${file}: ${READ_ERRORS[code] ?? (error as Error).message}`);
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `--parent`: a version id, a reference of the same model (3, v3, alias), or MODEL@ALIAS / MODEL:VERSION. */
async function parentVersion(client: ArcaClient, model: Model, parent: string): Promise<string> {
  if (isUuid(parent)) return parent;
  const spec = parent.includes('@') || parent.includes(':') ? parseModelRef(parent) : undefined;
  const version = spec
    ? await resolveVersion(client, spec.model, spec.ref)
    : await resolveVersion(client, model.id, parseVersionRef(parent));
  return version.id;
}

/** Points `alias` at the version; a protected alias turns into a promotion request. */
async function applyAlias(client: ArcaClient, version: ModelVersion, alias: string): Promise<AliasOutcome> {
  try {
    await client.aliases.set(version.modelId, alias, version.id);
    return { name: alias, status: 'set' };
  } catch (error) {
    if (!isArcaError(error, 'FAILED_PRECONDITION')) throw error;
  }
  const request = await client.aliases.request({
    modelId: version.modelId,
    alias,
    versionId: version.id,
    reason: `arca push of version ${version.number}`,
  });
  return { name: alias, status: 'pending', requestId: request.id };
}

function versionFields(model: Model, version: ModelVersion): [string, string][] {
  return [
    ['Model', model.name],
    ['Version', String(version.number)],
    ['ID', version.id],
    ['State', version.state.toLowerCase()],
    ['Size', `${formatBytes(version.sizeBytes)} (${version.sizeBytes} bytes)`],
    ['SHA-256', version.sha256 ?? '-'],
    ['Tags', version.tags.join(', ') || '-'],
  ];
}

async function push(ctx: CommandContext, file: string, o: PushOptions): Promise<void> {
  const out = ctx.output(o);
  const alias = o.alias === undefined ? undefined : checkAlias(o.alias);
  if ((o.description?.length ?? 0) > Limits.modelDescriptionMax) {
    throw new CliError(
      'BAD_USER_INPUT',
      `--description is longer than ${Limits.modelDescriptionMax} characters`,
    );
  }
  const size = await fileSize(file);
  const client = await openClient(ctx.env);
  const model = await findModel(client, o.model);
  const parentVersionId = o.parent === undefined ? undefined : await parentVersion(client, model, o.parent);
  const localSha256 = await fileSha256(file);
  const tty = (ctx.io.stderr as { isTTY?: boolean }).isTTY === true;
  const progress = tty || o.progress ? new ProgressLine(ctx.io.stderr, 'uploading', tty) : undefined;
  let version: ModelVersion;
  try {
    version = await client.transfers.upload({
      modelId: model.id,
      size,
      source: (start) => createReadStream(file, { start, highWaterMark: CHUNK }),
      parentVersionId,
      description: o.description,
      tags: o.tags,
      onProgress: (p) => progress?.update(p),
      onRetry: (r) => (progress ? progress.retry(r) : out.note(`retrying the upload (${r.error.message})`)),
    });
  } finally {
    progress?.end();
  }
  if (version.sha256 && version.sha256 !== localSha256) {
    throw new ArcaError(
      'INTEGRITY_ERROR',
      `version ${version.number} was stored with SHA-256 ${version.sha256}, but ${file} has ${localSha256} (did it change during the upload?)`,
    );
  }
  let aliasOutcome: AliasOutcome | undefined;
  if (alias !== undefined) {
    try {
      aliasOutcome = await applyAlias(client, version, alias);
    } catch (error) {
      out.note(`version ${version.number} is uploaded (${version.id}), but the alias "${alias}" was not set`);
      throw error;
    }
  }
  out.result({ version, alias: aliasOutcome ?? null }, () => {
    const lines = [
      `Pushed ${model.name} version ${version.number}.`,
      '',
      formatFields(versionFields(model, version)),
    ];
    if (aliasOutcome?.status === 'set') {
      lines.push('', `Alias ${alias} now points at version ${version.number}.`);
    }
    if (aliasOutcome?.status === 'pending') {
      lines.push(
        '',
        `Alias ${alias} is protected: promotion request ${aliasOutcome.requestId} is pending approval.`,
        `An approver runs: arca alias approve ${aliasOutcome.requestId}`,
      );
    }
    return lines.join('\n');
  });
}

export function registerPushCommand(program: Command, ctx: CommandContext): void {
  program
    .command('push')
    .description('upload an ONNX file as the next version of a model (resumes after broken connections)')
    .argument('<file>', 'the .onnx file')
    .requiredOption('--model <name-or-id>', 'the model to add a version to')
    .option('--alias <alias>', 'point this alias at the new version (a protected alias asks for approval)')
    .option(
      '--parent <version>',
      'lineage: the version this one derives from (3, v3, an alias, or MODEL@ALIAS)',
    )
    .option('--description <text>', 'what changed in this version')
    .option('--tags <a,b>', 'comma-separated tags', parseTags)
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--json', 'machine-readable output')
    .action((file: string, options: PushOptions) => push(ctx, file, options));
}
