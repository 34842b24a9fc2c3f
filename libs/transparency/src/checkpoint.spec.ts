import { describe, expect, it } from 'vitest';
import { base64Decode, bytesToHex, hexToBytes } from './bytes.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';
import { cosignatureLine } from './cosignature.js';
import { ed25519PublicKey, ed25519Verifier, signNote } from './ed25519.js';
import { NoteError } from './note.js';
import { DERIVED, ROOTS_HEX } from './testing/vectors.js';
import { parseVerifierKey } from './vkey.js';

const root8 = hexToBytes(ROOTS_HEX[8]!);

describe('checkpoint body (C2SP tlog-checkpoint)', () => {
  it('formats and parses the §2.7 checkpoint', () => {
    const checkpoint = { origin: DERIVED.origin, size: 8, rootHash: root8, extensions: [] };
    expect(formatCheckpoint(checkpoint)).toBe(DERIVED.checkpointBody);
    expect(parseCheckpoint(DERIVED.checkpointBody)).toEqual(checkpoint);
  });

  it('parses the C2SP example checkpoint', () => {
    const c = parseCheckpoint(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.size).toBe(20852163);
    expect(bytesToHex(c.rootHash)).toBe(
      bytesToHex(base64Decode('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')),
    );
  });

  it('keeps extension lines and sizes 0 and 2^53 - 1', () => {
    const body = 'o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension one\nx\n';
    expect(parseCheckpoint(body).extensions).toEqual(['extension one', 'x']);
    expect(formatCheckpoint(parseCheckpoint(body))).toBe(body);
    const max = `o\n${Number.MAX_SAFE_INTEGER}\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`;
    expect(parseCheckpoint(max).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  const root = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
  it.each([
    ['a leading zero', `o\n08\n${root}\n`],
    ['a plus sign', `o\n+8\n${root}\n`],
    ['a minus sign', `o\n-8\n${root}\n`],
    ['a space', `o\n 8\n${root}\n`],
    ['a hex size', `o\n0x8\n${root}\n`],
    ['an exponent', `o\n8e0\n${root}\n`],
    ['an empty size', `o\n\n${root}\n`],
    ['a size above 2^53 - 1', `o\n9007199254740992\n${root}\n`],
    ['an empty origin', `\n8\n${root}\n`],
    ['no final newline', `o\n8\n${root}`],
    ['a missing root', 'o\n8\n'],
    ['a 31-byte root', `o\n8\n${Buffer.alloc(31).toString('base64')}\n`],
    ['a 33-byte root', `o\n8\n${Buffer.alloc(33).toString('base64')}\n`],
    ['an unpadded root', `o\n8\n${root.slice(0, -1)}\n`],
    ['a hex root', `o\n8\n${ROOTS_HEX[8]}\n`],
    ['an empty extension line', `o\n8\n${root}\n\n`],
    ['a CR', `o\r\n8\n${root}\n`],
    ['a control character', `o\u0001\n8\n${root}\n`],
  ])('rejects %s', (_, body) => expect(() => parseCheckpoint(body)).toThrow(NoteError));

  it('formatCheckpoint validates its fields', () => {
    const ok = { origin: 'o', size: 1, rootHash: root8, extensions: [] };
    expect(() => formatCheckpoint({ ...ok, origin: '' })).toThrow(NoteError);
    expect(() => formatCheckpoint({ ...ok, origin: 'a\nb' })).toThrow(NoteError);
    expect(() => formatCheckpoint({ ...ok, size: -1 })).toThrow(NoteError);
    expect(() => formatCheckpoint({ ...ok, size: 1.5 })).toThrow(NoteError);
    expect(() => formatCheckpoint({ ...ok, rootHash: root8.subarray(1) })).toThrow(NoteError);
    expect(() => formatCheckpoint({ ...ok, extensions: [''] })).toThrow(NoteError);
  });
});

describe('openCheckpoint', () => {
  const log = parseVerifierKey(DERIVED.logVkey);

  it('opens the §2.7 signed checkpoint of the pinned log, with its witness', () => {
    const witness = parseVerifierKey(DERIVED.witnessVkey);
    const opened = openCheckpoint(DERIVED.checkpointNote + DERIVED.cosignatureLine, log, {
      witnesses: [witness],
    });
    expect(opened).toMatchObject({
      origin: DERIVED.origin,
      size: 8,
      verifiedBy: [DERIVED.origin, DERIVED.witnessName],
    });
    expect(bytesToHex(opened.rootHash)).toBe(ROOTS_HEX[8]);
  });

  it('requires the log signature, not just any known one', () => {
    const witness = parseVerifierKey(DERIVED.witnessVkey);
    const witnessOnly = `${DERIVED.checkpointBody}\n${DERIVED.cosignatureLine}`;
    expect(() => openCheckpoint(witnessOnly, log, { witnesses: [witness] })).toThrow(
      'not signed by the log key',
    );
  });

  it('pins the origin', () => {
    const other = 'other.example/audit/v1';
    const note = signNote(
      DERIVED.checkpointBody.replace(DERIVED.origin, other),
      DERIVED.origin,
      DERIVED.logSeed,
    );
    expect(() => openCheckpoint(note, log)).toThrow(/origin "other.example\/audit\/v1" is not the expected/);
    expect(openCheckpoint(note, log, { origin: other }).origin).toBe(other);
  });

  it('rejects a checkpoint signed by another key under the log name', () => {
    const seed = new Uint8Array(32).fill(9);
    const forged = signNote(DERIVED.checkpointBody, DERIVED.origin, seed);
    expect(() => openCheckpoint(forged, log)).toThrow('no signature by a known key');
    expect(openCheckpoint(forged, ed25519Verifier(DERIVED.origin, ed25519PublicKey(seed))).size).toBe(8);
  });

  it('rejects a bad witness cosignature', () => {
    const witness = parseVerifierKey(DERIVED.witnessVkey);
    const wrongBody = cosignatureLine('x\n', DERIVED.witnessName, DERIVED.witnessSeed, 1);
    expect(() => openCheckpoint(DERIVED.checkpointNote + wrongBody, log, { witnesses: [witness] })).toThrow(
      `signature by ${DERIVED.witnessName} does not verify`,
    );
  });
});
