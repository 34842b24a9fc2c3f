import { describe, expect, it, vi } from 'vitest';
import {
  base64Decode,
  base64Encode,
  bytesToHex,
  hexToBytes,
  isSafeIndex,
  utf8Decode,
  utf8Encode,
} from './bytes.js';

describe('hex', () => {
  it('round-trips and accepts either case', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(hexToBytes(bytesToHex(bytes))).toEqual(bytes);
    expect(hexToBytes('ABcd')).toEqual(Uint8Array.of(0xab, 0xcd));
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });

  it.each(['a', 'abc', 'zz', '0x00', ' 00', '00 ', 'g0', '+1'])('rejects %j', (text) => {
    expect(() => hexToBytes(text)).toThrow(TypeError);
  });
});

describe('base64', () => {
  it('matches Buffer for every length up to 64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 0xff);
      const text = Buffer.from(bytes).toString('base64');
      expect(base64Encode(bytes)).toBe(text);
      expect(base64Decode(text)).toEqual(bytes);
    }
  });

  it.each([
    ['no padding', 'AQ'],
    ['partial padding', 'AQ='],
    ['padding in the middle', 'AQ==AQ=='],
    ['only padding', '===='],
    ['three padding characters', 'A==='],
    ['a URL-safe character', 'A-8='],
    ['whitespace', 'AQ== '],
    ['a newline', 'AQID\nBA=='],
    ['non-canonical trailing bits (1 byte)', 'AR=='],
    ['non-canonical trailing bits (2 bytes)', 'AQF='],
    ['a non-ASCII character', 'AQ\u00e9='],
  ])('rejects %s', (_, text) => {
    expect(() => base64Decode(text)).toThrow(TypeError);
  });
});

describe('utf8', () => {
  it('rejects lone surrogates and invalid sequences', () => {
    expect(() => utf8Encode('\ud800')).toThrow(TypeError);
    expect(() => utf8Decode(Uint8Array.of(0xc3))).toThrow(TypeError);
    expect(() => utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80))).toThrow(TypeError); // encoded surrogate
    expect(utf8Decode(utf8Encode('\u2014 \ud83d\ude00'))).toBe('\u2014 \ud83d\ude00');
  });
});

describe('isWellFormed', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['abc\u2014', true],
    ['\ud83d\ude00', true],
    ['\ud83d', false],
    ['\ude00', false],
    ['a\ude00\ud83d', false],
    ['\ud83d\ud83d\ude00', false],
  ];

  it('agrees between the native check and the regex fallback for browsers without it', async () => {
    const native = await import('./bytes.js');
    const proto = String.prototype as { isWellFormed?: unknown };
    const original = proto.isWellFormed;
    proto.isWellFormed = undefined;
    vi.resetModules();
    try {
      const fallback = await import('./bytes.js');
      for (const [text, ok] of cases) {
        expect(native.isWellFormed(text), JSON.stringify(text)).toBe(ok);
        expect(fallback.isWellFormed(text), JSON.stringify(text)).toBe(ok);
      }
    } finally {
      proto.isWellFormed = original;
      vi.resetModules();
    }
  });
});

describe('isSafeIndex', () => {
  it('accepts safe non-negative integers only', () => {
    expect([0, 1, Number.MAX_SAFE_INTEGER].every(isSafeIndex)).toBe(true);
    expect([-1, 1.5, NaN, Infinity, 2 ** 53, '1', null, undefined, 1n].some(isSafeIndex)).toBe(false);
  });
});
