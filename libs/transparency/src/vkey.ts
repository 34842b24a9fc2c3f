// Verifier keys as text: "name+hex(keyID)+base64(type ‖ public key)" (C2SP signed-note).
import { base64Decode, base64Encode, bytesToHex, concatBytes } from './bytes.js';
import { cosignatureVerifier } from './cosignature.js';
import { ed25519Verifier } from './ed25519.js';
import { checkKeyName, NoteError, NoteKeyType, noteKeyId, type NoteVerifier } from './note.js';

/** Verifier key text; type 0x01 (Ed25519) unless given (0x04 for a cosignature/v1 witness key). */
export function formatVerifierKey(
  name: string,
  publicKey: Uint8Array,
  type: number = NoteKeyType.Ed25519,
): string {
  checkKeyName(name);
  const keyId = noteKeyId(name, type, publicKey);
  return `${name}+${bytesToHex(keyId)}+${base64Encode(concatBytes(new Uint8Array([type]), publicKey))}`;
}

const FACTORIES: ReadonlyMap<number, (name: string, publicKey: Uint8Array) => NoteVerifier> = new Map([
  [NoteKeyType.Ed25519, ed25519Verifier],
  [NoteKeyType.CosignatureV1, cosignatureVerifier],
]);

/** Parses an Ed25519 (0x01) or cosignature/v1 (0x04) verifier key; throws NoteError. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const plus1 = vkey.indexOf('+');
  const plus2 = vkey.indexOf('+', plus1 + 1);
  if (plus1 < 0 || plus2 < 0) throw new NoteError('verifier key is not "name+keyid+key"');
  const name = vkey.slice(0, plus1);
  const idHex = vkey.slice(plus1 + 1, plus2);
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('verifier key ID is not 8 lower-case hex digits');
  let key: Uint8Array;
  try {
    key = base64Decode(vkey.slice(plus2 + 1));
  } catch (error) {
    throw new NoteError(`verifier key: ${(error as Error).message}`);
  }
  if (key.length < 2) throw new NoteError('verifier key is too short');
  const type = key[0]!;
  const publicKey = key.slice(1);
  const factory = FACTORIES.get(type);
  if (!factory) throw new NoteError(`unsupported verifier key type 0x${type.toString(16).padStart(2, '0')}`);
  if (bytesToHex(noteKeyId(name, type, publicKey)) !== idHex) {
    throw new NoteError('verifier key ID does not match the name and key');
  }
  return factory(name, publicKey);
}
