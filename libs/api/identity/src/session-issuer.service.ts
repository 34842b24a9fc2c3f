import { Inject, Injectable } from '@nestjs/common';
import { ARCA_CONFIG, type ArcaConfig, type RequestInfo } from '@arca/api-core';
import { SessionRepository } from './session.repository.js';
import { SESSION_TOKEN_PREFIX, TokenHasher, newOpaqueToken } from './token-hasher.js';

export interface IssuedSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

/** Creates sessions inside the caller's transaction (which must be scoped to `tenantId`). */
@Injectable()
export class SessionIssuer {
  constructor(
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(TokenHasher) private readonly hasher: TokenHasher,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
  ) {}

  async issue(tenantId: string, userId: string, request: RequestInfo): Promise<IssuedSession> {
    const token = newOpaqueToken(SESSION_TOKEN_PREFIX);
    const now = Date.now();
    const expiresAt = new Date(now + this.config.session.absoluteSeconds * 1000);
    const idleExpiresAt = new Date(
      Math.min(expiresAt.getTime(), now + this.config.session.idleSeconds * 1000),
    );
    const { id } = await this.sessions.create(tenantId, {
      userId,
      tokenHash: this.hasher.hash(token),
      idleExpiresAt,
      expiresAt,
      ip: request.ip,
      userAgent: request.userAgent,
    });
    return { token, sessionId: id, expiresAt };
  }

  get cookieMaxAgeSeconds(): number {
    return this.config.session.absoluteSeconds;
  }
}
