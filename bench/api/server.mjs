// One server variant in its own process (spawned by bench/api/main.mjs with an IPC channel), so the load
// generator never shares the server's event loop. Protocol (process.send / 'message'):
//   parent → {cmd:'start', variant, adminUrl, appUrl, env, fixedContext}   child → {ready:true, port}
//   parent → {cmd:'trace', on:boolean}                                      child → {trace: {...}}
//   parent → {cmd:'profile', file}  start (file) / stop (null) the V8 CPU profiler; child → {profile:file}
//   parent → {cmd:'stop'}                                                   child exits
// Logs (pino JSON) go to this process's stdout, which the parent points at a file.

import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger, loadConfig } from '@arca/api-core';
import { buildApp } from './variants.mjs';

// Statement counter: every statement any pg client sends (whatever Client subclass a variant uses) is
// submitted through pg.Query#submit. Socket writes to Postgres are counted as well: statements sent together
// (a pipelined opening and the statement behind it, ADR 0011) leave in one write, one round trip.
const trace = { on: false, queries: 0, writes: 0, statements: new Map() };
const originalConnect = pg.Connection.prototype.connect;
pg.Connection.prototype.connect = function connect(...args) {
  const stream = this.stream;
  for (const method of ['_write', '_writev']) {
    const original = stream[method];
    stream[method] = function counted(...a) {
      if (trace.on) trace.writes += 1;
      return original.apply(this, a);
    };
  }
  return originalConnect.apply(this, args);
};
const originalSubmit = pg.Query.prototype.submit;
pg.Query.prototype.submit = function submit(connection) {
  if (trace.on) {
    const key = String(this.text ?? this.name ?? '?')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 90);
    trace.queries += 1;
    trace.statements.set(key, (trace.statements.get(key) ?? 0) + 1);
  }
  return originalSubmit.call(this, connection);
};

let app;
let profiler;
let dataDir;

/** Starts the CPU profiler, or stops it and writes the profile to the file given at start. */
async function profile(file) {
  if (file) {
    profiler = { session: new Session(), file };
    profiler.session.connect();
    await profiler.session.post('Profiler.enable');
    await profiler.session.post('Profiler.start');
    return file;
  }
  if (!profiler) return null;
  const { profile: data } = await profiler.session.post('Profiler.stop');
  writeFileSync(profiler.file, JSON.stringify(data));
  profiler.session.disconnect();
  const written = profiler.file;
  profiler = undefined;
  return written;
}

async function start(msg) {
  dataDir = mkdtempSync(join(tmpdir(), 'arca-bench-data-'));
  const config = loadConfig({
    ...msg.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    ARCA_DATA_DIR: dataDir,
  });
  const logger = createLogger(config.logLevel);
  app = await buildApp(msg.variant, {
    config,
    secrets: { tokenPepper: config.apiKeyPepper, masterKey: config.masterKey },
    logger,
    appUrl: msg.appUrl,
    adminUrl: msg.adminUrl,
    fixedContext: msg.fixedContext,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address();
  process.send({ ready: true, port: address.port });
}

async function stop() {
  try {
    await app?.close();
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
}

process.on('message', (msg) => {
  if (msg.cmd === 'start') {
    start(msg).catch((error) => {
      process.send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    });
  } else if (msg.cmd === 'trace') {
    if (msg.on) {
      trace.queries = 0;
      trace.writes = 0;
      trace.statements.clear();
    }
    trace.on = msg.on;
    process.send({
      trace: {
        queries: trace.queries,
        writes: trace.writes,
        statements: Object.fromEntries(trace.statements),
      },
    });
  } else if (msg.cmd === 'profile') {
    profile(msg.file).then(
      (file) => process.send({ profile: file }),
      (error) => process.send({ profile: null, error: String(error) }),
    );
  } else if (msg.cmd === 'stop') {
    void stop();
  }
});
process.on('disconnect', () => void stop());
