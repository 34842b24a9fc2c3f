/** A satisfiable byte range [start, end) of a representation of `size` bytes. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeResult =
  { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Parses a `Range` header (RFC 9110 §14.1.2) for one range: `bytes=a-b`, `bytes=a-` or `bytes=-n`. Several ranges
 * are refused as unsatisfiable rather than served as multipart (no client of ours asks for them); a header that is
 * not a bytes range is ignored (full response), as the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^bytes=(.*)$/i.exec(header.trim());
  if (!m) return { kind: 'full' };
  const specs = m[1]!.split(',').map((s) => s.trim());
  if (specs.length !== 1) return { kind: 'unsatisfiable' };
  const spec = /^(\d{0,15})-(\d{0,15})$/.exec(specs[0]!);
  if (!spec || (spec[1] === '' && spec[2] === '')) return { kind: 'unsatisfiable' };
  let start: number;
  let end: number;
  if (spec[1] === '') {
    const suffix = Number(spec[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size;
  } else {
    start = Number(spec[1]);
    end = spec[2] === '' ? size : Math.min(Number(spec[2]) + 1, size);
    if (start >= size || end <= start) return { kind: 'unsatisfiable' };
  }
  return { kind: 'partial', range: { start, end } };
}
