import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@arca/contracts';
import { DomainError } from '@arca/api-core';
import { ThrottleRepository } from './throttle.repository.js';
import { TokenHasher } from './token-hasher.js';

interface Rule {
  kind: string;
  windowSeconds: number;
  limit: number;
  blockSeconds: number;
}

/**
 * Brute-force protection, per account+IP (10 failures/h → 1 h), per IP (100/day → 24 h) and per account from
 * any IP (50/h → 15 min, bounding distributed guessing without letting one attacker lock an account for long).
 * Unknown accounts are counted exactly like known ones.
 */
export const THROTTLE_RULES: Readonly<Record<'accountIp' | 'ip' | 'account', Rule>> = {
  accountIp: { kind: 'account-ip', windowSeconds: 3600, limit: 10, blockSeconds: 3600 },
  ip: { kind: 'ip', windowSeconds: 86_400, limit: 100, blockSeconds: 86_400 },
  account: { kind: 'account', windowSeconds: 3600, limit: 50, blockSeconds: 900 },
};

export interface ThrottleSubject {
  account: string;
  ip: string;
}

@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(ThrottleRepository) private readonly repo: ThrottleRepository,
    @Inject(TokenHasher) private readonly hasher: TokenHasher,
  ) {}

  async assertAllowed(subject: ThrottleSubject): Promise<void> {
    const until = await this.repo.blockedUntil(this.keys(subject).map(([key]) => key));
    if (until) {
      const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
      throw new DomainError(ErrorCode.RateLimited, 'too many failed attempts; try again later', {
        retryAfterSeconds,
      });
    }
  }

  async recordFailure(subject: ThrottleSubject): Promise<void> {
    for (const [key, rule] of this.keys(subject)) {
      await this.repo.recordFailure(key, rule.windowSeconds, rule.limit, rule.blockSeconds);
    }
  }

  async recordSuccess(subject: ThrottleSubject): Promise<void> {
    await this.repo.reset(
      this.hasher.subjectKey(THROTTLE_RULES.accountIp.kind, `${subject.account}|${subject.ip}`),
    );
  }

  private keys(subject: ThrottleSubject): [string, Rule][] {
    const { accountIp, ip, account } = THROTTLE_RULES;
    return [
      [this.hasher.subjectKey(accountIp.kind, `${subject.account}|${subject.ip}`), accountIp],
      [this.hasher.subjectKey(ip.kind, subject.ip), ip],
      [this.hasher.subjectKey(account.kind, subject.account), account],
    ];
  }
}
