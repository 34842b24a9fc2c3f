import { ErrorCode } from '@arca/contracts';
import { DomainError } from '@arca/api-core';
import { IntegrityError } from '@arca/crypto';

/** The upload token or download link is unknown, expired or used up (one answer for all: no oracle). */
export const linkGone = (what: 'upload' | 'download'): DomainError =>
  new DomainError(ErrorCode.NotFound, `${what} link not found or expired`);

/** A PUT that does not start where the stored bytes end; `offset` tells the client where to resume. */
export const wrongOffset = (offset: number): DomainError =>
  new DomainError(ErrorCode.Conflict, `the upload continues at byte ${offset}`, { offset });

export const uploadTooLong = (declared: number): DomainError =>
  new DomainError(ErrorCode.BadUserInput, `the body is longer than the declared ${declared} bytes`, {
    declaredSize: declared,
  });

export const integrityError = (message: string): DomainError =>
  new DomainError(ErrorCode.IntegrityError, message);

/** A stored ciphertext or wrapped key failed to authenticate (crypto-level or already mapped to a domain error). */
export const isIntegrityFailure = (error: unknown): boolean =>
  error instanceof IntegrityError ||
  (error instanceof DomainError && error.code === ErrorCode.IntegrityError);
