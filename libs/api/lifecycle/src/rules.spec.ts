import { describe, expect, it } from 'vitest';
import {
  METRICS_MAX_BYTES,
  checkAliasName,
  normalizeOnnxDomains,
  normalizeProtectedAliases,
  parseMetrics,
} from './rules.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('alias names', () => {
  it.each(['production', 'staging', 'canary-2', 'a', 'eu.prod_1', `a${'b'.repeat(63)}`])(
    'accepts %s',
    (n) => {
      expect(checkAliasName(n)).toBe(n);
    },
  );
  it.each(['', 'latest', '3', 'v3', 'V3', 'Prod', '-x', '1st', 'has space', `a${'b'.repeat(64)}`, 'ä'])(
    'refuses %j',
    (n) => {
      expect(code(() => checkAliasName(n))).toBe('BAD_USER_INPUT');
    },
  );
});

describe('metrics', () => {
  it('accepts an object of numbers and strings', () => {
    expect(parseMetrics('{"accuracy":0.93,"dataset":"val-2026"}')).toEqual({
      accuracy: 0.93,
      dataset: 'val-2026',
    });
  });
  it.each([
    '[]',
    'null',
    '1',
    '"x"',
    '{',
    '{"a":{"b":1}}',
    '{"a":[1]}',
    '{"a":true}',
    '{"":1}',
    '{"a":null}',
  ])('refuses %s', (json) => {
    expect(code(() => parseMetrics(json))).toBe('BAD_USER_INPUT');
  });
  it('refuses more than 8 KiB', () => {
    const big = JSON.stringify({
      note: 'x'.repeat(400),
      ...Object.fromEntries([...Array(40)].map((_, i) => [`k${i}`, 'y'.repeat(200)])),
    });
    expect(Buffer.byteLength(big)).toBeGreaterThan(METRICS_MAX_BYTES);
    expect(code(() => parseMetrics(big))).toBe('BAD_USER_INPUT');
  });
});

describe('artifact policy lists', () => {
  it('normalizes protected aliases', () => {
    expect(normalizeProtectedAliases(['staging', 'production', 'staging'])).toEqual([
      'production',
      'staging',
    ]);
    expect(normalizeProtectedAliases([])).toEqual([]);
    expect(code(() => normalizeProtectedAliases(['latest']))).toBe('BAD_USER_INPUT');
    expect(code(() => normalizeProtectedAliases([...Array(17)].map((_, i) => `a${i}`)))).toBe(
      'BAD_USER_INPUT',
    );
  });
  it('accepts reverse-DNS operator domains only', () => {
    expect(normalizeOnnxDomains(['com.microsoft', 'com.example.ops'])).toEqual([
      'com.example.ops',
      'com.microsoft',
    ]);
    for (const bad of [
      '',
      'microsoft',
      'Com.Microsoft',
      'com..x',
      '.com',
      'com.',
      'ai.onnx',
      'a b.c',
      'x'.repeat(130),
    ]) {
      expect(
        code(() => normalizeOnnxDomains([bad])),
        bad,
      ).toBe('BAD_USER_INPUT');
    }
  });
});
