import type { ModelVersion, VersionState } from '@arca/sdk';
import { InvalidArgumentError, type Command } from 'commander';
import { openClient, type CommandContext } from '../context.js';
import { positiveInt } from '../arguments.js';
import { formatFields, formatTable } from '../output.js';
import { findModel, formatBytes, parseModelRef, resolveVersion } from './versions-refs.js';

// `arca versions list M` and `arca versions show M[@alias|:version]`.

interface ListOptions {
  state?: VersionState;
  limit: number;
  json?: boolean;
}

const DEFAULT_LIMIT = 50;

function state(value: string): VersionState {
  const upper = value.toUpperCase();
  if (upper !== 'READY' && upper !== 'VALIDATING' && upper !== 'FAILED') {
    throw new InvalidArgumentError('expected ready, validating or failed');
  }
  return upper;
}

export function versionFields(version: ModelVersion): [string, string][] {
  const io = (t: { name: string; elemType: string; shape: string[] }): string =>
    `${t.name} ${t.elemType.toLowerCase()}[${t.shape.join(', ')}]`;
  return [
    ['Version', String(version.number)],
    ['ID', version.id],
    ['State', version.state.toLowerCase()],
    ...(version.state === 'FAILED'
      ? ([['Failure', `${version.failureCode ?? '-'}: ${version.failureReason ?? '-'}`]] as [
          string,
          string,
        ][])
      : []),
    ['Size', `${formatBytes(version.sizeBytes)} (${version.sizeBytes} bytes)`],
    ['SHA-256', version.sha256 ?? '-'],
    ['Inputs', version.inputs.map(io).join('; ') || '-'],
    ['Outputs', version.outputs.map(io).join('; ') || '-'],
    ['Opsets', version.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || '-'],
    ['Parameters', version.parameterCount === null ? '-' : String(version.parameterCount)],
    ['Producer', version.producer ?? '-'],
    ['Parent', version.parentVersionId ?? '-'],
    ['Description', version.description || '-'],
    ['Tags', version.tags.join(', ') || '-'],
    ['Created', version.createdAt],
  ];
}

async function list(ctx: CommandContext, model: string, o: ListOptions): Promise<void> {
  const out = ctx.output(o);
  const client = await openClient(ctx.env);
  const found = await findModel(client, model);
  const versions: ModelVersion[] = [];
  let hasMore = false;
  for await (const page of client.versions.listAll(found.id, {
    state: o.state,
    first: Math.min(o.limit, 100),
  })) {
    versions.push(...page.items);
    if (versions.length >= o.limit) {
      hasMore = versions.length > o.limit || page.pageInfo.hasNextPage;
      break;
    }
  }
  versions.splice(o.limit);
  out.result({ versions, hasMore }, () => {
    if (versions.length === 0) return `No versions of ${found.name}.`;
    return formatTable(
      ['VERSION', 'STATE', 'SIZE', 'SHA-256', 'TAGS', 'CREATED', 'ID'],
      versions.map((v) => [
        String(v.number),
        v.state.toLowerCase(),
        formatBytes(v.sizeBytes),
        v.sha256 ? v.sha256.slice(0, 12) : '-',
        v.tags.join(',') || '-',
        v.createdAt,
        v.id,
      ]),
    );
  });
  if (hasMore && !out.json) {
    out.note(`showing the first ${versions.length} versions; raise --limit to see more`);
  }
}

async function show(ctx: CommandContext, spec: string, o: { json?: boolean }): Promise<void> {
  const out = ctx.output(o);
  const ref = parseModelRef(spec);
  const client = await openClient(ctx.env);
  const version = await resolveVersion(client, ref.model, ref.ref);
  out.result(version, () => formatFields(versionFields(version)));
}

export function registerVersionCommands(program: Command, ctx: CommandContext): void {
  const versions = program.command('versions').description('list and inspect model versions');
  versions
    .command('list')
    .description('list the versions of a model, newest first')
    .argument('<model>', 'model name or id')
    .option('--state <state>', 'only ready, validating or failed versions', state)
    .option('--limit <n>', `show at most n versions (default ${DEFAULT_LIMIT})`, positiveInt, DEFAULT_LIMIT)
    .option('--json', 'machine-readable output')
    .action((model: string, options: ListOptions) => list(ctx, model, options));
  versions
    .command('show')
    .description('show one version')
    .argument('<model-ref>', 'MODEL (latest ready version), MODEL@ALIAS or MODEL:VERSION')
    .option('--json', 'machine-readable output')
    .action((spec: string, options: { json?: boolean }) => show(ctx, spec, options));
}
