import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, utf8Decode, utf8Encode } from './bytes.js';
import { cosignatureLine, cosignatureTime, cosignatureVerifier } from './cosignature.js';
import { ed25519PublicKey, ed25519Verifier, signNote } from './ed25519.js';
import { sha256 } from './hash.js';
import {
  MAX_NOTE_SIGNATURES,
  NoteError,
  NoteKeyType,
  noteKeyId,
  openNote,
  parseNote,
  type NoteVerifier,
} from './note.js';
import { C2SP_NOTE, DERIVED } from './testing/vectors.js';
import { formatVerifierKey, parseVerifierKey } from './vkey.js';

const example = parseVerifierKey(C2SP_NOTE.vkey);
const logKey = ed25519PublicKey(DERIVED.logSeed);
const log = ed25519Verifier(DERIVED.origin, logKey);

function rejects(text: string, verifiers: readonly NoteVerifier[]): boolean {
  try {
    openNote(text, verifiers);
    return false;
  } catch (error) {
    if (error instanceof NoteError) return true;
    throw error;
  }
}

describe('C2SP signed-note example (§2.6)', () => {
  it('parses the vkey and its key ID', () => {
    expect(example.name).toBe('example.com/foo');
    expect(bytesToHex(example.keyId)).toBe(C2SP_NOTE.keyIdHex);
  });

  it('verifies, and the signature starts with the key ID', () => {
    expect(openNote(C2SP_NOTE.text, [example])).toEqual({
      body: C2SP_NOTE.body,
      verifiedBy: ['example.com/foo'],
    });
    const [sig] = parseNote(C2SP_NOTE.text).signatures;
    expect(bytesToHex(sig!.keyId)).toBe(C2SP_NOTE.keyIdHex);
    expect(sig!.signature).toHaveLength(64);
  });

  it('rejects a one-bit change in any byte of the note', () => {
    const bytes = utf8Encode(C2SP_NOTE.text);
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x20, 0x80]) {
        const mutated = bytes.slice();
        mutated[i]! ^= bit;
        let text: string;
        try {
          text = utf8Decode(mutated);
        } catch {
          continue; // not UTF-8: rejected before parsing
        }
        expect(rejects(text, [example]), `byte ${i} ^ ${bit}`).toBe(true);
      }
    }
  });

  it('rejects any changed, removed or added character', () => {
    const text = C2SP_NOTE.text;
    for (let i = 0; i < text.length; i++) {
      const replaced = text.slice(0, i) + (text[i] === 'x' ? 'y' : 'x') + text.slice(i + 1);
      expect(rejects(replaced, [example]), `replace ${i}`).toBe(true);
      expect(rejects(text.slice(0, i) + text.slice(i + 1), [example]), `remove ${i}`).toBe(true);
    }
    expect(rejects(text + '\n', [example])).toBe(true);
    expect(rejects(' ' + text, [example])).toBe(true);
  });

  it('rejects a note signed by an unknown key only', () => {
    expect(() => openNote(C2SP_NOTE.text, [log])).toThrow('note has no signature by a known key');
    expect(() => openNote(C2SP_NOTE.text, [])).toThrow(NoteError);
    // Same name, different key: the key ID differs, so the key is unknown.
    const impostor = ed25519Verifier('example.com/foo', logKey);
    expect(() => openNote(C2SP_NOTE.text, [impostor])).toThrow('no signature by a known key');
  });
});

describe('derived log key and checkpoint (§2.7)', () => {
  it('formats the log vkey from the seed', () => {
    expect(formatVerifierKey(DERIVED.origin, logKey)).toBe(DERIVED.logVkey);
    const parsed = parseVerifierKey(DERIVED.logVkey);
    expect(parsed.name).toBe(DERIVED.origin);
    expect(bytesToHex(parsed.keyId)).toBe('71da39e9');
  });

  it('signs the size-8 checkpoint byte for byte', () => {
    expect(bytesToHex(sha256(utf8Encode(DERIVED.checkpointBody)))).toBe(DERIVED.checkpointBodySha256);
    expect(signNote(DERIVED.checkpointBody, DERIVED.origin, DERIVED.logSeed)).toBe(DERIVED.checkpointNote);
    expect(openNote(DERIVED.checkpointNote, [parseVerifierKey(DERIVED.logVkey)]).body).toBe(
      DERIVED.checkpointBody,
    );
  });

  it('produces the same signature as node:crypto (Ed25519 is deterministic)', () => {
    const pkcs8 = concatBytes(
      Uint8Array.from([
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
      ]),
      DERIVED.logSeed,
    );
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    const signature = new Uint8Array(nodeSign(null, utf8Encode(DERIVED.checkpointBody), key));
    expect(parseNote(DERIVED.checkpointNote).signatures[0]!.signature).toEqual(signature);
  });

  it('witness vkey (type 0x04) and cosignature/v1 line', () => {
    const witnessKey = ed25519PublicKey(DERIVED.witnessSeed);
    expect(formatVerifierKey(DERIVED.witnessName, witnessKey, NoteKeyType.CosignatureV1)).toBe(
      DERIVED.witnessVkey,
    );
    expect(
      cosignatureLine(
        DERIVED.checkpointBody,
        DERIVED.witnessName,
        DERIVED.witnessSeed,
        DERIVED.cosignatureTime,
      ),
    ).toBe(DERIVED.cosignatureLine);
  });

  it('verifies a checkpoint with the log signature and the witness cosignature', () => {
    const witness = parseVerifierKey(DERIVED.witnessVkey);
    const note = DERIVED.checkpointNote + DERIVED.cosignatureLine;
    expect(openNote(note, [log, witness]).verifiedBy).toEqual([DERIVED.origin, DERIVED.witnessName]);
    expect(openNote(note, [log]).verifiedBy).toEqual([DERIVED.origin]); // the witness is unknown: ignored
    expect(openNote(note, [witness]).verifiedBy).toEqual([DERIVED.witnessName]);
    const sig = parseNote(note).signatures[1]!;
    expect(cosignatureTime(sig.signature)).toBe(DERIVED.cosignatureTime);
  });

  it('rejects a cosignature whose timestamp or body was changed', () => {
    const witness = cosignatureVerifier(DERIVED.witnessName, ed25519PublicKey(DERIVED.witnessSeed));
    const later = cosignatureLine(
      DERIVED.checkpointBody,
      DERIVED.witnessName,
      DERIVED.witnessSeed,
      1700000001,
    );
    const [, sigLater] = parseNote(DERIVED.checkpointNote + later).signatures;
    const [, sig] = parseNote(DERIVED.checkpointNote + DERIVED.cosignatureLine).signatures;
    const swapped = concatBytes(sigLater!.signature.subarray(0, 8), sig!.signature.subarray(8));
    expect(witness.verify(utf8Encode(DERIVED.checkpointBody), sig!.signature)).toBe(true);
    expect(witness.verify(utf8Encode(DERIVED.checkpointBody), swapped)).toBe(false);
    expect(witness.verify(utf8Encode(DERIVED.checkpointBody.replace('8', '9')), sig!.signature)).toBe(false);
    expect(witness.verify(utf8Encode(DERIVED.checkpointBody), sig!.signature.subarray(1))).toBe(false);
  });
});

describe('openNote policy', () => {
  const body = 'policy test\n';
  const seeds = Array.from({ length: 3 }, (_, k) => Uint8Array.from({ length: 32 }, (_, i) => i * 7 + k));
  const keys = seeds.map((seed, k) => ed25519Verifier(`key${k}`, ed25519PublicKey(seed)));
  const line = (k: number, text = body): string =>
    signNote(text, `key${k}`, seeds[k]!).slice(text.length + 1);

  it('accepts several known signatures and ignores unknown ones', () => {
    const note = `${body}\n${line(0)}${line(1)}${line(2)}`;
    expect(openNote(note, keys).verifiedBy).toEqual(['key0', 'key1', 'key2']);
    expect(openNote(note, [keys[1]!]).verifiedBy).toEqual(['key1']);
  });

  it('rejects the note when any known key’s signature fails, even if another verifies', () => {
    const bad = line(1, 'another body\n');
    const note = `${body}\n${line(0)}${bad}`;
    expect(() => openNote(note, keys)).toThrow('signature by key1 does not verify');
    expect(openNote(note, [keys[0]!]).verifiedBy).toEqual(['key0']); // key1 unknown here
  });

  it(`accepts 16 and up to ${MAX_NOTE_SIGNATURES} signatures, not more`, () => {
    const unknown = (n: number): string =>
      Array.from(
        { length: n },
        (_, i) => `\u2014 unknown${i} ${Buffer.alloc(68, i).toString('base64')}\n`,
      ).join('');
    expect(openNote(`${body}\n${unknown(15)}${line(0)}`, keys).verifiedBy).toEqual(['key0']);
    expect(openNote(`${body}\n${unknown(MAX_NOTE_SIGNATURES - 1)}${line(0)}`, keys).verifiedBy).toEqual([
      'key0',
    ]);
    expect(() => openNote(`${body}\n${unknown(MAX_NOTE_SIGNATURES)}${line(0)}`, keys)).toThrow(
      /more than 100/,
    );
  });

  it('rejects a key that signs twice and ambiguous verifiers', () => {
    expect(() => openNote(`${body}\n${line(0)}${line(0)}`, keys)).toThrow('signed twice');
    expect(() => openNote(`${body}\n${line(0)}`, [keys[0]!, keys[0]!])).toThrow('more than one verifier');
  });
});

describe('parseNote strictness', () => {
  const good = DERIVED.checkpointNote;
  const sigLine = good.slice(DERIVED.checkpointBody.length + 1);
  const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);
  const cases: [string, string][] = [
    ['no blank line', DERIVED.checkpointBody + sigLine],
    ['no final newline', good.slice(0, -1)],
    ['no signatures', DERIVED.checkpointBody + '\n'],
    ['blank line after the signatures', good + '\n'],
    ['CR line ending', good.replace('\n8\n', '\r\n8\n')],
    ['tab', good.replace('registry.example/audit/v1\n8', 'registry.example/audit/v1\t\n8')],
    ['NUL', good.replace('8\n', '8\u0000\n')],
    ['DEL', good.replace('8\n', '8\u007f\n')],
    ['C1 control', good.replace('8\n', '8\u0085\n')],
    ['lone surrogate', good.replace('8\n', '8\ud800\n')],
    ['hyphen instead of em dash', good.replace('\u2014', '-')],
    ['en dash', good.replace('\u2014', '\u2013')],
    ['two spaces after the dash', good.replace('\u2014 ', '\u2014  ')],
    ['no space before the signature', good.replace(`audit/v1 ${b64}`, `audit/v1${b64}`)],
    ['two spaces before the signature', good.replace(` ${b64}`, `  ${b64}`)],
    ['trailing space', good.replace(`${b64}\n`, `${b64} \n`)],
    ['unpadded base64', good.replace(b64, b64.replace(/=+$/, ''))],
    ['URL-safe base64', good.replace(b64, b64.replace(/\//g, '_').replace(/\+/g, '-'))],
    ['non-canonical base64', good.replace(b64, b64.replace(/E=$/, 'F='))],
    ['signature too short', good.replace(b64, 'AAAAAA==')],
    ['name with +', good.replace('\u2014 registry.example/audit/v1', '\u2014 registry+example')],
    ['empty name', good.replace('\u2014 registry.example/audit/v1 ', '\u2014  ')],
  ];
  it.each(cases)('rejects %s', (_, text) => {
    expect(() => parseNote(text)).toThrow(NoteError);
    expect(rejects(text, [log])).toBe(true);
  });

  it('finds the signatures after the last blank line (bodies may contain blank lines)', () => {
    const body = 'first\n\nsecond\n';
    const note = signNote(body, 'key', DERIVED.logSeed);
    expect(parseNote(note).body).toBe(body);
    expect(openNote(note, [ed25519Verifier('key', logKey)]).body).toBe(body);
  });

  it('signNote refuses bad bodies, names and seeds', () => {
    expect(() => signNote('no newline', 'k', DERIVED.logSeed)).toThrow(NoteError);
    expect(() => signNote('tab\t\n', 'k', DERIVED.logSeed)).toThrow(NoteError);
    expect(() => signNote('ok\n', 'has space', DERIVED.logSeed)).toThrow(NoteError);
    expect(() => signNote('ok\n', 'a+b', DERIVED.logSeed)).toThrow(NoteError);
    expect(() => signNote('ok\n', '', DERIVED.logSeed)).toThrow(NoteError);
    expect(() => signNote('ok\n', 'k', new Uint8Array(31))).toThrow(TypeError);
  });
});

describe('verifier keys', () => {
  const [name, id, key] = [DERIVED.origin, '71da39e9', 'AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4'];
  const cases: [string, string][] = [
    ['a wrong key ID', `${name}+71da39ea+${key}`],
    ['an upper-case key ID', `${name}+${id.toUpperCase()}+${key}`],
    ['a short key ID', `${name}+71da39+${key}`],
    ['another name', `other.example+${id}+${key}`],
    ['a name with a space', `a b+${id}+${key}`],
    ['no name', `+${id}+${key}`],
    ['missing parts', `${name}+${id}`],
    ['bad base64', `${name}+${id}+${key.slice(1)}`],
    [
      'an unknown key type',
      `${name}+${bytesToHex(noteKeyId(name, 0x02, logKey))}+${Buffer.from([2, ...logKey]).toString('base64')}`,
    ],
    [
      'a short Ed25519 key',
      `${name}+${bytesToHex(noteKeyId(name, 1, logKey.subarray(1)))}+${Buffer.from([1, ...logKey.subarray(1)]).toString('base64')}`,
    ],
    ['a type byte only', `${name}+${bytesToHex(noteKeyId(name, 1, new Uint8Array(0)))}+AQ==`],
  ];
  it.each(cases)('rejects %s', (_, vkey) => expect(() => parseVerifierKey(vkey)).toThrow(NoteError));

  it('round-trips a generated key', () => {
    const vkey = formatVerifierKey('arca.example/audit/0b8c', logKey);
    const verifier = parseVerifierKey(vkey);
    const note = signNote('hello\n', 'arca.example/audit/0b8c', DERIVED.logSeed);
    expect(openNote(note, [verifier]).verifiedBy).toEqual(['arca.example/audit/0b8c']);
  });

  it('ed25519Verifier rejects keys that are not curve points', () => {
    const notAPoint = new Uint8Array(32).fill(0xff);
    expect(() => ed25519Verifier('k', notAPoint)).toThrow('not an Ed25519 public key');
    expect(() => ed25519Verifier('k', new Uint8Array(31))).toThrow(NoteError);
  });
});
