import {
  LogVerifier,
  bytesEqual,
  bytesToHex,
  hexToBytes,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  utf8Encode,
  verifyConsistency,
  type TreeHead,
} from '@arca/transparency';
import type { AuditApi } from './resources/audit.js';
import type { AuditCheckpoint, AuditExportLine } from './types.js';

// Offline-style verification of a tenant audit log (reference/audit.md §6.6): the server is not trusted, only the
// log key pinned on first use and what this verifier saw before (its last checkpoint and the leaf hashes it
// checked), so edits, deletions, reorderings, insertions, rollbacks and split views are all caught and pinned to
// the first bad sequence number whenever the evidence allows.

/** What a verifier keeps between runs (trust on first use). */
export interface AuditVerifierState {
  origin: string;
  verifierKey: string;
  /** The last checkpoint that verified: its signed note, size and root. */
  checkpoint: { size: number; rootHash: string; note: string };
  /** Leaf hashes of entries [0, checkpoint.size), 32 bytes each, as this verifier computed them. */
  leaves: Uint8Array;
}

export type AuditProblemKind =
  | 'no-checkpoint'
  | 'key-changed'
  | 'bad-signature'
  | 'rollback'
  | 'split-view'
  | 'inconsistent'
  | 'entry-changed'
  | 'leaf-hash-mismatch'
  | 'sequence'
  | 'extra-entry'
  | 'missing-entries'
  | 'trusted-root-mismatch'
  | 'root-mismatch'
  | 'semantic';

export interface AuditVerification {
  ok: boolean;
  /** Entries downloaded and checked. */
  checked: number;
  checkpoint?: { origin: string; size: number; rootHash: string };
  /** First sequence number known to be bad. */
  firstBadSeq?: number;
  /** When the damage can only be bracketed: entries [from, to) hold the first bad one. */
  badRange?: { from: number; to: number };
  problem?: { kind: AuditProblemKind; message: string };
  /** Whether the log key was pinned by this run (first use). */
  pinnedNow: boolean;
  /** State to keep for the next run (only when ok). */
  state?: AuditVerifierState;
}

export interface VerifyAuditLogOptions {
  /** What the previous run kept; absent on first use. */
  previous?: AuditVerifierState;
  /** Allowed clock skew between consecutive events (default 5 minutes). */
  maxTimeSkewMs?: number;
  /** Called every 10 000 entries. */
  onProgress?: (checked: number, total: number) => void;
}

const HASH = 32;

export async function verifyAuditLog(
  audit: AuditApi,
  options: VerifyAuditLogOptions = {},
): Promise<AuditVerification> {
  const previous = options.previous;
  const fail = (
    kind: AuditProblemKind,
    message: string,
    extra: Partial<AuditVerification> = {},
  ): AuditVerification => ({
    ok: false,
    checked: 0,
    problem: { kind, message },
    pinnedNow: !previous,
    ...extra,
  });

  const stream: AsyncGenerator<AuditExportLine> = audit.export({ proofs: false });
  const opening = await stream.next();
  const first: AuditExportLine | undefined = opening.done ? undefined : opening.value;
  if (!first || first.type !== 'checkpoint' || !first.note || !first.verifierKey || !first.origin) {
    await stream.return(undefined);
    return fail('no-checkpoint', 'the server has no signed checkpoint for this log yet');
  }
  // Trust: the pinned key, never the one the server names (except on first use).
  const verifierKey = previous?.verifierKey ?? first.verifierKey;
  const origin = previous?.origin ?? first.origin;
  if (previous && first.verifierKey !== previous.verifierKey) {
    await stream.return(undefined);
    return fail(
      'key-changed',
      `the server now names log key ${first.verifierKey}; the pinned one is ${previous.verifierKey}`,
    );
  }
  const logKey = parseVerifierKey(verifierKey);
  let head: TreeHead;
  try {
    const cp = openCheckpoint(first.note, logKey, { origin });
    head = { size: cp.size, rootHash: cp.rootHash };
  } catch (error) {
    await stream.return(undefined);
    return fail('bad-signature', `the latest checkpoint does not verify: ${(error as Error).message}`);
  }
  const checkpoint = { origin, size: head.size, rootHash: bytesToHex(head.rootHash) };

  // Earlier signed checkpoints the server still serves: every one must verify and match the recomputed prefix.
  const trusted: TreeHead[] = [];
  let historicError: string | undefined;
  for (let after = 0; ;) {
    const page: AuditCheckpoint[] = await audit.checkpoints(after, 1000);
    for (const c of page) {
      if (c.size >= head.size) continue;
      try {
        const opened = openCheckpoint(c.note, logKey, { origin });
        trusted.push({ size: opened.size, rootHash: opened.rootHash });
      } catch (error) {
        historicError ??= `signed checkpoint of size ${c.size} does not verify: ${(error as Error).message}`;
      }
    }
    if (page.length < 1000) break;
    after = page[page.length - 1]!.size;
  }

  // What this verifier saw last time.
  let splitView = false;
  if (previous) {
    const prevRoot = hexToBytes(previous.checkpoint.rootHash);
    if (head.size < previous.checkpoint.size) {
      await stream.return(undefined);
      return fail(
        'rollback',
        `the log shrank from ${previous.checkpoint.size} to ${head.size} entries since the last verification`,
        { firstBadSeq: head.size, checkpoint },
      );
    }
    if (head.size === previous.checkpoint.size && !bytesEqual(prevRoot, head.rootHash)) splitView = true;
    if (head.size > previous.checkpoint.size && previous.checkpoint.size > 0) {
      const proof = await audit.consistencyProof(previous.checkpoint.size, head.size);
      try {
        verifyConsistency(
          previous.checkpoint.size,
          head.size,
          proof.proof.map(hexToBytes),
          prevRoot,
          head.rootHash,
        );
      } catch {
        // Named below from the entries; the proof failing is already proof of a rewritten history.
        splitView = true;
      }
    }
    trusted.push({ size: previous.checkpoint.size, rootHash: prevRoot });
  }

  const verifier = new LogVerifier({ size: head.size }); // earlier checkpoints are compared below, to bracket the damage
  const leaves = new Uint8Array(head.size * HASH);
  const prevLeaves = previous?.leaves ?? new Uint8Array(0);
  const trustedBySize = new Map(trusted.map((t) => [t.size, t]));
  const eventIds = new Set<string>();
  const skew = options.maxTimeSkewMs ?? 5 * 60_000;
  let changedAt: number | undefined;
  let semantic: { seq: number; message: string } | undefined;
  let lastGoodTrusted = 0;
  let firstBadTrusted: number | undefined;
  let tenant: string | undefined;
  let lastTime = -Infinity;
  for await (const line of stream) {
    if (line.type !== 'entry') continue;
    const bytes = utf8Encode(line.entry);
    const seq = verifier.count;
    const stored = line.leafHash.length === 64 ? hexToBytes(line.leafHash) : new Uint8Array(0);
    if (!verifier.add(bytes, stored, line.seq) && verifier.problem?.kind === 'extra-entry') break;
    const leaf = leafHash(bytes);
    if (seq < head.size) leaves.set(leaf, seq * HASH);
    if (changedAt === undefined && (seq + 1) * HASH <= prevLeaves.length) {
      if (!bytesEqual(leaf, prevLeaves.subarray(seq * HASH, (seq + 1) * HASH))) changedAt = seq;
    }
    const t = trustedBySize.get(seq + 1);
    if (t) {
      if (bytesEqual(verifier.root(), t.rootHash)) lastGoodTrusted = t.size;
      else firstBadTrusted ??= t.size;
    }
    if (!semantic) {
      const problem = checkSemantics(line.entry, eventIds, tenant, lastTime, skew);
      if (typeof problem === 'string') semantic = { seq, message: problem };
      else ({ tenant, lastTime } = problem);
    }
    if (verifier.count % 10_000 === 0) options.onProgress?.(verifier.count, head.size);
  }
  const result = verifier.finish(head);
  const checked = verifier.count;

  // Report the earliest bad position any check could pin down.
  // On a tie the more specific finding (the entry's own hash or sequence number) is reported (stable sort).
  const candidates: { seq: number; kind: AuditProblemKind; message: string }[] = [];
  if (result.problem && result.firstBadIndex !== undefined) {
    candidates.push({
      seq: result.firstBadIndex,
      kind: result.problem.kind,
      message: result.problem.message,
    });
  }
  if (changedAt !== undefined) {
    candidates.push({
      seq: changedAt,
      kind: 'entry-changed',
      message: `entry ${changedAt} differs from the one verified earlier`,
    });
  }
  if (semantic) candidates.push({ seq: semantic.seq, kind: 'semantic', message: semantic.message });
  candidates.sort((a, b) => a.seq - b.seq);
  const pinned = candidates[0];
  if (pinned) {
    const kind = splitView && pinned.kind === 'entry-changed' ? 'split-view' : pinned.kind;
    return {
      ok: false,
      checked,
      checkpoint,
      firstBadSeq: pinned.seq,
      problem: { kind, message: pinned.message },
      pinnedNow: !previous,
    };
  }
  if (firstBadTrusted !== undefined || !result.ok || splitView || historicError) {
    const kind: AuditProblemKind = splitView
      ? head.size === previous?.checkpoint.size
        ? 'split-view'
        : 'inconsistent'
      : firstBadTrusted !== undefined
        ? 'trusted-root-mismatch'
        : (result.problem?.kind ?? 'bad-signature');
    const message = splitView
      ? `the log is not an extension of the checkpoint verified earlier (size ${previous?.checkpoint.size}): two signed views exist`
      : firstBadTrusted !== undefined
        ? `the first ${firstBadTrusted} entries no longer match a checkpoint signed earlier`
        : (result.problem?.message ?? historicError ?? 'verification failed');
    const to = firstBadTrusted ?? head.size;
    return {
      ok: false,
      checked,
      checkpoint,
      badRange: { from: lastGoodTrusted, to },
      problem: { kind, message },
      pinnedNow: !previous,
    };
  }
  return {
    ok: true,
    checked,
    checkpoint,
    pinnedNow: !previous,
    state: {
      origin,
      verifierKey,
      checkpoint: { size: head.size, rootHash: bytesToHex(head.rootHash), note: first.note },
      leaves,
    },
  };
}

/** Per-entry checks: a JSON object of this tenant, unique id, time not running backwards beyond the skew. */
function checkSemantics(
  entry: string,
  ids: Set<string>,
  tenant: string | undefined,
  lastTime: number,
  skew: number,
): string | { tenant: string; lastTime: number } {
  let e: { id?: unknown; tenant?: unknown; time?: unknown };
  try {
    e = JSON.parse(entry) as typeof e;
  } catch {
    return 'entry is not JSON';
  }
  if (typeof e.id !== 'string' || typeof e.tenant !== 'string' || typeof e.time !== 'string') {
    return 'entry lacks id, tenant or time';
  }
  if (tenant !== undefined && e.tenant !== tenant) {
    return `entry belongs to tenant ${e.tenant}, not ${tenant}`;
  }
  if (ids.has(e.id)) return `event id ${e.id} appears twice`;
  ids.add(e.id);
  const time = Date.parse(e.time);
  if (Number.isNaN(time)) return `entry time ${e.time} is not a date`;
  if (time < lastTime - skew) return `entry time ${e.time} runs backwards by more than ${skew / 1000} s`;
  return { tenant: e.tenant, lastTime: Math.max(lastTime, time) };
}
