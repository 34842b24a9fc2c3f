/** Bytes waiting to become a segment, kept as the chunks they arrived in (no copying until they are used). */
export class ByteQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    this.#length += chunk.length;
  }

  /** Removes and returns the first `count` bytes (count ≤ length) as pieces. */
  take(count: number): Buffer[] {
    const out: Buffer[] = [];
    let needed = count;
    while (needed > 0) {
      const chunk = this.#chunks[0]!;
      if (chunk.length <= needed) {
        out.push(chunk);
        this.#chunks.shift();
        needed -= chunk.length;
      } else {
        out.push(chunk.subarray(0, needed));
        this.#chunks[0] = chunk.subarray(needed);
        needed = 0;
      }
    }
    this.#length -= count;
    return out;
  }

  /** Removes the first `count` bytes as one contiguous buffer. */
  takeContiguous(count: number): Buffer {
    const pieces = this.take(count);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, count);
  }
}
