import { CommanderError } from 'commander';
import { isArcaError } from '@arca/sdk';

/** Process exit codes; stable, documented in --help and README.md. */
export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  Unauthenticated: 3,
  Forbidden: 4,
  NotFound: 5,
  Conflict: 6,
  RateLimited: 7,
  Network: 8,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes of errors the CLI raises itself (the SDK's ArcaErrorCode covers the rest). */
export type CliErrorCode =
  | 'USAGE'
  | 'MALFORMED_API_KEY'
  | 'NOT_LOGGED_IN'
  | 'INSECURE_CREDENTIALS'
  | 'CORRUPT_CREDENTIALS'
  | 'CANCELLED'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'BAD_USER_INPUT';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const EXIT_BY_CODE: Readonly<Record<string, ExitCode>> = {
  USAGE: ExitCode.Usage,
  BAD_USER_INPUT: ExitCode.Usage,
  MALFORMED_API_KEY: ExitCode.Usage,
  INSECURE_TRANSPORT: ExitCode.Usage,
  NOT_LOGGED_IN: ExitCode.Unauthenticated,
  UNAUTHENTICATED: ExitCode.Unauthenticated,
  FORBIDDEN: ExitCode.Forbidden,
  NOT_FOUND: ExitCode.NotFound,
  CONFLICT: ExitCode.Conflict,
  RATE_LIMITED: ExitCode.RateLimited,
  NETWORK_ERROR: ExitCode.Network,
};

/**
 * Thrown by a command that has already printed its verdict (e.g. "invalid" for a proof or a log that does not
 * verify): the run ends with exit code 1 and nothing more is printed.
 */
export class VerdictPrinted extends Error {
  override readonly name = 'VerdictPrinted';
  constructor() {
    super('verdict printed');
  }
}

export interface ReportedError {
  code: string;
  message: string;
  exitCode: ExitCode;
}

/** Classifies anything thrown while running a command. */
export function describeError(error: unknown): ReportedError {
  if (error instanceof VerdictPrinted) return { code: 'INVALID', message: '', exitCode: ExitCode.Error };
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error: /, '');
    return { code: 'USAGE', message, exitCode: error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage };
  }
  if (error instanceof CliError || isArcaError(error)) {
    let message = error.message;
    if (error.code === 'UNAUTHENTICATED' && isArcaError(error)) message += '; run "arca login" again';
    return { code: error.code, message, exitCode: EXIT_BY_CODE[error.code] ?? ExitCode.Error };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message, exitCode: ExitCode.Error };
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  other error (server error, unreadable or insecure credentials file)
  2  usage error or invalid input (bad option, BAD_USER_INPUT, malformed API key, insecure server URL)
  3  not logged in, or the server rejected the credentials (UNAUTHENTICATED)
  4  permission denied (FORBIDDEN)
  5  not found (NOT_FOUND)
  6  conflict (CONFLICT)
  7  rate limited (RATE_LIMITED)
  8  network error (server unreachable or timed out)

Environment:
  ARCA_SERVER      server URL; overrides the stored one
  ARCA_API_KEY     API key; overrides the stored one
  ARCA_CONFIG_DIR  where credentials.json lives (default ~/.config/arca)
`;
