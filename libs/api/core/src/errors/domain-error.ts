import { ErrorCode } from '@arca/contracts';

/**
 * The only error services throw. `message` is shown to clients, so it must never contain secrets, SQL or
 * another tenant's data; `details` are structured hints (field names, limits) that are safe to show.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string): DomainError =>
  new DomainError(ErrorCode.NotFound, `${what} not found`);
export const forbidden = (message = 'not allowed'): DomainError =>
  new DomainError(ErrorCode.Forbidden, message);
export const badInput = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError(ErrorCode.BadUserInput, message, details);
export const conflict = (message: string): DomainError => new DomainError(ErrorCode.Conflict, message);
export const unauthenticated = (message = 'authentication required'): DomainError =>
  new DomainError(ErrorCode.Unauthenticated, message);
export const failedPrecondition = (message: string): DomainError =>
  new DomainError(ErrorCode.FailedPrecondition, message);
