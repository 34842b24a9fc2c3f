// Ed25519 note keys (signed-note type 0x01): verifiers, public keys and signing.
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8Encode } from './bytes.js';
import {
  checkKeyName,
  checkNoteBody,
  NoteError,
  NoteKeyType,
  noteKeyId,
  signatureLine,
  type NoteVerifier,
} from './note.js';

/** Strict RFC 8032 verification (no ZIP-215 leniency), as node:crypto / OpenSSL do. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Throws NoteError unless `publicKey` is the 32-byte encoding of an Ed25519 point. */
export function checkEd25519PublicKey(publicKey: Uint8Array): void {
  let ok = publicKey.length === 32;
  if (ok) {
    try {
      ed25519.Point.fromBytes(publicKey);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new NoteError('not an Ed25519 public key');
}

/** Ed25519 public key of a 32-byte seed (the RFC 8032 private key). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
  return ed25519.getPublicKey(seed);
}

/** Ed25519 signature of `message` by the key of `seed`. Deterministic, so node:crypto gives the same bytes. */
export function ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
  return ed25519.sign(message, seed);
}

/** Verifier for Ed25519 note signatures (type 0x01) by key `name`. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  checkKeyName(name);
  checkEd25519PublicKey(publicKey);
  const key = publicKey.slice();
  return {
    name,
    keyId: noteKeyId(name, NoteKeyType.Ed25519, key),
    verify: (message, signature) => ed25519Verify(signature, message, key),
  };
}

/** Signs `body` (note text ending in "\n") as key `name` with an Ed25519 seed: body, blank line, signature line. */
export function signNote(body: string, name: string, seed: Uint8Array): string {
  checkNoteBody(body);
  const keyId = noteKeyId(name, NoteKeyType.Ed25519, ed25519PublicKey(seed));
  return `${body}\n${signatureLine(name, keyId, ed25519Sign(utf8Encode(body), seed))}`;
}
