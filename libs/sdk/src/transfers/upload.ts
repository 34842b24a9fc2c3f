import { ArcaError } from '../errors.js';
import type { Transport } from '../transport.js';
import type { VersionsApi } from '../versions.js';
import type { ModelVersion, Upload, UploadProgress } from '../versions-types.js';
import {
  DEFAULT_RETRIES,
  StallWatchdog,
  VersionFailedError,
  backoffMs,
  chunks,
  isRetryable,
  sleep,
  transferError,
  type TransferOptions,
} from './http.js';

/**
 * The bytes of the file from offset `start` to its end. Called again with a later `start` to resume, so it must
 * be able to re-read (a file, a Blob, a buffer), not a one-shot pipe.
 */
export type UploadSource = (start: number) => AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface UploadOptions extends TransferOptions {
  modelId: string;
  /** Exact size of the file in bytes. */
  size: number;
  source: UploadSource;
  /** Lineage: the version this one derives from. */
  parentVersionId?: string;
  description?: string;
  tags?: readonly string[];
}

/** createUpload → PUT (resumed from the server's count after a break) → finalize; see TransfersApi.upload. */
export async function upload(
  transport: Transport,
  versions: VersionsApi,
  options: UploadOptions,
): Promise<ModelVersion> {
  const { size } = options;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ArcaError('BAD_USER_INPUT', 'size must be a non-negative integer');
  }
  options.signal?.throwIfAborted();
  const staged = await versions.createUpload({
    modelId: options.modelId,
    sizeBytes: size,
    parentVersionId: options.parentVersionId,
  });
  if (!staged.token) throw new ArcaError('INTERNAL_SERVER_ERROR', 'the server sent no upload token');
  try {
    await new UploadSession(transport, staged, staged.token, options).run();
  } catch (error) {
    // Best effort: the server deletes what it stored (an unfinished upload also expires on its own).
    await versions.abortUpload(staged.id).catch(() => undefined);
    throw error;
  }
  const input = { description: options.description, tags: options.tags };
  const version = await withRetries(options, () => versions.finalize(staged.id, input));
  if (version.state === 'FAILED') throw new VersionFailedError(version);
  return version;
}

/** Finalize is idempotent on the server, so a broken connection is simply retried. */
async function withRetries<T>(options: TransferOptions, attempt: () => Promise<T>): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryable(error) || failures > retries) throw error;
      const delayMs = backoffMs(failures, options.retryDelayMs);
      options.onRetry?.({ attempt: failures, retries, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

class UploadSession {
  private readonly retries: number;

  constructor(
    private readonly transport: Transport,
    private readonly staged: Upload,
    private readonly token: string,
    private readonly options: UploadOptions,
  ) {
    this.retries = options.retries ?? DEFAULT_RETRIES;
  }

  /** Sends until the server has every byte. Failures that moved no bytes count against `retries`. */
  async run(): Promise<void> {
    const { size, signal } = this.options;
    let offset = 0;
    let failures = 0;
    for (;;) {
      let error: ArcaError;
      try {
        const progress = await this.put(offset);
        if (progress.complete) return;
        // The body went out whole but the server kept less (a proxy cut it short?): resume from its count.
        error = new ArcaError('NETWORK_ERROR', `the server kept ${progress.receivedSize} of ${size} bytes`);
        if (progress.receivedSize > offset) failures = 0;
        offset = progress.receivedSize;
      } catch (caught) {
        if (!isRetryable(caught)) throw caught;
        error = caught;
      }
      failures++;
      if (failures > this.retries) throw error;
      const delayMs = backoffMs(failures, this.options.retryDelayMs);
      this.options.onRetry?.({ attempt: failures, retries: this.retries, delayMs, error });
      await sleep(delayMs, signal);
      try {
        const status = await this.status();
        if (status.complete) return;
        if (status.receivedSize > offset) failures = 0;
        offset = status.receivedSize;
        this.options.onProgress?.({ transferred: offset, total: size });
      } catch (caught) {
        // Keep the offset: if it is stale, the next PUT's 409 CONFLICT sends us back here.
        if (!isRetryable(caught)) throw caught;
      }
    }
  }

  /** One PUT of the bytes from `start`; resolves with the server's count when the body went out whole. */
  private async put(start: number): Promise<UploadProgress> {
    const watchdog = new StallWatchdog(this.transport.requestTimeoutMs, this.options.signal);
    const source: { error?: Error } = {};
    const expected = this.options.size - start;
    const body =
      expected === 0
        ? new Uint8Array(0)
        : this.body(start, watchdog, (error) => {
            source.error ??= error instanceof Error ? error : new Error(String(error));
          });
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      'content-type': 'application/octet-stream',
      accept: 'application/json',
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-*/*`;
    try {
      const res = await this.transport.raw(this.staged.url, {
        method: 'PUT',
        headers,
        body,
        signal: watchdog.signal,
      });
      // A source that failed ends the body early; whatever the server answered, that is the error to report.
      if (source.error) throw source.error;
      if (!res.ok) throw await transferError(res, this.token);
      return (await res.json()) as UploadProgress;
    } catch (error) {
      if (source.error) throw source.error;
      throw watchdog.explain(error);
    } finally {
      watchdog.stop();
    }
  }

  /** The source from `start` as a request body that checks its length and reports progress. */
  private body(
    start: number,
    watchdog: StallWatchdog,
    onSourceError: (error: unknown) => void,
  ): ReadableStream<Uint8Array> {
    const { size, onProgress } = this.options;
    const expected = size - start;
    let iterator: AsyncIterator<Uint8Array> | undefined;
    let sent = 0;
    // Set when the request gives up on the body (broken connection, stall): a read still in flight then ends
    // quietly; it is not the source's fault.
    let cancelled = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          iterator ??= chunks(this.options.source(start));
          const next = await iterator.next();
          if (cancelled) return;
          if (next.done) {
            if (sent < expected) {
              throw new ArcaError(
                'BAD_USER_INPUT',
                `the source ended after ${start + sent} bytes, but the upload was declared as ${size} bytes`,
              );
            }
            controller.close();
            return;
          }
          const chunk = next.value;
          if (sent + chunk.length > expected) {
            throw new ArcaError('BAD_USER_INPUT', `the source holds more than the declared ${size} bytes`);
          }
          sent += chunk.length;
          watchdog.kick();
          if (chunk.length > 0) controller.enqueue(chunk);
          onProgress?.({ transferred: start + sent, total: size });
        } catch (error) {
          if (cancelled) return;
          onSourceError(error);
          controller.error(error);
          await iterator?.return?.();
        }
      },
      cancel: async () => {
        cancelled = true;
        await iterator?.return?.();
      },
    });
  }

  private async status(): Promise<UploadProgress> {
    const watchdog = new StallWatchdog(this.transport.requestTimeoutMs, this.options.signal);
    try {
      const res = await this.transport.raw(this.staged.url, {
        method: 'GET',
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        signal: watchdog.signal,
      });
      if (!res.ok) throw await transferError(res, this.token);
      return (await res.json()) as UploadProgress;
    } catch (error) {
      throw watchdog.explain(error);
    } finally {
      watchdog.stop();
    }
  }
}

/** An UploadSource over bytes in memory, in 1 MiB chunks. */
export function bytesSource(bytes: Uint8Array, chunkSize = 1024 * 1024): UploadSource {
  return (start: number) => {
    let at = start;
    return {
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<Uint8Array>> => {
          if (at >= bytes.length) return Promise.resolve({ done: true, value: undefined });
          const chunk = bytes.subarray(at, Math.min(at + chunkSize, bytes.length));
          at += chunk.length;
          return Promise.resolve({ done: false, value: chunk });
        },
      }),
    };
  };
}

/** An UploadSource over a Blob or File (browsers, and Node ≥ 20 for `fs.openAsBlob`). */
export function blobSource(blob: Blob): UploadSource {
  return (start) => blob.slice(start).stream();
}
