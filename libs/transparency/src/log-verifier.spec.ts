import { describe, expect, it } from 'vitest';
import { bytesToHex } from './bytes.js';
import { EMPTY_ROOT, leafHash, type Hash } from './hash.js';
import { canonicalBytes } from './jcs.js';
import { LogVerifier, type TreeHead } from './log-verifier.js';
import { merkleRoot } from './tree.js';

interface Row {
  seq: number;
  entry: Uint8Array;
  leafHash: Hash;
}

const entries = (n: number): Row[] =>
  Array.from({ length: n }, (_, seq) => {
    const entry = canonicalBytes({ v: 1, seq, action: 'model.version.create', target: { id: `m-${seq}` } });
    return { seq, entry, leafHash: leafHash(entry) };
  });

const rows = entries(100);
const head: TreeHead = { size: rows.length, rootHash: merkleRoot(rows.map((r) => r.leafHash)) };

function verify(stream: readonly Row[], checkpoint = head, options = {}) {
  const verifier = new LogVerifier({ size: checkpoint.size, ...options });
  for (const r of stream) verifier.add(r.entry, r.leafHash, r.seq);
  return verifier.finish(checkpoint);
}

describe('LogVerifier', () => {
  it('accepts an intact log and returns its root', () => {
    const result = verify(rows);
    expect(result).toEqual({ ok: true, count: 100, root: head.rootHash });
    expect(new LogVerifier().finish({ size: 0, rootHash: EMPTY_ROOT })).toMatchObject({ ok: true, count: 0 });
  });

  it('works without stored leaf hashes and sequence numbers', () => {
    const verifier = new LogVerifier();
    for (const r of rows) expect(verifier.add(r.entry)).toBe(true);
    expect(verifier.finish(head).ok).toBe(true);
  });

  it('reports an entry whose bytes no longer match its stored leaf hash (§6.9 row 1)', () => {
    const tampered = rows.map((r) =>
      r.seq === 42 ? { ...r, entry: canonicalBytes({ v: 1, seq: 42, x: 1 }) } : r,
    );
    const result = verify(tampered);
    expect(result).toMatchObject({
      ok: false,
      firstBadIndex: 42,
      problem: { kind: 'leaf-hash-mismatch', index: 42 },
    });
    expect(result.problem?.message).toMatch(/^entry 42 hashes to [0-9a-f]{64}, not to its stored leaf hash/);
  });

  it('reports the first of several bad entries and stops saying ok from then on', () => {
    const verifier = new LogVerifier({ size: 100 });
    const bad = new Set([7, 30]);
    const results = rows.map((r) =>
      verifier.add(bad.has(r.seq) ? Uint8Array.of(1) : r.entry, r.leafHash, r.seq),
    );
    expect(results.indexOf(false)).toBe(7);
    expect(results.slice(7).every((ok) => !ok)).toBe(true);
    expect(verifier.problem).toMatchObject({ kind: 'leaf-hash-mismatch', index: 7 });
    expect(verifier.finish(head).firstBadIndex).toBe(7);
  });

  it('reports a gap (deleted entry, §6.9 row 3)', () => {
    const result = verify(rows.filter((r) => r.seq !== 40));
    expect(result).toMatchObject({ ok: false, firstBadIndex: 40, problem: { kind: 'sequence' } });
    expect(result.problem?.message).toBe('expected entry 40, got 41 (gap)');
  });

  it('reports a duplicate', () => {
    const result = verify([...rows.slice(0, 51), rows[50]!, ...rows.slice(51)]);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 51, problem: { kind: 'sequence' } });
    expect(result.problem?.message).toBe('expected entry 51, got 50 (duplicate or out of order)');
  });

  it('reports a reordering (swapped entries, §6.9 row 4)', () => {
    const swapped = [...rows];
    [swapped[10], swapped[11]] = [swapped[11]!, swapped[10]!];
    expect(verify(swapped)).toMatchObject({ ok: false, firstBadIndex: 10, problem: { kind: 'sequence' } });
  });

  it('reports a reordering that kept the sequence numbers but swapped the contents', () => {
    const swapped = rows.map((r) =>
      r.seq === 10 ? { ...rows[11]!, seq: 10 } : r.seq === 11 ? { ...rows[10]!, seq: 11 } : r,
    );
    // The rows carry their own leaf hashes, so the stored hashes still match: only the root can tell.
    expect(verify(swapped)).toMatchObject({ ok: false, problem: { kind: 'root-mismatch' } });
    expect(verify(swapped).firstBadIndex).toBeUndefined();
  });

  it('reports a root that does not match the checkpoint (entry and leaf hash both rewritten)', () => {
    const rewritten = rows.map((r) => {
      if (r.seq !== 50) return r;
      const entry = canonicalBytes({ v: 1, seq: r.seq, action: 'forged' });
      return { ...r, entry, leafHash: leafHash(entry) };
    });
    const result = verify(rewritten);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'root-mismatch' } });
    expect(result.firstBadIndex).toBeUndefined();
    expect(result.problem?.message).toContain(`the checkpoint says ${bytesToHex(head.rootHash)}`);
    expect(verify(rows, { size: 100, rootHash: EMPTY_ROOT }).problem?.kind).toBe('root-mismatch');
  });

  it('reports missing entries at the end (truncation)', () => {
    const result = verify(rows.slice(0, 97));
    expect(result).toMatchObject({ ok: false, firstBadIndex: 97, problem: { kind: 'missing-entries' } });
    expect(result.problem?.message).toBe('3 entries are missing: got 97, the checkpoint has 100');
  });

  it('reports extra entries as they arrive, or at the end without a size', () => {
    const extra = [...rows, ...entries(102).slice(100)];
    expect(verify(extra)).toMatchObject({ ok: false, firstBadIndex: 100, problem: { kind: 'extra-entry' } });
    const verifier = new LogVerifier();
    for (const r of extra) verifier.add(r.entry, r.leafHash, r.seq);
    expect(verifier.finish(head)).toMatchObject({
      ok: false,
      firstBadIndex: 100,
      problem: { kind: 'extra-entry' },
    });
  });

  it('reports invalid sequence numbers', () => {
    const verifier = new LogVerifier();
    verifier.add(rows[0]!.entry, rows[0]!.leafHash, 0);
    expect(verifier.add(rows[1]!.entry, rows[1]!.leafHash, 1.5)).toBe(false);
    expect(verifier.problem).toMatchObject({ kind: 'sequence', index: 1 });
    expect(verifier.problem?.message).toBe('expected entry 1, got an invalid sequence number (invalid)');
  });

  it('reports a stored leaf hash of the wrong length as a mismatch', () => {
    const verifier = new LogVerifier();
    expect(verifier.add(rows[0]!.entry, rows[0]!.leafHash.subarray(1), 0)).toBe(false);
    expect(verifier.problem?.kind).toBe('leaf-hash-mismatch');
  });

  describe('trusted checkpoints (consistency without a proof)', () => {
    const prefix = (n: number): TreeHead => ({
      size: n,
      rootHash: merkleRoot(rows.slice(0, n).map((r) => r.leafHash)),
    });

    it('accepts a log that extends them', () => {
      expect(verify(rows, head, { trusted: [prefix(60), prefix(0), prefix(1), prefix(100)] }).ok).toBe(true);
    });

    it('reports a rewritten history (§6.9 row 2)', () => {
      const old = prefix(60);
      const rewritten = rows.map((r) => {
        if (r.seq !== 20) return r;
        const entry = canonicalBytes({ rewritten: true });
        return { ...r, entry, leafHash: leafHash(entry) };
      });
      const newRoot = merkleRoot(rewritten.map((r) => r.leafHash));
      const result = verify(rewritten, { size: 100, rootHash: newRoot }, { trusted: [old] });
      expect(result).toMatchObject({ ok: false, problem: { kind: 'trusted-root-mismatch' } });
      expect(result.problem?.message).toMatch(/^the first 60 entries have root/);
    });

    it('reports a rollback below a trusted size (§6.9 row 5)', () => {
      const shorter = rows.slice(0, 90);
      const rolledBack = { size: 90, rootHash: merkleRoot(shorter.map((r) => r.leafHash)) };
      expect(verify(shorter, rolledBack, { trusted: [prefix(95)] })).toMatchObject({
        ok: false,
        problem: { kind: 'trusted-root-mismatch' },
      });
    });

    it('validates its options', () => {
      expect(() => new LogVerifier({ size: -1 })).toThrow(TypeError);
      expect(() => new LogVerifier({ trusted: [{ size: 1, rootHash: new Uint8Array(3) }] })).toThrow(
        TypeError,
      );
      expect(() => new LogVerifier().finish({ size: 1.5, rootHash: EMPTY_ROOT })).toThrow(TypeError);
      expect(new LogVerifier({ trusted: [{ size: 0, rootHash: head.rootHash }] }).problem?.kind).toBe(
        'trusted-root-mismatch',
      );
    });
  });

  it('folds a longer stream into the same root as merkleRoot', () => {
    const verifier = new LogVerifier();
    for (const r of entries(1023)) verifier.add(r.entry, r.leafHash, r.seq);
    expect(verifier.count).toBe(1023);
    expect(bytesToHex(verifier.root())).toBe(bytesToHex(merkleRoot(entries(1023).map((r) => r.leafHash))));
  });
});
