import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ErrorCode } from '@arca/contracts';
import { CredentialRejectedError } from '@arca/api-db';
import { DomainError, unauthenticated } from './domain-error.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.BadUserInput]: 400,
  [ErrorCode.FailedPrecondition]: 412,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.BudgetExceeded]: 402,
  [ErrorCode.IntegrityError]: 500,
  [ErrorCode.Unavailable]: 503,
};

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: string): void;
}

/**
 * Domain errors on plain HTTP routes (streams, exports) answer like GraphQL ones: the status that fits and a
 * body `{"error":{"code","message"}}` (a cached credential that failed its re-check: 401). GraphQL errors are left
 * to the GraphQL error mapper.
 */
@Catch(DomainError, CredentialRejectedError)
export class DomainErrorHttpFilter implements ExceptionFilter<DomainError | CredentialRejectedError> {
  catch(caught: DomainError | CredentialRejectedError, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'http') return caught;
    const error = caught instanceof DomainError ? caught : unauthenticated(caught.message);
    const reply = host.switchToHttp().getResponse<Reply>();
    const status = STATUS[error.code] ?? 500;
    reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(
        JSON.stringify({
          error: {
            code: error.code,
            message: error.message,
            ...(error.details ? { details: error.details } : {}),
          },
        }),
      );
    return undefined;
  }
}
