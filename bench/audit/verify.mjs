#!/usr/bin/env node
// Audit-log verification bench: `node bench/audit/verify.mjs [--entries N]` (build the lib first:
// `npx tsc -p libs/transparency/tsconfig.lib.json`; `@arca/transparency` resolves to its dist/ with plain node).
//
// (a) Full verification of N synthetic ~500-byte canonical-JSON audit entries through LogVerifier (leaf hash,
//     stored-hash and sequence checks, compact range, root against the checkpoint), against a baseline of bare
//     crypto.hash over the same bytes. Entries are generated deterministically in chunks and dropped after use;
//     generation is timed separately and excluded. Target T-V2: ≤ 10 s for 1M entries.
// (b) Inclusion and consistency proof verification at tree size N (median and p99 over ≥ 10k proofs each, proofs
//     from a MemoryNodeSource over the leaf hashes). Target T-V1: ≤ 1 ms each.
// Every result is checked (root equals the independently built root, every proof verifies); any mismatch throws.

import { hash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  LogVerifier,
  MemoryNodeSource,
  ProofError,
  bytesToHex,
  canonicalBytes,
  consistencyProofFrom,
  inclusionProofFrom,
  leafHash,
  nodeHash,
  sha256Backend,
  verifyConsistency,
  verifyInclusion,
} from '@arca/transparency';

const CHUNK = 8192;
const TARGET_FULL_S_PER_MILLION = 10;
const TARGET_PROOF_US = 1000;

/** Deterministic 32-bit PRNG (mulberry32): the same entries on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const hexOf = (rand, digits) => {
  let s = '';
  while (s.length < digits) {
    s += Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  }
  return s.slice(0, digits);
};
const uuidOf = (rand) => {
  const h = hexOf(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
};

const TENANT = '0b8c6f0e-4c1a-4e8e-9a51-3f0d2b7c9e41';
const ACTIONS = [
  'model.version.create',
  'model.version.download',
  'auth.login',
  'alias.set',
  'dataset.query',
];
const BASE_TIME = Date.UTC(2026, 10, 27, 12, 0, 0);

// Random-looking field values come from fixed pools, so generating a million entries stays cheap.
const POOL_SIZE = 4093; // prime: the pool indexes below cycle independently
const poolRand = prng(1);
const UUIDS = Array.from({ length: POOL_SIZE }, () => uuidOf(poolRand));
const DIGESTS = Array.from({ length: POOL_SIZE }, () => hexOf(poolRand, 64));
const TOKENS = Array.from({ length: POOL_SIZE }, () => hexOf(poolRand, 16));

/** Audit record number i, shaped like §5.3 of the design notes, as RFC 8785 bytes (~500 B). */
function makeEntry(i) {
  const pick = (k) => (i * k + (i >>> 12)) % POOL_SIZE;
  return canonicalBytes({
    v: 1,
    event_id: `${i.toString(16).padStart(8, '0')}${UUIDS[pick(7)].slice(8)}`,
    tenant_id: TENANT,
    time: new Date(BASE_TIME + i * 250).toISOString(),
    actor: { type: 'api_key', id: UUIDS[pick(1) % 97], token_hash: `sha256:${TOKENS[pick(1) % 97]}` },
    source: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, request_id: TOKENS[pick(13)] },
    action: ACTIONS[i % ACTIONS.length],
    target: { type: 'model_version', id: UUIDS[pick(31)], digest: `sha256:${DIGESTS[pick(3)]}` },
    outcome: { result: 'success', http_status: 200 },
  });
}

/** Deterministic rows {seq, entry, leafHash} [from, to), as a downloader would receive them. */
function makeChunk(from, to, leafHashes) {
  const rows = new Array(to - from);
  for (let i = from; i < to; i++) {
    const entry = makeEntry(i);
    const leaf = leafHash(entry);
    leafHashes.set(leaf, i * 32);
    rows[i - from] = { seq: i, entry, leafHash: leaf };
  }
  return rows;
}

const ms = (ns) => Number(ns) / 1e6;
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fmt = (n, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function fail(message) {
  throw new Error(`bench/audit/verify: ${message}`);
}

/** Root of the first `size` leaves from the level-by-level MemoryNodeSource: its perfect subtrees folded right to left. */
function rootFromSource(source, size) {
  const parts = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      parts.push(source.node(level, start / width));
      start += width;
    }
  }
  let root = parts.pop();
  while (parts.length > 0) root = nodeHash(parts.pop(), root);
  return root;
}

/** (a) Streams the log through LogVerifier and the bare-hash baseline, chunk by chunk, alternating the order. */
function fullVerification(entries, log) {
  const leafHashes = new Uint8Array(entries * 32);
  const verifier = new LogVerifier({ size: entries });
  let generationNs = 0n;
  let verifyNs = 0n;
  let baselineNs = 0n;
  let bytes = 0;
  let sink = 0;
  const heapStart = process.memoryUsage().heapUsed;
  let heapPeak = heapStart;
  for (let from = 0, chunk = 0; from < entries; from += CHUNK, chunk++) {
    const to = Math.min(entries, from + CHUNK);
    let t = process.hrtime.bigint();
    const rows = makeChunk(from, to, leafHashes);
    generationNs += process.hrtime.bigint() - t;
    const runVerifier = () => {
      t = process.hrtime.bigint();
      for (const r of rows) verifier.add(r.entry, r.leafHash, r.seq);
      verifyNs += process.hrtime.bigint() - t;
    };
    const runBaseline = () => {
      t = process.hrtime.bigint();
      for (const r of rows) sink ^= hash('sha256', r.entry, 'buffer')[0];
      baselineNs += process.hrtime.bigint() - t;
    };
    if (chunk % 2 === 0) {
      runVerifier();
      runBaseline();
    } else {
      runBaseline();
      runVerifier();
    }
    for (const r of rows) bytes += r.entry.length;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  log(
    `  generated ${entries.toLocaleString('en-US')} entries (avg ${fmt(bytes / entries)} B) in ${fmt(ms(generationNs) / 1000, 2)} s (excluded)`,
  );
  return { leafHashes, verifier, verifyNs, baselineNs, generationNs, bytes, heapStart, heapPeak, sink };
}

async function proofBench(kind, count, makeCase) {
  const cases = [];
  for (let k = 0; k < count; k++) cases.push(await makeCase(k));
  const times = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const run = cases[k];
    const t = process.hrtime.bigint();
    run();
    times[k] = Number(process.hrtime.bigint() - t) / 1000;
  }
  times.sort();
  return {
    kind,
    count,
    medianUs: quantile(times, 0.5),
    p99Us: quantile(times, 0.99),
    maxUs: times[count - 1],
  };
}

export async function runVerifyBench({ entries = 1_000_000, proofs = 10_000, log = console.log } = {}) {
  if (!Number.isSafeInteger(entries) || entries < 2) fail('--entries must be an integer ≥ 2');
  if (!Number.isSafeInteger(proofs) || proofs < 1) fail('--proofs must be a positive integer');
  const machine = { cpus: availableParallelism(), loadAverage1m: loadavg()[0] };
  log(
    `audit verification bench: ${entries.toLocaleString('en-US')} entries, SHA-256 via ${sha256Backend}, node ${process.version}, ` +
      `${machine.cpus} CPUs, load average ${fmt(machine.loadAverage1m, 2)} (other work skews the tail latencies)`,
  );

  // (a) full verification
  const a = fullVerification(entries, log);
  const source = new MemoryNodeSource(
    Array.from({ length: entries }, (_, i) => a.leafHashes.subarray(i * 32, i * 32 + 32)),
  );
  const expectedRoot = rootFromSource(source, entries);
  const result = a.verifier.finish({ size: entries, rootHash: expectedRoot });
  if (!result.ok) fail(`LogVerifier rejected the log: ${result.problem?.message}`);
  if (bytesToHex(result.root) !== bytesToHex(expectedRoot)) {
    fail('LogVerifier root differs from the level-by-level root');
  }
  const tampered = new LogVerifier();
  tampered.add(makeEntry(0), a.leafHashes.subarray(32, 64), 0);
  if (tampered.problem?.kind !== 'leaf-hash-mismatch') fail('LogVerifier accepted a tampered entry');

  const verifyS = ms(a.verifyNs) / 1000;
  const baselineS = ms(a.baselineNs) / 1000;
  const targetS = (TARGET_FULL_S_PER_MILLION * entries) / 1e6;
  const full = {
    entries,
    avgEntryBytes: a.bytes / entries,
    generationS: ms(a.generationNs) / 1000,
    verifyS,
    entriesPerS: entries / verifyS,
    mbPerS: a.bytes / 1e6 / verifyS,
    baselineS,
    ratioToBaseline: verifyS / baselineS,
    heapPeakMb: (a.heapPeak - a.heapStart) / 2 ** 20,
    targetS,
    meetsTarget: verifyS <= targetS,
    root: bytesToHex(result.root),
  };
  log(`(a) full verification (LogVerifier: leaf hash + stored-hash and seq checks + compact range + root)`);
  log(
    `  time        ${fmt(verifyS, 2)} s   target ≤ ${fmt(targetS, 1)} s  ${full.meetsTarget ? 'MET' : 'MISSED'}`,
  );
  log(
    `  throughput  ${Math.round(full.entriesPerS).toLocaleString('en-US')} entries/s (${fmt(full.mbPerS)} MB/s)`,
  );
  log(
    `  baseline    ${fmt(baselineS, 2)} s bare crypto.hash('sha256') over the same bytes; ratio ${fmt(full.ratioToBaseline, 2)}×`,
  );
  log(
    `  heap peak   +${fmt(full.heapPeakMb)} MiB over the start, incl. the ${CHUNK}-entry generation chunk (verifier state is O(log n))`,
  );
  log(`  root        ${full.root} (equals the level-by-level root)`);

  // (b) proofs at tree size = entries
  const rand = prng(42);
  const pick = (n) => Math.floor(rand() * n);
  const inclusion = await proofBench('inclusion', proofs, async () => {
    const index = pick(entries);
    const proof = await inclusionProofFrom(source, index, entries);
    const leaf = source.node(0, index);
    return () => verifyInclusion(leaf, index, entries, proof, expectedRoot);
  });
  const consistency = await proofBench('consistency', proofs, async () => {
    const size1 = 1 + pick(entries - 1);
    const proof = await consistencyProofFrom(source, size1, entries);
    const root1 = rootFromSource(source, size1);
    return () => verifyConsistency(size1, entries, proof, root1, expectedRoot);
  });
  const wrong = await inclusionProofFrom(source, 1, entries);
  try {
    verifyInclusion(source.node(0, 0), 1, entries, wrong, expectedRoot);
    fail('a proof for the wrong leaf verified');
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
  }
  log(
    `(b) proof verification at tree size ${entries.toLocaleString('en-US')} (${proofs.toLocaleString('en-US')} proofs each, all verified)`,
  );
  for (const p of [inclusion, consistency]) {
    p.targetUs = TARGET_PROOF_US;
    p.meetsTarget = p.p99Us <= TARGET_PROOF_US;
    log(
      `  ${p.kind.padEnd(11)} median ${fmt(p.medianUs)} µs  p99 ${fmt(p.p99Us)} µs  max ${fmt(p.maxUs)} µs   target ≤ ${TARGET_PROOF_US} µs  ${p.meetsTarget ? 'MET' : 'MISSED'}`,
    );
  }
  return { sha256Backend, node: process.version, machine, full, inclusion, consistency };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '1000000' },
      proofs: { type: 'string', default: '10000' },
    },
  });
  try {
    await runVerifyBench({ entries: Number(values.entries), proofs: Number(values.proofs) });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
