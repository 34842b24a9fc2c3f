/* Errors the data layer raises for callers to map (core's formatError turns DbUnavailableError into SERVICE_UNAVAILABLE). */

/** No connection or transaction slot could be had in time (pool exhausted, too many connections): retryable. */
export class DbUnavailableError extends Error {
  override readonly name = 'DbUnavailableError';
  constructor(override readonly cause: unknown) {
    super('database unavailable: no connection could be obtained in time');
  }
}

/** P2028: transaction could not start in maxWait; 53300: too_many_connections; 57P03: cannot_connect_now. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'P2028' || code === '53300' || code === '57P03';
}

/**
 * A cached credential failed its re-check in the request's transaction (revoked, expired, or its role, scopes or
 * model restrictions changed since it was cached): nothing the transaction did is kept. Callers answer
 * UNAUTHENTICATED; a retry authenticates from scratch.
 */
export class CredentialRejectedError extends Error {
  override readonly name = 'CredentialRejectedError';
  constructor() {
    super('the credential changed since it was checked; retry the request');
  }
}
