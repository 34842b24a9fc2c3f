// Artifacts bench: `npm run bench -- artifacts [--size-mib N] [--rss-mib N] [--rounds n]`.
//
// In one run:
// 1. Transfers: upload (PUT of the staged upload, encrypted 1 MiB segments committed one by one) and download
//    (grant + GET, decrypted and verified segment by segment) of an N MiB ONNX model (default 256) through a real
//    server process over HTTP, against the baseline: a binary COPY of the same bytes, in 1 MiB rows, into a bytea
//    table on the same Postgres (and, for downloads, also COPY TO). Alternating rounds, medians, ratios.
// 2. Memory: the server's RSS growth while it takes and serves an M MiB model (default 1024); the ONNX validation
//    runs in a child process of the server and is reported apart.
// 3. Segment encryption: Arca's Tink segments against bare node:crypto AES-256-GCM (bench/artifacts/crypto.mjs).
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import copyStreams from 'pg-copy-streams';
import { modelStream } from '@arca/onnx/testing';
import { acquireDatabase, withClient } from '../lib/postgres.mjs';
import { median } from '../lib/load.mjs';
import { runCryptoBench } from './crypto.mjs';

const MiB = 1024 * 1024;

export async function run(opts) {
  const sizeMiB = opts.sizeMib ?? 256;
  const rssMiB = opts.rssMib ?? 1024;
  const rounds = opts.rounds ?? 2;
  const outDir = join(opts.repo, '.bench-results');
  mkdirSync(outDir, { recursive: true });
  const db = await acquireDatabase(opts.repo);
  const server = await startServer(db.appUrl);
  const results = { sizeMiB, rounds, postgres: db.version, embedded: db.embedded };
  try {
    console.log(
      `# artifacts: ${sizeMiB} MiB model, ${rounds} alternating rounds · PostgreSQL ${db.version} ` +
        `(${db.embedded ? 'embedded, same host' : 'DATABASE_URL'})`,
    );
    const api = client(server);
    const model = (
      await api.gql('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
        i: { name: `bench-${randomBytes(3).toString('hex')}` },
      })
    ).createModel;
    const source = modelStream(sizeMiB * MiB);
    const bytes = source.byteLength;
    const rows = { upload: [], download: [], validate: [], copyIn: [], copyOut: [] };
    await withClient(db.adminUrl, (c) =>
      c.query('CREATE TABLE IF NOT EXISTS bench_copy (idx int, data bytea)'),
    );
    for (let r = 0; r < rounds; r++) {
      const copy = await copyRound(db.adminUrl, source);
      rows.copyIn.push(mbps(bytes, copy.inMs));
      rows.copyOut.push(mbps(bytes, copy.outMs));
      const t = await transferRound(api, model.id, source);
      rows.upload.push(mbps(bytes, t.uploadMs));
      rows.download.push(mbps(bytes, t.downloadMs));
      rows.validate.push(mbps(bytes, t.validateMs));
      console.log(
        `round ${r + 1}: COPY in ${fmt(mbps(bytes, copy.inMs))} · COPY out ${fmt(mbps(bytes, copy.outMs))} · ` +
          `upload ${fmt(mbps(bytes, t.uploadMs))} · validation ${fmt(mbps(bytes, t.validateMs))} · ` +
          `download ${fmt(mbps(bytes, t.downloadMs))}`,
      );
    }
    const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
    results.transfers = { ...m, uploadRatio: m.upload / m.copyIn, downloadRatio: m.download / m.copyIn };
    console.log(
      `transfers (median MB/s): upload ${fmt(m.upload)} / COPY in ${fmt(m.copyIn)} = ratio ${m.upload / m.copyIn > 0 ? (m.upload / m.copyIn).toFixed(2) : '?'} (target ≥ 0.5) · ` +
        `download ${fmt(m.download)} / COPY in = ratio ${(m.download / m.copyIn).toFixed(2)} (target ≥ 0.5; vs COPY out ${(m.download / m.copyOut).toFixed(2)}) · ` +
        `validation ${fmt(m.validate)} (child process)`,
    );

    if (rssMiB > 0) {
      const big = modelStream(rssMiB * MiB);
      const before = await server.rss(true);
      await transferRound(api, model.id, big);
      const after = await server.rss(false);
      const growth = (after.peak - before.rss) / MiB;
      results.memory = {
        modelMiB: big.byteLength / MiB,
        baselineRssMiB: before.rss / MiB,
        peakRssMiB: after.peak / MiB,
        growthMiB: growth,
      };
      console.log(
        `memory: ${(big.byteLength / MiB).toFixed(0)} MiB up and down · server RSS ${(before.rss / MiB).toFixed(0)} MiB → ` +
          `peak ${(after.peak / MiB).toFixed(0)} MiB: growth ${growth.toFixed(1)} MiB (target < 100)`,
      );
    }

    const crypto = await runCryptoBench({ rounds: Math.max(3, rounds) });
    results.crypto = crypto;
    console.log(
      `segment encryption (1 MiB, median MB/s): Arca ${fmt(crypto.arcaEncrypt)} / bare AES-256-GCM ${fmt(crypto.bareEncrypt)} = ` +
        `ratio ${crypto.encryptRatio.toFixed(2)} (target ≥ 0.8) · decrypt ${fmt(crypto.arcaDecrypt)} / ${fmt(crypto.bareDecrypt)} = ` +
        `${crypto.decryptRatio.toFixed(2)}`,
    );
    writeFileSync(join(outDir, 'artifacts.json'), JSON.stringify(results, null, 2));
    return 0;
  } finally {
    await server.stop();
    await db.stop();
  }
}

const fmt = (v) => `${v.toFixed(0)} MB/s`;
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

async function copyRound(adminUrl, source) {
  return withClient(adminUrl, async (c) => {
    await c.query('TRUNCATE bench_copy');
    // Binary COPY: 11-byte signature, flags, extension length; per row: field count, then length + bytes.
    const rowsOf = function* () {
      yield Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
      let idx = 0;
      let pending = [];
      let pendingLength = 0;
      const row = (data) => {
        const head = Buffer.alloc(2 + 4 + 4 + 4 + 4);
        head.writeInt16BE(2, 0);
        head.writeInt32BE(4, 2);
        head.writeInt32BE(idx++, 6);
        head.writeInt32BE(data.length, 10);
        return [head.subarray(0, 14), data];
      };
      for (const chunk of source.chunks()) {
        pending.push(chunk);
        pendingLength += chunk.length;
        if (pendingLength >= MiB) {
          yield* row(Buffer.concat(pending, pendingLength));
          pending = [];
          pendingLength = 0;
        }
      }
      if (pendingLength > 0) yield* row(Buffer.concat(pending, pendingLength));
      yield Buffer.from([0xff, 0xff]);
    };
    let t = performance.now();
    await pipeline(
      Readable.from(rowsOf()),
      c.query(copyStreams.from('COPY bench_copy FROM STDIN (FORMAT binary)')),
    );
    const inMs = performance.now() - t;
    t = performance.now();
    await pipeline(
      c.query(copyStreams.to('COPY bench_copy TO STDOUT (FORMAT binary)')),
      new Writable({ write: (_chunk, _enc, done) => done() }),
    );
    return { inMs, outMs: performance.now() - t };
  });
}

async function transferRound(api, modelId, source) {
  const upload = (
    await api.gql('mutation($i: CreateUploadInput!) { createUpload(input: $i) { id url token } }', {
      i: { modelId, sizeBytes: source.byteLength },
    })
  ).createUpload;
  let t = performance.now();
  const put = await fetch(api.base + upload.url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'application/octet-stream' },
    body: Readable.from(source.stream()),
    duplex: 'half',
  });
  const progress = await put.json();
  const uploadMs = performance.now() - t;
  if (!progress.complete) throw new Error(`upload incomplete: ${JSON.stringify(progress)}`);
  t = performance.now();
  const version = (
    await api.gql('mutation($u: ID!) { finalizeUpload(uploadId: $u) { id state sha256 failureReason } }', {
      u: upload.id,
    })
  ).finalizeUpload;
  // Above 256 MiB the background job validates: wait for it.
  let state = version;
  while (state.state === 'VALIDATING') {
    await new Promise((r) => setTimeout(r, 200));
    state = (
      await api.gql('query($id: ID!) { modelVersion(id: $id) { id state sha256 failureReason } }', {
        id: version.id,
      })
    ).modelVersion;
  }
  const validateMs = performance.now() - t;
  if (state.state !== 'READY') throw new Error(`version not ready: ${state.failureReason}`);
  const grant = (
    await api.gql('mutation($v: ID!) { createDownload(versionId: $v) { url sha256 } }', { v: version.id })
  ).createDownload;
  t = performance.now();
  const res = await fetch(api.base + grant.url);
  const hash = createHash('sha256');
  for await (const chunk of res.body) hash.update(chunk);
  const downloadMs = performance.now() - t;
  if (hash.digest('hex') !== grant.sha256) {
    throw new Error('downloaded bytes do not match the version digest');
  }
  return { uploadMs, validateMs, downloadMs };
}

function client(server) {
  const base = `http://127.0.0.1:${server.port}`;
  return {
    base,
    async gql(query, variables) {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = await res.json();
      if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
      return body.data;
    },
  };
}

async function startServer(appUrl) {
  const child = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    });
  child.send({
    cmd: 'start',
    appUrl,
    env: {
      ARCA_API_KEY_PEPPER: randomBytes(32).toString('hex'),
      ARCA_MASTER_KEY: randomBytes(32).toString('hex'),
      ARCA_VALIDATION_TIMEOUT_MS: '600000',
    },
  });
  const ready = await next();
  return {
    port: ready.port,
    apiKey: ready.apiKey,
    rss: (reset) => {
      child.send({ cmd: 'rss', reset });
      return next();
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send({ cmd: 'stop' });
      }),
  };
}
