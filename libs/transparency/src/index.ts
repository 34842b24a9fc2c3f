// @arca/transparency: RFC 6962/9162 Merkle trees and proofs, C2SP signed notes and checkpoints, RFC 8785
// canonical JSON and a streaming full-log verifier. Pure TypeScript for Node and the browser.
export {
  base64Decode,
  base64Encode,
  bytesEqual,
  bytesToHex,
  concatBytes,
  hexToBytes,
  isSafeIndex,
  utf8Decode,
  utf8Encode,
} from './bytes.js';
export { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash, sha256, sha256Backend, type Hash } from './hash.js';
export { CompactRange, merkleRoot, type SubtreeHash } from './tree.js';
export {
  MemoryNodeSource,
  consistencyProof,
  consistencyProofFrom,
  inclusionProof,
  inclusionProofFrom,
  rootFrom,
  type NodeSource,
} from './proof.js';
export { ProofError, verifyConsistency, verifyInclusion, type ProofErrorReason } from './verify.js';
export {
  MAX_NOTE_SIGNATURES,
  NoteError,
  NoteKeyType,
  isValidKeyName,
  noteKeyId,
  openNote,
  parseNote,
  type NoteSignature,
  type NoteVerifier,
} from './note.js';
export { ed25519PublicKey, ed25519Verifier, signNote } from './ed25519.js';
export { cosignatureLine, cosignatureTime, cosignatureVerifier } from './cosignature.js';
export { formatVerifierKey, parseVerifierKey } from './vkey.js';
export { formatCheckpoint, openCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
export { canonicalBytes, canonicalJson } from './jcs.js';
export {
  LogVerifier,
  type LogProblem,
  type LogProblemKind,
  type LogVerification,
  type LogVerifierOptions,
  type TreeHead,
} from './log-verifier.js';
