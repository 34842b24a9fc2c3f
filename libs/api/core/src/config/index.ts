export * from './config.js';
export * from './env.schema.js';

/** Nest injection token for the validated `ArcaConfig`. */
export const ARCA_CONFIG = Symbol('ARCA_CONFIG');
/** Nest injection token for the resolved server secrets (`ServerSecrets`). */
export const SERVER_SECRETS = Symbol('SERVER_SECRETS');

/** Nest injection token for the `KeyProvider` (from `@arca/crypto`) that holds the master key. */
export const KEY_PROVIDER = Symbol('KEY_PROVIDER');

export interface ServerSecrets {
  /** HMAC key for API keys, session tokens and invitation tokens at rest. */
  readonly tokenPepper: Buffer;
  /** 32-byte server master key: wraps tenant keys and audit-log signing keys (through a KeyProvider). */
  readonly masterKey: Buffer;
}
