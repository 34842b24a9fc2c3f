// C2SP signed-note: a UTF-8 text body ending in "\n", a blank line, then "— <key name> base64(keyID ‖ sig)"
// lines. Parsing is strict; verification needs one good signature by a known key and rejects any bad one.
import {
  base64Decode,
  base64Encode,
  bytesEqual,
  bytesToHex,
  concatBytes,
  isWellFormed,
  utf8Encode,
} from './bytes.js';
import { sha256 } from './hash.js';

/** Malformed note, checkpoint or key, or a note that does not verify. */
export class NoteError extends Error {
  override readonly name = 'NoteError';
}

/** Signature types of C2SP signed-note. */
export const NoteKeyType = { Ed25519: 0x01, CosignatureV1: 0x04 } as const;

/** Verifiers must accept at least 16 signatures; more than this many is treated as malformed. */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
const KEY_ID_SIZE = 4;

// Control characters (C0 except "\n", DEL, C1) are not allowed anywhere in a note.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** Throws NoteError unless `text` is well-formed Unicode without control characters other than "\n". */
export function checkNoteText(text: string, what = 'note'): void {
  if (!isWellFormed(text)) throw new NoteError(`${what} is not valid UTF-8 (lone surrogate)`);
  if (CONTROL.test(text)) throw new NoteError(`${what} contains a control character`);
}

/** Key names are non-empty and contain no whitespace and no "+". */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && isWellFormed(name) && !CONTROL.test(name);
}

export function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new NoteError(`invalid key name "${name}": empty, or contains a space or "+"`);
  }
}

/** Key ID: SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4]. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  const digest = sha256(concatBytes(utf8Encode(name), new Uint8Array([0x0a, type]), publicKey));
  return digest.slice(0, KEY_ID_SIZE);
}

/** Checks one note signature (the bytes after the key ID) over the note body. */
export interface NoteVerifier {
  name: string;
  keyId: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Throws NoteError unless `body` is valid note text ending in a newline. */
export function checkNoteBody(body: string): void {
  checkNoteText(body, 'note body');
  if (!body.endsWith('\n')) throw new NoteError('note body must end with a newline');
}

/** One signature line: `— name base64(keyId ‖ signature)\n`. */
export function signatureLine(name: string, keyId: Uint8Array, signature: Uint8Array): string {
  checkKeyName(name);
  return `${SIGNATURE_PREFIX}${name} ${base64Encode(concatBytes(keyId, signature))}\n`;
}

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  /** The signature bytes after the 4-byte key ID. */
  signature: Uint8Array;
}

/** Splits a note into body and signatures without verifying anything; throws NoteError if malformed. */
export function parseNote(text: string): { body: string; signatures: NoteSignature[] } {
  checkNoteText(text);
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('note has no blank line before its signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw new NoteError('note signatures must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new NoteError(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  const signatures = lines.map((line, i) => {
    const where = `signature line ${i + 1}`;
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteError(`${where} does not start with "— "`);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw new NoteError(`${where} is not "— <name> <signature>"`);
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) throw new NoteError(`${where} has an invalid key name`);
    let bytes: Uint8Array;
    try {
      bytes = base64Decode(rest.slice(space + 1));
    } catch (error) {
      throw new NoteError(`${where}: ${(error as Error).message}`);
    }
    if (bytes.length <= KEY_ID_SIZE) throw new NoteError(`${where} is too short`);
    return { name, keyId: bytes.slice(0, KEY_ID_SIZE), signature: bytes.slice(KEY_ID_SIZE) };
  });
  return { body, signatures };
}

/**
 * Verifies a note: every signature by a known key (same name and key ID) must verify and at least one must be
 * present; signatures by unknown keys are ignored. Returns the body and the names of the keys that verified.
 */
export function openNote(
  text: string,
  verifiers: readonly NoteVerifier[],
): { body: string; verifiedBy: string[] } {
  const { body, signatures } = parseNote(text);
  const find = (s: NoteSignature): NoteVerifier | undefined => {
    const matches = verifiers.filter((v) => v.name === s.name && bytesEqual(v.keyId, s.keyId));
    if (matches.length > 1) throw new NoteError(`more than one verifier for key ${s.name}`);
    return matches[0];
  };
  const message = utf8Encode(body);
  const seen = new Set<string>();
  const verifiedBy: string[] = [];
  for (const s of signatures) {
    const id = `${s.name}+${bytesToHex(s.keyId)}`;
    if (seen.has(id)) throw new NoteError(`note is signed twice by key ${s.name}`);
    seen.add(id);
    const verifier = find(s);
    if (!verifier) continue;
    if (!verifier.verify(message, s.signature)) throw new NoteError(`signature by ${s.name} does not verify`);
    verifiedBy.push(s.name);
  }
  if (verifiedBy.length === 0) throw new NoteError('note has no signature by a known key');
  return { body, verifiedBy };
}
