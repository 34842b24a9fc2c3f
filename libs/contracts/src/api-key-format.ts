// API key wire format: `arca_` + 43 base62 characters (32 random bytes) + 6 base62 characters of CRC32.
// The checksum lets clients, scanners and the server reject typos and random strings without a lookup.

export const API_KEY_PREFIX = 'arca_';
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62 = /^[0-9A-Za-z]+$/;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib) of the UTF-8 bytes of `text`. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function toBase62(value: bigint, width: number): string {
  let out = '';
  let v = value;
  while (v > 0n) {
    out = ALPHABET[Number(v % 62n)] + out;
    v /= 62n;
  }
  return out.padStart(width, '0');
}

/** Encodes exactly 32 random bytes into a complete API key. */
export function formatApiKey(random: Uint8Array): string {
  if (random.length !== 32) throw new RangeError('an API key needs exactly 32 random bytes');
  let n = 0n;
  for (const byte of random) n = (n << 8n) | BigInt(byte);
  const body = API_KEY_PREFIX + toBase62(n, BODY_LENGTH);
  return body + toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

export type ApiKeyCheck = 'ok' | 'malformed' | 'bad-checksum';

/** Validates shape and checksum; never touches storage. */
export function checkApiKey(key: string): ApiKeyCheck {
  if (key.length !== API_KEY_LENGTH || !key.startsWith(API_KEY_PREFIX)) return 'malformed';
  const rest = key.slice(API_KEY_PREFIX.length);
  if (!BASE62.test(rest)) return 'malformed';
  const body = key.slice(0, API_KEY_PREFIX.length + BODY_LENGTH);
  const checksum = key.slice(-CHECKSUM_LENGTH);
  return toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH) === checksum ? 'ok' : 'bad-checksum';
}

/** The part of a key that may be displayed and logged: the prefix and the first 8 random characters. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 8);
}
