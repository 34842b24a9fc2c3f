import type { RequestInfo } from '../context/tenant-context.js';
import type { ArcaRequest } from './access.decorators.js';
import { CREDENTIAL_REPLAY_HEADER, CREDENTIAL_REPLAY_TOKEN } from './credential-replay.js';

export function header(req: ArcaRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function requestInfo(req: ArcaRequest): RequestInfo {
  const ua = header(req, 'user-agent');
  const replay = header(req, CREDENTIAL_REPLAY_HEADER) === CREDENTIAL_REPLAY_TOKEN;
  return {
    requestId: req.id,
    ip: req.ip,
    userAgent: ua ? ua.slice(0, 512) : undefined,
    ...(replay ? { replay } : {}),
  };
}

export const SESSION_COOKIE = '__Host-arca_session';

/** Reads one cookie from the Cookie header without a parser dependency. */
export function readCookie(req: ArcaRequest, name: string): string | undefined {
  const raw = header(req, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
