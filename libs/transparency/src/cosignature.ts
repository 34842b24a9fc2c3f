// C2SP tlog-cosignature `cosignature/v1` (signed-note type 0x04): a witness signs
// "cosignature/v1\ntime <unix seconds>\n" ‖ checkpoint body; the note signature is u64 BE time ‖ Ed25519 sig.
import { concatBytes, utf8Encode } from './bytes.js';
import { checkEd25519PublicKey, ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.js';
import {
  checkKeyName,
  checkNoteBody,
  NoteError,
  NoteKeyType,
  noteKeyId,
  signatureLine,
  type NoteVerifier,
} from './note.js';

const TIME_SIZE = 8;

function cosignedMessage(time: bigint, body: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(`cosignature/v1\ntime ${time}\n`), body);
}

/** The timestamp (unix seconds) of a cosignature/v1 signature (the bytes after the key ID). */
export function cosignatureTime(signature: Uint8Array): number {
  if (signature.length !== TIME_SIZE + 64) throw new NoteError('a cosignature/v1 signature is 72 bytes');
  const time = new DataView(signature.buffer, signature.byteOffset, TIME_SIZE).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError('cosignature timestamp is out of range');
  return Number(time);
}

/** Verifier for cosignature/v1 signatures by witness `name` (vkey type 0x04). */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  checkKeyName(name);
  checkEd25519PublicKey(publicKey);
  const key = publicKey.slice();
  return {
    name,
    keyId: noteKeyId(name, NoteKeyType.CosignatureV1, key),
    verify: (message, signature) => {
      if (signature.length !== TIME_SIZE + 64) return false;
      const time = new DataView(signature.buffer, signature.byteOffset, TIME_SIZE).getBigUint64(0);
      return ed25519Verify(signature.subarray(TIME_SIZE), cosignedMessage(time, message), key);
    },
  };
}

/** The cosignature/v1 signature line of witness `name` (Ed25519 seed) over a checkpoint body at `time`. */
export function cosignatureLine(body: string, name: string, seed: Uint8Array, time: number): string {
  checkNoteBody(body);
  if (!Number.isSafeInteger(time) || time < 0) throw new TypeError('time must be a non-negative integer');
  const t = BigInt(time);
  const stamp = new Uint8Array(TIME_SIZE);
  new DataView(stamp.buffer).setBigUint64(0, t);
  const signature = ed25519Sign(cosignedMessage(t, utf8Encode(body)), seed);
  const keyId = noteKeyId(name, NoteKeyType.CosignatureV1, ed25519PublicKey(seed));
  return signatureLine(name, keyId, concatBytes(stamp, signature));
}
