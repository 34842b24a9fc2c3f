import { ErrorCode } from '@arca/contracts';

/**
 * Codes an `ArcaError` can carry: the server's GraphQL `extensions.code` values, plus client-side ones.
 * NETWORK_ERROR: the server could not be reached or did not answer in time.
 * HTTP_ERROR: the server answered, but not with a GraphQL response (proxy page, 5xx, redirect …).
 * INSECURE_TRANSPORT: the client refused to send credentials over plain http to a non-loopback host.
 * VERSION_FAILED: an upload was stored but failed validation (a `VersionFailedError` carries the reason).
 */
export type ArcaErrorCode =
  ErrorCode | 'NETWORK_ERROR' | 'HTTP_ERROR' | 'INSECURE_TRANSPORT' | 'VERSION_FAILED';

/** One entry of a GraphQL `errors` array, as received. */
export interface GraphqlErrorBody {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface ArcaErrorOptions {
  httpStatus?: number;
  requestId?: string;
  errors?: readonly GraphqlErrorBody[];
  timedOut?: boolean;
  cause?: unknown;
}

/** The only error type the SDK throws. Switch on `code`, never on `message`. */
export class ArcaError extends Error {
  override readonly name = 'ArcaError';
  readonly code: ArcaErrorCode;
  readonly httpStatus?: number;
  readonly requestId?: string;
  /** All GraphQL errors of the response, when there were any. */
  readonly errors: readonly GraphqlErrorBody[];
  /** True when NETWORK_ERROR was caused by the client-side timeout. */
  readonly timedOut: boolean;

  constructor(code: ArcaErrorCode, message: string, options: ArcaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.requestId = options.requestId;
    this.errors = options.errors ?? [];
    this.timedOut = options.timedOut ?? false;
  }
}

export function isArcaError(value: unknown, code?: ArcaErrorCode): value is ArcaError {
  return value instanceof ArcaError && (code === undefined || value.code === code);
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Narrows a server-sent code; unknown codes become INTERNAL_SERVER_ERROR (the raw one stays in `errors`). */
export function toErrorCode(code: unknown): ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code) ? (code as ErrorCode) : ErrorCode.Internal;
}
