export * from './config.js';
export * from './env.schema.js';

/** Nest injection token for the validated `ArcaConfig`. */
export const ARCA_CONFIG = Symbol('ARCA_CONFIG');
/** Nest injection token for the resolved server secrets (`ServerSecrets`). */
export const SERVER_SECRETS = Symbol('SERVER_SECRETS');

export interface ServerSecrets {
  /** HMAC key for API keys, session tokens and invitation tokens at rest. */
  readonly tokenPepper: Buffer;
}
