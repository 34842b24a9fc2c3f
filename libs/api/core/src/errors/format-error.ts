import { ErrorCode } from '@arca/contracts';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { CredentialRejectedError, DbUnavailableError } from '@arca/api-db';
import { DomainError } from './domain-error.js';

const PASS_THROUGH = new Set<string>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** graphql-js states its token limit in the message; limits are never revealed to clients. */
const TOKEN_LIMIT = /contains more th(?:an|at|en) \d+ tokens/;

export interface ErrorReporter {
  /** An unexpected failure: logged with its stack. */
  internal(error: unknown): void;
  /** Transient overload (no free database connection): logged as a warning. */
  unavailable(error: unknown): void;
}

/**
 * Maps every error leaving the API once: domain errors keep their code and message; GraphQL request errors
 * (parse, validation, variable coercion) pass through without stack traces; anything else becomes a generic
 * INTERNAL_SERVER_ERROR and is reported (logged) with its stack on the server only. A database that has no free
 * connection answers SERVICE_UNAVAILABLE, which clients may retry; a cached credential that failed its re-check
 * answers UNAUTHENTICATED.
 */
export function createFormatError(report: ErrorReporter) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: original.code, ...(original.details ? { details: original.details } : {}) },
      };
    }
    const code =
      typeof formatted.extensions?.['code'] === 'string' ? formatted.extensions['code'] : undefined;
    if (code && PASS_THROUGH.has(code) && !isResolverFailure(error)) {
      const message = TOKEN_LIMIT.test(formatted.message)
        ? 'Syntax Error: document too large.'
        : formatted.message;
      return { message, locations: formatted.locations, extensions: { code } };
    }
    if (original instanceof CredentialRejectedError) {
      return {
        message: original.message,
        path: formatted.path,
        extensions: { code: ErrorCode.Unauthenticated },
      };
    }
    if (original instanceof DbUnavailableError) {
      report.unavailable(original);
      return {
        message: 'the service is busy; retry shortly',
        path: formatted.path,
        extensions: { code: ErrorCode.Unavailable, details: { retryAfterSeconds: 1 } },
      };
    }
    report.internal(original);
    return { message: 'internal error', path: formatted.path, extensions: { code: ErrorCode.Internal } };
  };
}

/** Errors thrown inside resolvers carry a path; request-level errors do not. */
function isResolverFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && Array.isArray((error as { path?: unknown }).path);
}
