// Streaming full-log audit: hash every entry, check it against its stored leaf hash and sequence number, fold
// it into a compact range and compare the root with a checkpoint. Memory stays O(log n).
import { bytesEqual, bytesToHex, isSafeIndex } from './bytes.js';
import { EMPTY_ROOT, HASH_SIZE, leafHash, type Hash } from './hash.js';
import { CompactRange } from './tree.js';

export type LogProblemKind =
  | 'leaf-hash-mismatch' // the entry bytes do not hash to the stored leaf hash
  | 'sequence' // gap, duplicate or reordering: the sequence number is not the next one
  | 'extra-entry' // more entries than the expected size
  | 'missing-entries' // fewer entries than the checkpoint size
  | 'trusted-root-mismatch' // the prefix of a trusted checkpoint's size has another root: history was rewritten
  | 'root-mismatch'; // every entry checked out, but the tree does not match the checkpoint root

export interface LogProblem {
  kind: LogProblemKind;
  /** Sequence number of the first bad entry, when the problem can be pinned to one. */
  index?: number;
  message: string;
}

export interface TreeHead {
  size: number;
  rootHash: Hash;
}

export interface LogVerifierOptions {
  /** Expected number of entries (the checkpoint size): extra entries are reported as soon as they arrive. */
  size?: number;
  /** Checkpoints verified earlier: the first `size` entries must still have that root (consistency, no proof needed). */
  trusted?: readonly TreeHead[];
}

export interface LogVerification {
  ok: boolean;
  /** Entries added. */
  count: number;
  /** Root of the entries as received, in order. */
  root: Hash;
  /** Sequence number of the first bad entry (absent when ok, or when only the root differs). */
  firstBadIndex?: number;
  /** The first problem found (absent when ok). */
  problem?: LogProblem;
}

function checkHead(head: TreeHead, what: string): void {
  if (!isSafeIndex(head.size)) throw new TypeError(`${what} size must be a safe non-negative integer`);
  if (!(head.rootHash instanceof Uint8Array) || head.rootHash.length !== HASH_SIZE) {
    throw new TypeError(`${what} root must be ${HASH_SIZE} bytes`);
  }
}

/**
 * Feed entries in sequence order with `add`, then call `finish` with the (already signature-checked) checkpoint.
 * The first problem is kept; later entries are still folded so that `root` reflects what was received.
 */
export class LogVerifier {
  readonly #range = CompactRange.empty();
  readonly #size: number | undefined;
  readonly #trusted: TreeHead[];
  #problem: LogProblem | undefined;

  constructor(options: LogVerifierOptions = {}) {
    if (options.size !== undefined && !isSafeIndex(options.size)) {
      throw new TypeError('size must be a safe non-negative integer');
    }
    this.#size = options.size;
    this.#trusted = [...(options.trusted ?? [])].sort((a, b) => b.size - a.size); // next one last
    this.#trusted.forEach((t) => checkHead(t, 'trusted checkpoint'));
    this.#checkTrusted();
  }

  /** Entries added so far. */
  get count(): number {
    return this.#range.size;
  }

  /** The first problem found so far. */
  get problem(): LogProblem | undefined {
    return this.#problem;
  }

  /** Root of the entries added so far. */
  root(): Hash {
    return this.#range.root();
  }

  /**
   * Adds the next entry (its exact stored bytes), optionally with its stored leaf hash and sequence number.
   * Returns false once any problem has been found, so a caller may stop downloading.
   */
  add(entry: Uint8Array, expectedLeafHash?: Hash, seq?: number): boolean {
    const index = this.#range.size;
    const leaf = leafHash(entry);
    if (!this.#problem) {
      if (seq !== undefined && seq !== index) {
        const got = isSafeIndex(seq) ? String(seq) : 'an invalid sequence number';
        const what = !isSafeIndex(seq) ? 'invalid' : seq < index ? 'duplicate or out of order' : 'gap';
        this.#fail('sequence', index, `expected entry ${index}, got ${got} (${what})`);
      } else if (this.#size !== undefined && index >= this.#size) {
        this.#fail('extra-entry', index, `entry ${index} is beyond the expected size ${this.#size}`);
      } else if (expectedLeafHash !== undefined && !bytesEqual(leaf, expectedLeafHash)) {
        this.#fail(
          'leaf-hash-mismatch',
          index,
          `entry ${index} hashes to ${bytesToHex(leaf)}, not to its stored leaf hash ${bytesToHex(expectedLeafHash)}`,
        );
      }
    }
    this.#range.push(leaf);
    this.#checkTrusted();
    return !this.#problem;
  }

  /** Final verdict against a checkpoint whose signature the caller has verified. */
  finish(checkpoint: TreeHead): LogVerification {
    checkHead(checkpoint, 'checkpoint');
    const count = this.count;
    const root = this.root();
    const problem = this.#problem ?? this.#finalProblem(checkpoint, root);
    return problem
      ? {
          ok: false,
          count,
          root,
          problem,
          ...(problem.index !== undefined && { firstBadIndex: problem.index }),
        }
      : { ok: true, count, root };
  }

  #finalProblem(checkpoint: TreeHead, root: Hash): LogProblem | undefined {
    const count = this.count;
    if (count < checkpoint.size) {
      const missing = checkpoint.size - count;
      return {
        kind: 'missing-entries',
        index: count,
        message: `${missing} entr${missing === 1 ? 'y is' : 'ies are'} missing: got ${count}, the checkpoint has ${checkpoint.size}`,
      };
    }
    if (count > checkpoint.size) {
      return {
        kind: 'extra-entry',
        index: checkpoint.size,
        message: `got ${count} entries, the checkpoint has ${checkpoint.size}`,
      };
    }
    const pending = this.#trusted[this.#trusted.length - 1];
    if (pending) {
      return {
        kind: 'trusted-root-mismatch',
        message: `a trusted checkpoint has ${pending.size} entries, the log now has ${count}: it was rolled back`,
      };
    }
    if (!bytesEqual(root, checkpoint.rootHash)) {
      return {
        kind: 'root-mismatch',
        message: `the tree of the ${count} entries has root ${bytesToHex(root)}, the checkpoint says ${bytesToHex(checkpoint.rootHash)}`,
      };
    }
    return undefined;
  }

  #fail(kind: LogProblemKind, index: number | undefined, message: string): void {
    this.#problem ??= { kind, ...(index !== undefined && { index }), message };
  }

  // Compares the root with every trusted checkpoint whose size has just been reached.
  #checkTrusted(): void {
    const trusted = this.#trusted;
    while (trusted.length > 0 && trusted[trusted.length - 1]!.size === this.count) {
      const head = trusted.pop()!;
      const root = head.size === 0 ? EMPTY_ROOT : this.#range.root();
      if (!bytesEqual(root, head.rootHash)) {
        this.#fail(
          'trusted-root-mismatch',
          undefined,
          `the first ${head.size} entries have root ${bytesToHex(root)}, a trusted checkpoint says ${bytesToHex(head.rootHash)}`,
        );
      }
    }
  }
}
