// A speed gauge for comparing runs across machines (these VMs differ by up to 3× per core and drift within
// minutes): bare SHA-256 over 551-byte entries, reported per million entries, which is the unit of the audit
// bench's bare-hash baseline (1M entries of ~551 B). One core, nothing else.

import { hash, randomBytes } from 'node:crypto';

const ENTRY_BYTES = 551;
const ENTRIES = 200_000;

/** Seconds per 1M bare SHA-256 hashes of 551-byte entries on this thread, now (best of 3). */
export function hashGauge() {
  const entries = Array.from({ length: 1000 }, () => randomBytes(ENTRY_BYTES));
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 3; run++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < ENTRIES; i++) sink ^= hash('sha256', entries[i % entries.length], 'buffer')[0];
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  if (sink === 256) throw new Error('unreachable'); // keeps the hashing observable
  return (best * 1_000_000) / ENTRIES;
}
