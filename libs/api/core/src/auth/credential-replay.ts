import { randomBytes } from 'node:crypto';

/**
 * Marks a request the server replays in-process because a cached API key was refused by its re-check
 * (ADR 0011). The value is random per process, so a client cannot claim to be a replay.
 */
export const CREDENTIAL_REPLAY_HEADER = 'x-arca-credential-replay';
export const CREDENTIAL_REPLAY_TOKEN = randomBytes(16).toString('hex');
