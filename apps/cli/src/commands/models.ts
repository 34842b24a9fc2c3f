import { Limits, isUuid } from '@arca/contracts';
import { isArcaError, type ArcaClient, type Model } from '@arca/sdk';
import type { Command } from 'commander';
import { openClient, type CommandContext } from '../context.js';
import { positiveInt } from '../arguments.js';
import { CliError } from '../errors.js';
import { formatFields, formatTable } from '../output.js';

interface ListOptions {
  query?: string;
  tag: string[];
  archived?: boolean;
  limit: number;
  json?: boolean;
}

interface CreateOptions {
  description?: string;
  tag: string[];
  restricted?: boolean;
  json?: boolean;
}

const DEFAULT_LIMIT = 50;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function checkTags(tags: readonly string[]): void {
  if (tags.length > Limits.tagsMax) {
    throw new CliError('BAD_USER_INPUT', `at most ${Limits.tagsMax} tags are allowed`);
  }
  const bad = tags.find((tag) => !Limits.tagPattern.test(tag));
  if (bad !== undefined) {
    throw new CliError(
      'BAD_USER_INPUT',
      `invalid tag "${bad}": lowercase letters, digits and : . _ - (max 50)`,
    );
  }
}

function modelFields(model: Model): [string, string][] {
  return [
    ['ID', model.id],
    ['Name', model.name],
    ['Description', model.description || '-'],
    ['Visibility', model.visibility.toLowerCase()],
    ['Tags', model.tags.join(', ') || '-'],
    ['Archived', model.archived ? `yes${model.archivedAt ? ` (${model.archivedAt})` : ''}` : 'no'],
    ['Created', model.createdAt],
    ['Updated', model.updatedAt],
  ];
}

async function list(ctx: CommandContext, options: ListOptions): Promise<void> {
  const out = ctx.output(options);
  checkTags(options.tag);
  if (options.query && options.query.length > Limits.searchQueryMax) {
    throw new CliError('BAD_USER_INPUT', `--query is longer than ${Limits.searchQueryMax} characters`);
  }
  const client = await openClient(ctx.env);
  const models: Model[] = [];
  let hasMore = false;
  const pages = client.models.listAll({
    query: options.query,
    tags: options.tag.length ? options.tag : undefined,
    includeArchived: options.archived || undefined,
    first: Math.min(options.limit, Limits.pageSizeMax),
  });
  for await (const page of pages) {
    models.push(...page.items);
    hasMore = page.pageInfo.hasNextPage || models.length > options.limit;
    if (models.length >= options.limit) break;
  }
  models.splice(options.limit);
  out.result({ models, hasMore }, () => {
    if (models.length === 0) return 'No models found.';
    const rows = models.map((m) => [
      m.name,
      m.visibility.toLowerCase(),
      m.archived ? 'archived' : 'active',
      m.tags.join(',') || '-',
      m.updatedAt,
      m.id,
    ]);
    return formatTable(['NAME', 'VISIBILITY', 'STATE', 'TAGS', 'UPDATED', 'ID'], rows);
  });
  if (hasMore && !out.json) out.note(`showing the first ${models.length} models; raise --limit to see more`);
}

async function create(ctx: CommandContext, name: string, options: CreateOptions): Promise<void> {
  const out = ctx.output(options);
  if (!Limits.modelNamePattern.test(name)) {
    throw new CliError(
      'BAD_USER_INPUT',
      `invalid model name "${name}": 1-100 lowercase letters, digits, . _ - starting and ending with a letter or digit`,
    );
  }
  checkTags(options.tag);
  if ((options.description?.length ?? 0) > Limits.modelDescriptionMax) {
    throw new CliError(
      'BAD_USER_INPUT',
      `--description is longer than ${Limits.modelDescriptionMax} characters`,
    );
  }
  const client = await openClient(ctx.env);
  const model = await client.models.create({
    name,
    description: options.description,
    tags: options.tag.length ? options.tag : undefined,
    visibility: options.restricted ? 'RESTRICTED' : undefined,
  });
  out.result(model, () => [`Created model ${model.name}.`, '', formatFields(modelFields(model))].join('\n'));
}

/** By exact name first; then as an id (UUID-shaped input goes straight to the id lookup). */
async function resolveModel(client: ArcaClient, nameOrId: string): Promise<Model> {
  const byId = async (): Promise<Model | null> => {
    try {
      return await client.models.get(nameOrId);
    } catch (error) {
      if (isArcaError(error, 'NOT_FOUND') || isArcaError(error, 'BAD_USER_INPUT')) return null;
      throw error;
    }
  };
  const model = isUuid(nameOrId)
    ? ((await byId()) ?? (await client.models.getByName(nameOrId)))
    : ((await client.models.getByName(nameOrId)) ?? (await byId()));
  if (!model) throw new CliError('NOT_FOUND', `no model named "${nameOrId}" and no model with that id`);
  return model;
}

async function show(ctx: CommandContext, nameOrId: string, options: { json?: boolean }): Promise<void> {
  const out = ctx.output(options);
  const client = await openClient(ctx.env);
  const model = await resolveModel(client, nameOrId);
  out.result(model, () => formatFields(modelFields(model)));
}

export function registerModelCommands(program: Command, ctx: CommandContext): void {
  const models = program.command('models').description('list, create and inspect models');
  models
    .command('list')
    .description('list models, newest first')
    .option('--query <text>', 'search names, descriptions and tags')
    .option('--tag <tag>', 'only models with this tag (repeatable)', collect, [])
    .option('--archived', 'include archived models')
    .option('--limit <n>', `show at most n models (default ${DEFAULT_LIMIT})`, positiveInt, DEFAULT_LIMIT)
    .option('--json', 'machine-readable output')
    .action((options: ListOptions) => list(ctx, options));
  models
    .command('create')
    .description('create a model (versions are uploaded separately)')
    .argument('<name>', 'model name: lowercase letters, digits, . _ -')
    .option('--description <text>', 'what the model does')
    .option('--tag <tag>', 'tag the model (repeatable)', collect, [])
    .option('--restricted', 'visible only to users with a grant on this model (default: internal)')
    .option('--json', 'machine-readable output')
    .action((name: string, options: CreateOptions) => create(ctx, name, options));
  models
    .command('show')
    .description('show one model')
    .argument('<name-or-id>', 'model name or id')
    .option('--json', 'machine-readable output')
    .action((nameOrId: string, options: { json?: boolean }) => show(ctx, nameOrId, options));
}
