import type { OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { Limits } from '@arca/contracts';
import { badInput } from '@arca/api-core';

/** OWASP Password Storage minimum for argon2id (m=19 MiB, t=2, p=1). */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  hashLength: 32,
} as const;

/**
 * argon2id hashing. `verifyUnknownUser` runs the same verification against a fixed dummy hash, so an unknown
 * email costs exactly what a wrong password costs.
 */
export class PasswordHasher implements OnModuleInit {
  private dummyHash: Promise<string> | undefined;

  /** Computes the dummy hash at boot, so the first unknown-email login costs the same as every other. */
  async onModuleInit(): Promise<void> {
    await this.verifyUnknownUser('warm-up');
  }

  async hash(password: string): Promise<string> {
    assertPasswordPolicy(password);
    return argon2.hash(password, PASSWORD_HASH_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    if (Buffer.byteLength(password) > Limits.passwordMaxBytes) return false;
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  async verifyUnknownUser(password: string): Promise<false> {
    this.dummyHash ??= argon2.hash('arca-dummy-password-for-timing', PASSWORD_HASH_OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }

  /** True for weaker parameters and for other argon2 variants (node-argon2 compares only v, m, t and p). */
  needsRehash(hash: string): boolean {
    return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, PASSWORD_HASH_OPTIONS);
  }
}

/** New passwords: 12+ characters, at most 1 KiB (checked before hashing, so a huge body costs nothing). */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  if (Buffer.byteLength(password) > Limits.passwordMaxBytes) {
    throw badInput(`${field} must be at most ${Limits.passwordMaxBytes} bytes`, { field });
  }
  if ([...password].length < Limits.passwordMin) {
    throw badInput(`${field} must be at least ${Limits.passwordMin} characters`, { field });
  }
}
