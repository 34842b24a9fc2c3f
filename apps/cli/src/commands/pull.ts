import { constants, createReadStream } from 'node:fs';
import { link, lstat, open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isArcaError, type DownloadResult, type ModelVersion } from '@arca/sdk';
import type { Command } from 'commander';
import { openClient, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { ProgressLine } from './versions-progress.js';
import { describeRef, formatBytes, parseModelRef, resolveVersion } from './versions-refs.js';

// `arca pull M[@alias|:version] --out FILE`: downloads into FILE.partial (mode 0600, same directory), verifies
// the SHA-256, then renames. FILE.partial.json remembers which version the partial bytes belong to, so a later
// run resumes them only for that same version. Bytes that failed verification are deleted, never kept.

interface PullOptions {
  out: string;
  force?: boolean;
  progress?: boolean;
  json?: boolean;
}

/** What FILE.partial holds. */
export interface PartialSidecar {
  versionId: string;
  sha256: string;
  sizeBytes: number;
}

const CHUNK = 1024 * 1024;

async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

async function readSidecar(path: string): Promise<PartialSidecar | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<PartialSidecar>;
    if (typeof value.versionId !== 'string' || typeof value.sha256 !== 'string') return undefined;
    if (typeof value.sizeBytes !== 'number') return undefined;
    return value as PartialSidecar;
  } catch {
    return undefined;
  }
}

/**
 * The number of bytes of FILE.partial to resume from, or 0 after clearing a partial file that is not ours to
 * resume (another version, no sidecar, not a regular file, longer than the version).
 */
export async function resumableBytes(
  partial: string,
  sidecar: string,
  version: ModelVersion,
): Promise<number> {
  const info = await lstat(partial).catch(() => undefined);
  const meta = await readSidecar(sidecar);
  const same =
    info?.isFile() === true &&
    meta?.versionId === version.id &&
    meta.sha256 === version.sha256 &&
    info.size <= version.sizeBytes;
  if (same) return info.size;
  await removeIfPresent(partial);
  await removeIfPresent(sidecar);
  return 0;
}

async function openPartial(partial: string, resume: boolean): Promise<FileHandle> {
  const flags = resume
    ? constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW
    : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(partial, flags, 0o600);
  await handle.chmod(0o600);
  return handle;
}

/** Moves the verified file into place; without `force` it never replaces a file that appeared meanwhile. */
async function publish(partial: string, out: string, force: boolean): Promise<void> {
  if (force) {
    await rename(partial, out);
    return;
  }
  try {
    await link(partial, out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError('USAGE', `${out} already exists; pass --force to overwrite it`);
    }
    throw error;
  }
  await unlink(partial);
}

async function pull(ctx: CommandContext, spec: string, o: PullOptions): Promise<void> {
  const out = ctx.output(o);
  const ref = parseModelRef(spec);
  const target = resolve(o.out);
  const info = await lstat(target).catch(() => undefined);
  if (info?.isDirectory()) throw new CliError('USAGE', `${o.out} is a directory; give a file name`);
  if (info && !o.force) throw new CliError('USAGE', `${o.out} already exists; pass --force to overwrite it`);
  const partial = join(dirname(target), `${basename(target)}.partial`);
  const sidecar = `${partial}.json`;
  const client = await openClient(ctx.env);
  const version = await resolveVersion(client, ref.model, ref.ref);
  if (version.state !== 'READY') {
    const why = version.failureReason ? `: ${version.failureReason}` : '';
    throw new CliError('BAD_USER_INPUT', `version ${version.number} is ${version.state.toLowerCase()}${why}`);
  }
  const resumedFrom = await resumableBytes(partial, sidecar, version);
  const meta: PartialSidecar = {
    versionId: version.id,
    sha256: version.sha256 ?? '',
    sizeBytes: version.sizeBytes,
  };
  await writeFile(sidecar, JSON.stringify(meta), { mode: 0o600 });
  const handle = await openPartial(partial, resumedFrom > 0);
  const tty = (ctx.io.stderr as { isTTY?: boolean }).isTTY === true;
  const progress = tty || o.progress ? new ProgressLine(ctx.io.stderr, 'downloading', tty) : undefined;
  if (resumedFrom > 0 && !out.json) {
    out.note(`resuming at ${formatBytes(resumedFrom)} of ${formatBytes(version.sizeBytes)}`);
  }
  let result: DownloadResult;
  try {
    result = await client.transfers.download({
      versionId: version.id,
      sink: async (chunk) => {
        await handle.write(chunk);
      },
      resumeFrom:
        resumedFrom > 0
          ? createReadStream(partial, { end: resumedFrom - 1, highWaterMark: CHUNK })
          : undefined,
      onProgress: (p) => progress?.update(p),
      onRetry: (r) => (progress ? progress.retry(r) : out.note(`retrying the download (${r.error.message})`)),
    });
    await handle.sync();
  } catch (error) {
    progress?.end();
    await handle.close();
    if (isArcaError(error, 'INTEGRITY_ERROR') || isArcaError(error, 'BAD_USER_INPUT')) {
      // Unverified bytes never stay on disk.
      await removeIfPresent(partial);
      await removeIfPresent(sidecar);
    } else {
      out.note(`kept ${basename(partial)}: run the same command again to resume`);
    }
    throw error;
  }
  progress?.end();
  await handle.close();
  await publish(partial, target, o.force === true);
  await removeIfPresent(sidecar);
  const summary = {
    file: o.out,
    modelId: version.modelId,
    versionId: version.id,
    number: version.number,
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    resumedFrom,
  };
  out.result(
    summary,
    () =>
      `Pulled ${describeRef(ref)} version ${version.number} to ${o.out} (${formatBytes(result.sizeBytes)}, SHA-256 ${result.sha256} verified).`,
  );
}

export function registerPullCommand(program: Command, ctx: CommandContext): void {
  program
    .command('pull')
    .description('download a model version and verify its SHA-256 (resumes an interrupted pull)')
    .argument('<model-ref>', 'MODEL (latest ready version), MODEL@ALIAS or MODEL:VERSION (3 or v3)')
    .requiredOption('--out <file>', 'where to write the model')
    .option('--force', 'overwrite --out if it exists')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--json', 'machine-readable output')
    .action((spec: string, options: PullOptions) => pull(ctx, spec, options));
}
