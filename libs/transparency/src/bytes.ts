// Byte helpers that behave the same in Node and in the browser (no Buffer): strict hex, strict base64, UTF-8.

const HEX = '0123456789abcdef';

/** Lower-case hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** Hex (either case, even length, nothing else) to bytes; throws TypeError otherwise. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError('hex string has an odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i));
    const lo = hexNibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeError('hex string contains a non-hex character');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4). */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict standard base64: padded to a multiple of 4, no whitespace or URL-safe characters, and canonical (the
 * unused low bits of the last character are zero), so each byte string has exactly one accepted encoding.
 * Throws TypeError otherwise.
 */
export function base64Decode(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new TypeError('base64 length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const digits = last ? 4 - pad : 4;
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      let v = 0;
      if (j < digits) {
        v = code < 128 ? B64_INDEX[code]! : -1;
        if (v < 0) throw new TypeError('base64 contains an invalid character');
      }
      n = (n << 6) | v;
    }
    if (digits === 2 && (n & 0xffff) !== 0) throw new TypeError('base64 is not canonical');
    if (digits === 3 && (n & 0xff) !== 0) throw new TypeError('base64 is not canonical');
    out[o++] = n >> 16;
    if (digits > 2) out[o++] = (n >> 8) & 0xff;
    if (digits > 3) out[o++] = n & 0xff;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// A surrogate half without its partner: such a string has no UTF-8 encoding.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type MaybeWellFormed = { isWellFormed?: (this: string) => boolean };
const nativeIsWellFormed = (String.prototype as MaybeWellFormed).isWellFormed; // ES2024: Node 20, current browsers

/** True when the string is well-formed UTF-16 (so it has a UTF-8 encoding). */
export const isWellFormed: (text: string) => boolean = nativeIsWellFormed
  ? (text) => nativeIsWellFormed.call(text)
  : (text) => !LONE_SURROGATE.test(text);

/** UTF-8 of a well-formed string; throws TypeError on lone surrogates (TextEncoder would silently write U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  if (!isWellFormed(text)) throw new TypeError('string contains a lone surrogate');
  return encoder.encode(text);
}

/** Decodes UTF-8, rejecting invalid sequences (throws TypeError); a leading BOM is kept as U+FEFF. */
export function utf8Decode(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

/** A safe non-negative integer (tree sizes, indexes, sequence numbers). */
export function isSafeIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
