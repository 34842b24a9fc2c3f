// Plumbing shared by uploads and downloads: error bodies of the byte endpoints, the stall watchdog, retry policy.
import { ArcaError, toErrorCode } from '../errors.js';
import type { ModelVersion } from '../versions-types.js';

/** A finalized upload that failed validation: the bytes are stored but the version is FAILED. */
export class VersionFailedError extends ArcaError {
  /** The server's reason code, e.g. ONNX_MALFORMED. */
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly version: ModelVersion;

  constructor(version: ModelVersion) {
    super(
      'VERSION_FAILED',
      `version ${version.number} failed validation: ${version.failureReason ?? version.failureCode ?? 'no reason given'}`,
    );
    this.version = version;
    this.failureCode = version.failureCode;
    this.failureReason = version.failureReason;
  }
}

/** Where a transfer stands: bytes the server has (upload) or the sink has (download), of `total`. */
export interface TransferProgress {
  transferred: number;
  total: number;
}

/** Passed to `onRetry` before the SDK waits `delayMs` and resumes a broken transfer. */
export interface TransferRetry {
  /** 1 for the first retry after a failure; reset whenever bytes moved. */
  attempt: number;
  retries: number;
  delayMs: number;
  error: ArcaError;
}

/** Options both directions share. */
export interface TransferOptions {
  onProgress?: (progress: TransferProgress) => void;
  onRetry?: (retry: TransferRetry) => void;
  /** Attempts after a failure that moved no bytes before giving up (default 5). */
  retries?: number;
  /** Base of the exponential backoff between retries (default 500 ms, capped at 15 s). */
  retryDelayMs?: number;
  /** Cancels the transfer; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_RETRIES = 5;
const DEFAULT_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 15_000;

const STATUS_CODES: Readonly<Record<number, ArcaError['code']>> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * The ArcaError for a non-2xx answer of a byte endpoint (`{"error":{"code","message"}}`, or anything else).
 * `secret` (a token or a download path) is cut out of the server's message, as a defence in depth.
 */
export async function transferError(res: Response, secret: string): Promise<ArcaError> {
  const text = await res.text().catch(() => '');
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const code =
    body?.error?.code !== undefined
      ? toErrorCode(body.error.code)
      : (STATUS_CODES[res.status] ?? 'HTTP_ERROR');
  const raw = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${res.status}`;
  const message = secret ? raw.split(secret).join('[redacted]') : raw;
  return new ArcaError(code, message, { httpStatus: res.status, requestId });
}

/** Worth another attempt: the connection broke or the server is busy; never for a refusal or bad input. */
export function isRetryable(error: unknown): error is ArcaError {
  if (!(error instanceof ArcaError)) return false;
  switch (error.code) {
    case 'NETWORK_ERROR':
    case 'RATE_LIMITED':
    case 'SERVICE_UNAVAILABLE':
    case 'CONFLICT':
      return true;
    case 'HTTP_ERROR':
    case 'INTERNAL_SERVER_ERROR':
      return error.httpStatus === undefined || error.httpStatus >= 500;
    case 'BAD_USER_INPUT':
    case 'BUDGET_EXCEEDED':
    case 'FAILED_PRECONDITION':
    case 'FORBIDDEN':
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'INSECURE_TRANSPORT':
    case 'INTEGRITY_ERROR':
    case 'NOT_FOUND':
    case 'UNAUTHENTICATED':
    case 'VERSION_FAILED':
      return false;
  }
}

/** Exponential backoff with jitter: base·2^(attempt-1), capped, times 0.5–1. */
export function backoffMs(attempt: number, base = DEFAULT_RETRY_DELAY_MS): number {
  const ceiling = Math.min(base * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Aborts a request when no byte has moved for `ms` (a whole-request timeout would kill large transfers).
 * `kick()` on every chunk; `signal` also follows the caller's signal.
 */
export class StallWatchdog {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    private readonly outer?: AbortSignal,
  ) {
    this.signal = outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
    this.kick();
  }

  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.controller.abort(new DOMException('no transfer progress', 'TimeoutError')),
      this.ms,
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** What a failure of the guarded request means: the caller's cancellation, a stall, or `error` itself. */
  explain(error: unknown): unknown {
    if (this.outer?.aborted) return this.outer.reason;
    if (this.controller.signal.aborted) {
      return new ArcaError('NETWORK_ERROR', `no data moved for ${this.ms} ms`, {
        timedOut: true,
        cause: error,
      });
    }
    if (error instanceof ArcaError) return error;
    return new ArcaError('NETWORK_ERROR', 'the connection broke off during the transfer', { cause: error });
  }
}

/** Reads either kind of byte source with one async iterator (ReadableStream is not iterable in every browser). */
export function chunks(
  source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncIterator<Uint8Array> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    return {
      next: async () => {
        const { done, value } = await reader.read();
        return done ? { done: true, value: undefined } : { done: false, value };
      },
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
}
