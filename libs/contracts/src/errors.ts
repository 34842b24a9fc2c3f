/** Error codes carried in GraphQL `extensions.code`; clients switch on these, never on messages. */
export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  BadUserInput: 'BAD_USER_INPUT',
  FailedPrecondition: 'FAILED_PRECONDITION',
  RateLimited: 'RATE_LIMITED',
  BudgetExceeded: 'BUDGET_EXCEEDED',
  IntegrityError: 'INTEGRITY_ERROR',
  Unavailable: 'SERVICE_UNAVAILABLE',
  GraphqlValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  GraphqlParseFailed: 'GRAPHQL_PARSE_FAILED',
  Internal: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
