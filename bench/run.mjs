#!/usr/bin/env node
// Benchmark runner: `npm run bench -- <name> [options]` (= `node bench/run.mjs <name> [options]`).
//
// Builds the workspace first (the benches run the tsc output with plain node: Nest needs the emitted decorator
// metadata), unless --no-build is given, then runs the named bench. Results are printed as plain text lines and
// also written as JSON under .bench-results/ (git-ignored). docs/benchmarks.md records the reference figures.

import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Each bench module exports `run(options)` and `describeOptions()`. */
const BENCHES = {
  api: () => import('./api/main.mjs'),
  audit: () => import('./audit/main.mjs'),
  artifacts: () => import('./artifacts/main.mjs'),
};

const USAGE = `usage: node bench/run.mjs <bench> [--no-build] [options]

benches: ${Object.keys(BENCHES).join(', ')}

common options:
  --no-build            run against the existing dist/ output
  --duration <s>        measured seconds per variant and round (default 10)
  --warmup <s>          warm-up seconds before each measured run (default 3)
  --connections <n>     concurrent HTTP connections (default 20)
  --rounds <n>          alternating rounds per variant; the median is reported (default 2)
  --pool <n>            ARCA_DB_POOL_MAX of the server processes (default 10)
  --variants <list>     comma-separated variants (api: secure, bypass, control, nocache)
  --prototypes          api: also nocache (the app with its API key cache off: a lookup round trip per request)
  --log-level <level>   server LOG_LEVEL (default info; logs go to a file under .bench-results/)
  --profile             write V8 CPU profiles of the server processes to .bench-results/profiles/
  --breakdown           api: afterwards, CPU per operation of each layer (key lookup, tenant transaction, …)
  --entries <n>         audit: entries of the full-verification run (default 1000000)
  --size-mib <n>        artifacts: model size of the transfer rounds (default 256)
  --rss-mib <n>         artifacts: model size of the memory run (default 1024; 0 skips it)
  --nice=<n>            scheduling priority of the bench's processes (load generator, servers, embedded
                        Postgres); e.g. --nice=-10 (root only) on a machine shared with other work. Default 0
  -h, --help`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'no-build': { type: 'boolean', default: false },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '2' },
      pool: { type: 'string', default: '10' },
      variants: { type: 'string' },
      prototypes: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      profile: { type: 'boolean', default: false },
      breakdown: { type: 'boolean', default: false },
      nice: { type: 'string', default: '0' },
      entries: { type: 'string', default: '1000000' },
      'size-mib': { type: 'string', default: '256' },
      'rss-mib': { type: 'string', default: '1024' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const name = positionals[0];
  if (values.help || !name) {
    console.log(USAGE);
    return name || values.help ? 0 : 2;
  }
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown bench "${name}"\n\n${USAGE}`);
    return 2;
  }
  const options = {
    repo: REPO,
    duration: positiveInt(values.duration, 'duration'),
    warmup: nonNegativeInt(values.warmup, 'warmup'),
    connections: positiveInt(values.connections, 'connections'),
    rounds: positiveInt(values.rounds, 'rounds'),
    pool: positiveInt(values.pool, 'pool'),
    variants: values.variants
      ?.split(',')
      .map((v) => v.trim())
      .filter(Boolean),
    prototypes: values.prototypes,
    logLevel: values['log-level'],
    profile: values.profile,
    breakdown: values.breakdown,
    nice: integer(values.nice, 'nice', -20, 19),
    entries: positiveInt(values.entries, 'entries'),
    sizeMib: positiveInt(values['size-mib'], 'size-mib'),
    rssMib: integer(values['rss-mib'], 'rss-mib', 0, 2047),
  };
  if (!values['no-build']) build();
  const bench = await load();
  return bench.run(options);
}

function build() {
  const started = Date.now();
  console.log('# npm run build (pass --no-build to skip)');
  const r = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal})`);
  console.log(`# build done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function positiveInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function integer(value, name, min, max) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer in [${min}, ${max}], got "${value}"`);
  }
  return n;
}

function nonNegativeInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be an integer ≥ 0, got "${value}"`);
  return n;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
