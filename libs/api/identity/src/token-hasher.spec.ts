import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, API_KEY_PREFIX, checkApiKey } from '@arca/contracts';
import {
  INVITATION_TOKEN_PREFIX,
  SESSION_TOKEN_PREFIX,
  TokenHasher,
  isOpaqueToken,
  newApiKey,
  newOpaqueToken,
} from './token-hasher.js';

const PEPPER_A = Buffer.alloc(32, 0xa1);
const PEPPER_B = Buffer.alloc(32, 0xb2);

describe('TokenHasher', () => {
  it('is HMAC-SHA256 under the pepper: deterministic, 32 bytes, equal to a reference HMAC', () => {
    const hasher = new TokenHasher(PEPPER_A);
    const token = newOpaqueToken(SESSION_TOKEN_PREFIX);
    const a = hasher.hash(token);
    const b = new TokenHasher(Buffer.from(PEPPER_A)).hash(token);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a).toHaveLength(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const reference = createHmac('sha256', PEPPER_A).update(token, 'utf8').digest();
    expect(Buffer.from(a).equals(reference)).toBe(true);
    // Not a plain (unkeyed) SHA-256 and not the token itself.
    expect(Buffer.from(a).toString('hex')).not.toContain(Buffer.from(token).toString('hex'));
  });

  it('differs across peppers and across tokens', () => {
    const token = newApiKey();
    const a = Buffer.from(new TokenHasher(PEPPER_A).hash(token));
    const b = Buffer.from(new TokenHasher(PEPPER_B).hash(token));
    expect(a.equals(b)).toBe(false);
    const other = Buffer.from(new TokenHasher(PEPPER_A).hash(newApiKey()));
    expect(a.equals(other)).toBe(false);
    // A one-character change gives an unrelated hash.
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(a.equals(Buffer.from(new TokenHasher(PEPPER_A).hash(flipped)))).toBe(false);
  });

  it('rejects a pepper shorter than 32 bytes and accepts 32 or more', () => {
    expect(() => new TokenHasher(Buffer.alloc(0))).toThrow(/at least 32 bytes/);
    expect(() => new TokenHasher(Buffer.alloc(16, 1))).toThrow(/at least 32 bytes/);
    expect(() => new TokenHasher(Buffer.alloc(31, 1))).toThrow(/at least 32 bytes/);
    expect(() => new TokenHasher(Buffer.alloc(32, 1))).not.toThrow();
    expect(() => new TokenHasher(Buffer.alloc(64, 1))).not.toThrow();
  });

  it('subjectKey is a keyed hex digest per kind that never contains the subject', () => {
    const a = new TokenHasher(PEPPER_A);
    const key = a.subjectKey('account-ip', 'alice@example.test|10.0.0.1');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toHaveLength(64); // fits auth_throttle.key VARCHAR(64)
    expect(a.subjectKey('account-ip', 'alice@example.test|10.0.0.1')).toBe(key);
    expect(a.subjectKey('account', 'alice@example.test|10.0.0.1')).not.toBe(key);
    expect(new TokenHasher(PEPPER_B).subjectKey('account-ip', 'alice@example.test|10.0.0.1')).not.toBe(key);
    expect(key).not.toContain('alice');
  });

  it('equal() compares in constant time and handles different lengths', () => {
    const h = new TokenHasher(PEPPER_A);
    const x = h.hash('one');
    expect(TokenHasher.equal(x, h.hash('one'))).toBe(true);
    expect(TokenHasher.equal(x, h.hash('two'))).toBe(false);
    expect(TokenHasher.equal(x, x.subarray(0, 31))).toBe(false);
    expect(TokenHasher.equal(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('opaque tokens (sessions, invitations)', () => {
  it('are prefix + 32 CSPRNG bytes in base64url (43 characters, no padding)', () => {
    for (const prefix of [SESSION_TOKEN_PREFIX, INVITATION_TOKEN_PREFIX] as const) {
      const token = newOpaqueToken(prefix);
      expect(token.startsWith(prefix)).toBe(true);
      expect(token).toHaveLength(prefix.length + 43);
      expect(token.slice(prefix.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token.slice(prefix.length), 'base64url')).toHaveLength(32);
      expect(isOpaqueToken(token, prefix)).toBe(true);
    }
    expect(SESSION_TOKEN_PREFIX).toBe('arcs_');
    expect(INVITATION_TOKEN_PREFIX).toBe('arci_');
  });

  it('never repeat', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => newOpaqueToken(SESSION_TOKEN_PREFIX)));
    expect(seen.size).toBe(2000);
  });

  it('isOpaqueToken rejects wrong prefixes, lengths and alphabets', () => {
    const body = randomBytes(32).toString('base64url');
    const session = `arcs_${body}`;
    expect(isOpaqueToken(session, SESSION_TOKEN_PREFIX)).toBe(true);
    const bad = [
      `arci_${body}`, // invitation token presented as a session
      `arcx_${body}`,
      `ARCS_${body}`,
      body,
      `arcs_${body.slice(1)}`, // 42
      `arcs_${body}A`, // 44
      `arcs_${body.slice(0, 42)}+`, // base64, not base64url
      `arcs_${body.slice(0, 42)}/`,
      `arcs_${body.slice(0, 42)}=`,
      `arcs_${body.slice(0, 42)} `,
      `${session}\n`,
      ` ${session}`,
      'arcs_',
      '',
    ];
    for (const token of bad) {
      expect(isOpaqueToken(token, SESSION_TOKEN_PREFIX), JSON.stringify(token)).toBe(false);
    }
    expect(isOpaqueToken(session, INVITATION_TOKEN_PREFIX)).toBe(false);
  });
});

describe('newApiKey', () => {
  it('has the arca_ wire format with a valid checksum', () => {
    const key = newApiKey();
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key).toHaveLength(API_KEY_LENGTH);
    expect(API_KEY_LENGTH).toBe(5 + 43 + 6);
    expect(key.slice(API_KEY_PREFIX.length)).toMatch(/^[0-9A-Za-z]{49}$/);
    expect(checkApiKey(key)).toBe('ok');
  });

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => newApiKey()));
    expect(seen.size).toBe(2000);
  });
});
