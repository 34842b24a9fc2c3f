import argon2, { type HashOptions } from 'argon2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, Limits } from '@arca/contracts';
import { DomainError } from '@arca/api-core';
import { PASSWORD_HASH_OPTIONS, PasswordHasher, assertPasswordPolicy } from './password-hasher.js';

// RFC 9106 §5 test vectors (api-security.md §4.1): version 0x13, m=32 KiB, t=3, p=4, 32-byte tag,
// password 32×0x01, salt 16×0x02, secret 8×0x03, associated data 12×0x04.
const RFC_INPUT = {
  password: Buffer.alloc(32, 1),
  options: {
    memoryCost: 32,
    timeCost: 3,
    parallelism: 4,
    hashLength: 32,
    version: 0x13,
    salt: Buffer.alloc(16, 2),
    secret: Buffer.alloc(8, 3),
    associatedData: Buffer.alloc(12, 4),
    raw: true,
  },
} as const;

const RFC_TAGS = {
  argon2d: '512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb', // §5.1
  argon2i: 'c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8', // §5.2
  argon2id: '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659', // §5.3
} as const;

/** `$argon2id$v=19$m=…,p=…,t=…$salt$hash` → its parts; node-argon2 orders params m,p,t. */
function parsePhc(phc: string): {
  id: string;
  version: number;
  params: Record<string, number>;
  salt: Buffer;
  hash: Buffer;
} {
  const parts = phc.split('$');
  expect(parts).toHaveLength(6);
  const [empty, id, version, params, salt, hash] = parts as [string, string, string, string, string, string];
  expect(empty).toBe('');
  expect(version).toMatch(/^v=\d+$/);
  return {
    id,
    version: Number(version.slice(2)),
    params: Object.fromEntries(
      params.split(',').map((kv) => {
        const [k, v] = kv.split('=') as [string, string];
        return [k, Number(v)];
      }),
    ),
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(hash, 'base64'),
  };
}

const GOOD = 'correct horse battery staple';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RFC 9106 §5 test vectors (node-argon2 raw output)', () => {
  it('§5.3 argon2id reproduces 0d640df5…e659', async () => {
    const tag = await argon2.hash(RFC_INPUT.password, { ...RFC_INPUT.options, type: argon2.argon2id });
    expect(tag.toString('hex')).toBe(RFC_TAGS.argon2id);
  });

  it('§5.2 argon2i reproduces c814d9d1…6ce8', async () => {
    const tag = await argon2.hash(RFC_INPUT.password, { ...RFC_INPUT.options, type: argon2.argon2i });
    expect(tag.toString('hex')).toBe(RFC_TAGS.argon2i);
  });

  it('§5.1 argon2d reproduces 512b391b…4acb', async () => {
    const tag = await argon2.hash(RFC_INPUT.password, { ...RFC_INPUT.options, type: argon2.argon2d });
    expect(tag.toString('hex')).toBe(RFC_TAGS.argon2d);
  });

  it('changing any single input changes the tag (the vector is not a constant)', async () => {
    const base: HashOptions & { raw: true } = { ...RFC_INPUT.options, type: argon2.argon2id };
    const variants = await Promise.all([
      argon2.hash(Buffer.alloc(32, 9), base),
      argon2.hash(RFC_INPUT.password, { ...base, secret: Buffer.alloc(8, 9) }),
      argon2.hash(RFC_INPUT.password, { ...base, associatedData: Buffer.alloc(12, 9) }),
      argon2.hash(RFC_INPUT.password, { ...base, timeCost: 4 }),
    ]);
    for (const v of variants) expect(v.toString('hex')).not.toBe(RFC_TAGS.argon2id);
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('uses the OWASP argon2id parameters (m=19456, t=2, p=1, 32-byte tag)', () => {
    expect(PASSWORD_HASH_OPTIONS).toMatchObject({
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
      hashLength: 32,
    });
  });

  it('produces a $argon2id$v=19 PHC string with m=19456,t=2,p=1, a 16-byte salt and a 32-byte tag', async () => {
    const phc = await hasher.hash(GOOD);
    expect(phc.startsWith('$argon2id$v=19$')).toBe(true);
    const parsed = parsePhc(phc);
    expect(parsed.id).toBe('argon2id');
    expect(parsed.version).toBe(19);
    expect(parsed.params).toEqual({ m: 19_456, t: 2, p: 1 });
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
    // Canonical form from the design, once the params are put in m,t,p order.
    const { m, t, p } = parsed.params;
    expect(`$${parsed.id}$v=${parsed.version}$m=${m},t=${t},p=${p}`).toBe('$argon2id$v=19$m=19456,t=2,p=1');
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash(GOOD), hasher.hash(GOOD)]);
    expect(a).not.toBe(b);
    expect(parsePhc(a).salt.equals(parsePhc(b).salt)).toBe(false);
  });

  it('verifies the right password and rejects a wrong one or a garbage hash', async () => {
    const phc = await hasher.hash(GOOD);
    expect(await hasher.verify(phc, GOOD)).toBe(true);
    expect(await hasher.verify(phc, `${GOOD}!`)).toBe(false);
    expect(await hasher.verify(phc, GOOD.toUpperCase())).toBe(false);
    expect(await hasher.verify('not-a-phc-string', GOOD)).toBe(false);
  });

  it('needsRehash is false for current parameters and true for weaker ones', async () => {
    expect(hasher.needsRehash(await hasher.hash(GOOD))).toBe(false);
    const weakMemory = await argon2.hash(GOOD, { ...PASSWORD_HASH_OPTIONS, memoryCost: 4096 });
    expect(parsePhc(weakMemory).params['m']).toBe(4096);
    expect(hasher.needsRehash(weakMemory)).toBe(true);
    const weakTime = await argon2.hash(GOOD, { ...PASSWORD_HASH_OPTIONS, timeCost: 1 });
    expect(hasher.needsRehash(weakTime)).toBe(true);
    // An old hash still verifies, so login can upgrade it.
    expect(await hasher.verify(weakMemory, GOOD)).toBe(true);
  });

  it('needsRehash is true for argon2i/argon2d hashes even with the current cost parameters', async () => {
    // node-argon2's needsRehash compares only v, m, t and p; the algorithm must be checked as well.
    for (const type of [argon2.argon2i, argon2.argon2d] as const) {
      const old = await argon2.hash(GOOD, { ...PASSWORD_HASH_OPTIONS, type });
      expect(parsePhc(old).params).toEqual({ m: 19_456, t: 2, p: 1 });
      expect(hasher.needsRehash(old)).toBe(true);
      expect(await hasher.verify(old, GOOD)).toBe(true);
    }
  });

  it('rejects a >1024-byte password before hashing, fast, with BAD_USER_INPUT', async () => {
    const spy = vi.spyOn(argon2, 'hash');
    const huge = 'x'.repeat(1024 * 1024);
    const started = performance.now();
    const err = await hasher.hash(huge).catch((e: unknown) => e);
    const ms = performance.now() - started;
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.BadUserInput);
    expect(spy).not.toHaveBeenCalled();
    expect(ms).toBeLessThan(50); // an argon2id hash at these parameters takes ≥ 10 ms
    // The limit is in bytes: 342 three-byte characters = 1026 bytes.
    await expect(hasher.hash('€'.repeat(342))).rejects.toMatchObject({ code: ErrorCode.BadUserInput });
    expect(spy).not.toHaveBeenCalled();
    // Exactly at the limit is accepted.
    const atLimit = 'y'.repeat(Limits.passwordMaxBytes);
    spy.mockRestore();
    expect(await hasher.verify(await hasher.hash(atLimit), atLimit)).toBe(true);
  });

  it('verify returns false for a >1024-byte password without running argon2', async () => {
    const phc = await hasher.hash(GOOD);
    const spy = vi.spyOn(argon2, 'verify');
    expect(await hasher.verify(phc, 'x'.repeat(1024 * 1024))).toBe(false);
    expect(await hasher.verify(phc, 'z'.repeat(Limits.passwordMaxBytes + 1))).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });

  it('verifyUnknownUser runs a real argon2id verification against a current-parameter dummy hash', async () => {
    const spy = vi.spyOn(argon2, 'verify');
    expect(await hasher.verifyUnknownUser(GOOD)).toBe(false);
    expect(await hasher.verifyUnknownUser('arca-dummy-password-for-timing')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
    const [digest, password] = spy.mock.calls[0] as [string, string];
    expect(password).toBe(GOOD);
    expect(parsePhc(digest)).toMatchObject({
      id: 'argon2id',
      version: 19,
      params: { m: 19_456, t: 2, p: 1 },
    });
    expect(hasher.needsRehash(digest)).toBe(false);
  });
});

describe('assertPasswordPolicy', () => {
  it('rejects fewer than 12 characters with BAD_USER_INPUT and accepts 12', () => {
    for (const pw of ['', 'a', 'elevenchars']) {
      expect(() => assertPasswordPolicy(pw)).toThrow(DomainError);
      try {
        assertPasswordPolicy(pw);
      } catch (e) {
        expect((e as DomainError).code).toBe(ErrorCode.BadUserInput);
        expect((e as DomainError).details).toEqual({ field: 'password' });
      }
    }
    expect(() => assertPasswordPolicy('twelve-chars')).not.toThrow();
  });

  it('counts characters, not UTF-16 units or bytes, for the minimum', () => {
    // 11 emoji = 22 UTF-16 units = 44 bytes, but 11 characters.
    expect(() => assertPasswordPolicy('🔑'.repeat(11))).toThrow(DomainError);
    expect(() => assertPasswordPolicy('🔑'.repeat(12))).not.toThrow();
  });

  it('hash() applies the policy too', async () => {
    await expect(new PasswordHasher().hash('short')).rejects.toMatchObject({
      code: ErrorCode.BadUserInput,
    });
  });
});
