import { Limits, isUuid } from '@arca/contracts';
import { isArcaError, type ArcaClient, type Model, type ModelVersion } from '@arca/sdk';
import { CliError } from '../errors.js';

// Shared by push, pull, versions and alias: model and version references as users type them, and their
// resolution against the server.

/** `M`, `M@alias` or `M:version` (`3` or `v3`): the model (name or id) and the version reference. */
export interface ModelRef {
  model: string;
  /** Undefined means `latest`: the newest ready version. */
  ref?: string;
}

const ALIAS = /^[a-z][a-z0-9._-]{0,63}$/;
const NUMBER = /^v?(\d{1,9})$/i;

const badRef = (message: string): CliError => new CliError('BAD_USER_INPUT', message);

function checkModel(model: string, spec: string): void {
  if (model === '') throw badRef(`"${spec}" names no model: expected MODEL, MODEL@ALIAS or MODEL:VERSION`);
  if (!isUuid(model) && !Limits.modelNamePattern.test(model)) {
    throw badRef(`"${model}" is not a model name or id (lowercase letters, digits, . _ -)`);
  }
}

/** A version reference alone: `latest`, `3`, `v3` or an alias name. */
export function parseVersionRef(ref: string): string {
  const n = NUMBER.exec(ref);
  if (n && Number(n[1]) >= 1) return String(Number(n[1]));
  if (!n && (ref === 'latest' || ALIAS.test(ref))) return ref;
  throw badRef(
    `"${ref}" is not a version: expected a number (3 or v3), an alias (lowercase, starting with a letter) or latest`,
  );
}

/** Parses `M`, `M@alias` or `M:version` with a clear error for everything else. */
export function parseModelRef(spec: string): ModelRef {
  const at = spec.indexOf('@');
  const colon = spec.indexOf(':');
  if (at >= 0 && colon >= 0) {
    throw badRef(`"${spec}" has both @ and :; use MODEL@ALIAS or MODEL:VERSION`);
  }
  if (at < 0 && colon < 0) {
    checkModel(spec, spec);
    return { model: spec };
  }
  const sep = at >= 0 ? at : colon;
  const model = spec.slice(0, sep);
  const ref = spec.slice(sep + 1);
  checkModel(model, spec);
  if (at >= 0) {
    if (ref.includes('@')) throw badRef(`"${spec}" has more than one @`);
    if (ref === 'latest') return { model };
    if (NUMBER.test(ref)) throw badRef(`"${spec}": version numbers go after a colon, e.g. ${model}:${ref}`);
    if (!ALIAS.test(ref)) {
      throw badRef(
        `"${ref}" is not an alias name: lowercase letters, digits, . _ -, starting with a letter (max 64)`,
      );
    }
    return { model, ref };
  }
  if (ref.includes(':')) throw badRef(`"${spec}" has more than one :`);
  const n = NUMBER.exec(ref);
  if (!n || Number(n[1]) < 1) {
    throw badRef(
      `"${ref}" is not a version number: expected MODEL:3 or MODEL:v3 (use MODEL@ALIAS for aliases)`,
    );
  }
  return { model, ref: String(Number(n[1])) };
}

/** How a reference reads in messages: `resnet-50@prod`, `resnet-50:3`, `resnet-50 (latest)`. */
export function describeRef({ model, ref }: ModelRef): string {
  if (ref === undefined) return `${model} (latest)`;
  return /^\d+$/.test(ref) ? `${model}:${ref}` : `${model}@${ref}`;
}

/** A model by exact name, or by id for UUID-shaped input. */
export async function findModel(client: ArcaClient, nameOrId: string): Promise<Model> {
  if (isUuid(nameOrId)) {
    try {
      return await client.models.get(nameOrId);
    } catch (error) {
      if (!isArcaError(error, 'NOT_FOUND')) throw error;
    }
  }
  const model = await client.models.getByName(nameOrId);
  if (!model) throw new CliError('NOT_FOUND', `no model named "${nameOrId}" and no model with that id`);
  return model;
}

/** The version a reference points at; a version id (UUID) is taken as is. */
export async function resolveVersion(client: ArcaClient, model: string, ref?: string): Promise<ModelVersion> {
  if (ref !== undefined && isUuid(ref)) return client.versions.get(ref);
  try {
    return await client.versions.resolve(model, ref);
  } catch (error) {
    if (isArcaError(error, 'NOT_FOUND')) {
      const what = ref === undefined ? 'no ready version' : `no version "${ref}"`;
      throw new CliError('NOT_FOUND', `${what} of model "${model}"`);
    }
    throw error;
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `1.21 GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value.toFixed(value < 10 && unit >= 3 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Comma-separated tags, checked like `models create --tag`. */
export function parseTags(value: string): string[] {
  const tags = value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  if (tags.length > Limits.tagsMax) throw badRef(`at most ${Limits.tagsMax} tags are allowed`);
  const bad = tags.find((tag) => !Limits.tagPattern.test(tag));
  if (bad !== undefined) throw badRef(`invalid tag "${bad}": lowercase letters, digits and : . _ - (max 50)`);
  return tags;
}

/** An alias name as the server accepts it. */
export function checkAlias(alias: string): string {
  if (alias === 'latest' || !ALIAS.test(alias)) {
    throw badRef(
      `invalid alias "${alias}": lowercase letters, digits, . _ -, starting with a letter (max 64; not "latest")`,
    );
  }
  return alias;
}
