// The Arca server of the artifacts bench, in its own process so its RSS is the server's alone. IPC protocol:
//   parent → {cmd:'start', appUrl, env}     child → {ready:true, port, apiKey}
//   parent → {cmd:'rss', reset:boolean}      child → {rss, peak}   (peak since the last reset, sampled every 20 ms)
//   parent → {cmd:'stop'}                   child exits
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@arca/api-core';
import { TenantsService } from '@arca/api-tenancy';
import { createApp } from '../../apps/api/dist/create-app.js';

let app;
let dataDir;
let peak = 0;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 20).unref();

async function start(msg) {
  dataDir = mkdtempSync(join(tmpdir(), 'arca-bench-artifacts-'));
  const config = loadConfig({
    ...msg.env,
    NODE_ENV: 'production',
    ARCA_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  app = await createApp({
    config,
    secrets: { tokenPepper: config.apiKeyPepper, masterKey: config.masterKey },
    logger: createLogger('warn'),
    appUrl: msg.appUrl,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const slug = `bench-art-${Date.now().toString(36)}`;
  const p = await app.get(TenantsService).provision({ slug, ownerEmail: `o@${slug}.test` });
  process.send({ ready: true, port: app.getHttpServer().address().port, apiKey: p.ownerApiKey });
}

process.on('message', (msg) => {
  if (msg.cmd === 'start') {
    start(msg).catch((error) => {
      console.error(error);
      process.exit(1);
    });
  } else if (msg.cmd === 'rss') {
    const rss = process.memoryUsage.rss();
    process.send({ rss, peak: Math.max(peak, rss) });
    if (msg.reset) peak = rss;
  } else if (msg.cmd === 'stop') {
    Promise.resolve(app?.close())
      .catch(() => undefined)
      .finally(() => {
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
  }
});
