import { ArcaError, isArcaError } from '../errors.js';
import type { Transport } from '../transport.js';
import type { VersionsApi } from '../versions.js';
import type { DownloadGrant } from '../versions-types.js';
import {
  DEFAULT_RETRIES,
  StallWatchdog,
  backoffMs,
  chunks,
  isRetryable,
  sleep,
  transferError,
  type TransferOptions,
} from './http.js';
import { createSha256, type Sha256 } from './sha256.js';

/** Where downloaded bytes go, in order: a WritableStream (closed on success, aborted on failure) or a callback. */
export type DownloadSink = WritableStream<Uint8Array> | ((chunk: Uint8Array) => unknown);

export interface DownloadOptions extends TransferOptions {
  versionId: string;
  sink: DownloadSink;
  /**
   * The bytes the sink already holds from an earlier, interrupted download of the same version: they are
   * hashed, then the download continues after them (`Range`). The caller must make sure they belong to this
   * version; a mismatch surfaces as INTEGRITY_ERROR at the end.
   */
  resumeFrom?: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
}

export interface DownloadResult {
  versionId: string;
  sizeBytes: number;
  /** The verified SHA-256 (hex) of every byte the sink received, including `resumeFrom`. */
  sha256: string;
  /** Bytes fetched by this call (without `resumeFrom`). */
  fetchedBytes: number;
}

type GrantStatus = { state: 'active' | 'completed' | 'expired' | 'failed'; failureCode: string | null };

/** The token at the end of a download path: what must never reach a message or a log. */
const linkSecret = (grant: DownloadGrant): string => grant.url.split('/').pop() ?? grant.url;

const integrityError = (message: string, cause?: unknown): ArcaError =>
  new ArcaError('INTEGRITY_ERROR', message, { cause });

/** createDownload → GET (resumed with Range after a break) → SHA-256 check; see TransfersApi.download. */
export async function download(
  transport: Transport,
  versions: VersionsApi,
  options: DownloadOptions,
): Promise<DownloadResult> {
  options.signal?.throwIfAborted();
  const session = new DownloadSession(transport, versions, options);
  const { sink } = options;
  const writer = typeof sink === 'function' ? undefined : sink.getWriter();
  const write = writer
    ? (chunk: Uint8Array) => writer.write(chunk)
    : (sink as (chunk: Uint8Array) => unknown);
  try {
    const result = await session.run(write);
    await writer?.close();
    return result;
  } catch (error) {
    await writer?.abort(error).catch(() => undefined);
    throw error;
  }
}

class DownloadSession {
  private readonly hasher: Sha256 = createSha256();
  private readonly retries: number;
  /** Bytes the sink holds (and the hasher has seen). */
  private written = 0;
  private fetched = 0;

  constructor(
    private readonly transport: Transport,
    private readonly versions: VersionsApi,
    private readonly options: DownloadOptions,
  ) {
    this.retries = options.retries ?? DEFAULT_RETRIES;
  }

  async run(write: (chunk: Uint8Array) => unknown): Promise<DownloadResult> {
    const { versionId, signal } = this.options;
    if (this.options.resumeFrom) {
      const existing = chunks(this.options.resumeFrom);
      for (let next = await existing.next(); !next.done; next = await existing.next()) {
        this.hasher.update(next.value);
        this.written += next.value.length;
      }
    }
    let grant = await this.versions.createDownload(versionId);
    const { sizeBytes: size } = grant;
    const expected = grant.sha256.toLowerCase();
    if (this.written > size) {
      throw new ArcaError(
        'BAD_USER_INPUT',
        `the partial download holds ${this.written} bytes, more than the version's ${size}: start over`,
      );
    }
    let failures = 0;
    while (this.written < size) {
      const before = this.written;
      let error: ArcaError;
      let sinkError: { error: unknown } | undefined;
      try {
        await this.fetch(grant, size, async (chunk) => {
          try {
            await write(chunk);
          } catch (caught) {
            sinkError = { error: caught };
            throw caught;
          }
        });
        if (this.written === size) break;
        error = new ArcaError('NETWORK_ERROR', `the download ended after ${this.written} of ${size} bytes`);
      } catch (caught) {
        if (sinkError) throw sinkError.error;
        // NOT_FOUND: the link expired or is used up; a new grant continues from the same byte.
        if (!isRetryable(caught) && !isArcaError(caught, 'NOT_FOUND')) throw caught;
        error = caught;
      }
      // A connection the server cut: did it stop because the stored model failed to authenticate?
      const status = await this.status(grant).catch(() => undefined);
      if (status?.state === 'failed' || status?.failureCode) {
        throw integrityError(
          `the server stopped the download: the stored model failed its integrity check (${status.failureCode ?? 'failed'})`,
          error,
        );
      }
      failures = this.written > before ? 1 : failures + 1;
      if (failures > this.retries) throw error;
      const delayMs = backoffMs(failures, this.options.retryDelayMs);
      this.options.onRetry?.({ attempt: failures, retries: this.retries, delayMs, error });
      await sleep(delayMs, signal);
      if (!status || status.state !== 'active') {
        const next = await this.versions.createDownload(versionId);
        if (next.sha256.toLowerCase() !== expected || next.sizeBytes !== size) {
          throw integrityError('the server describes the version differently than before');
        }
        grant = next;
      }
    }
    const actual = this.hasher.digestHex();
    if (actual !== expected) {
      throw integrityError(
        `SHA-256 mismatch: received ${actual}, the version has ${expected}; the bytes must not be used`,
      );
    }
    return { versionId, sizeBytes: size, sha256: actual, fetchedBytes: this.fetched };
  }

  /** One GET from `this.written`; every chunk is size-checked, hashed and written before the next is read. */
  private async fetch(
    grant: DownloadGrant,
    size: number,
    write: (chunk: Uint8Array) => Promise<void>,
  ): Promise<void> {
    const watchdog = new StallWatchdog(this.transport.requestTimeoutMs, this.options.signal);
    const start = this.written;
    const headers: Record<string, string> = { accept: 'application/octet-stream' };
    if (start > 0) headers.range = `bytes=${start}-`;
    try {
      const res = await this.transport.raw(grant.url, { method: 'GET', headers, signal: watchdog.signal });
      if (res.status !== 200 && res.status !== 206) throw await transferError(res, linkSecret(grant));
      // A 200 to a ranged request carries the whole file: skip what the sink already has.
      let skip = res.status === 200 ? start : 0;
      if (res.status === 206 && !res.headers.get('content-range')?.startsWith(`bytes ${start}-`)) {
        await res.body?.cancel();
        throw new ArcaError('HTTP_ERROR', 'the server answered a different byte range than asked for', {
          httpStatus: 206,
        });
      }
      if (!res.body) return;
      const body = chunks(res.body);
      for (let next = await body.next(); !next.done; next = await body.next()) {
        watchdog.kick();
        let chunk = next.value;
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length);
          chunk = chunk.subarray(drop);
          skip -= drop;
        }
        if (chunk.length === 0) continue;
        if (this.written + chunk.length > size) {
          await body.return?.();
          throw integrityError(`the server sent more than the version's ${size} bytes`);
        }
        this.hasher.update(chunk);
        await write(chunk);
        this.written += chunk.length;
        this.fetched += chunk.length;
        this.options.onProgress?.({ transferred: this.written, total: size });
      }
    } catch (error) {
      throw watchdog.explain(error);
    } finally {
      watchdog.stop();
    }
  }

  private async status(grant: DownloadGrant): Promise<GrantStatus> {
    const watchdog = new StallWatchdog(this.transport.requestTimeoutMs, this.options.signal);
    try {
      const res = await this.transport.raw(`${grant.url}/status`, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: watchdog.signal,
      });
      if (!res.ok) throw await transferError(res, linkSecret(grant));
      return (await res.json()) as GrantStatus;
    } finally {
      watchdog.stop();
    }
  }
}
