import { ErrorCode } from '@arca/contracts';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
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

export type ErrorReporter = (error: unknown) => void;

/**
 * Maps every error leaving the API once: domain errors keep their code and message; GraphQL request errors
 * (parse, validation, variable coercion) pass through without stack traces; anything else becomes a generic
 * INTERNAL_SERVER_ERROR and is reported (logged) with its stack on the server only.
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
      return { message: formatted.message, locations: formatted.locations, extensions: { code } };
    }
    report(original);
    return { message: 'internal error', path: formatted.path, extensions: { code: ErrorCode.Internal } };
  };
}

/** Errors thrown inside resolvers carry a path; request-level errors do not. */
function isResolverFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && Array.isArray((error as { path?: unknown }).path);
}
