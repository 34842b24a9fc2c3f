// Summarizes a V8 .cpuprofile: self time grouped by package (node_modules), Arca library, Node internals or
// V8 pseudo-frames (GC, program). Idle time is left out. Also usable on its own:
//   node bench/lib/profile-summary.mjs .bench-results/profiles/api-secure.cpuprofile [top] [requests]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** With `requests`, each line also gives microseconds per request. */
export function summarizeProfile(file, top = 15, requests = 0) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const buckets = new Map();
  const functions = new Map();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busy += us;
    const bucket = bucketOf(frame);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${bucket}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const perRequest = (us) => (requests ? `${(us / requests).toFixed(0).padStart(5)} µs/req  ` : '');
  const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${perRequest(us)}`;
  const lines = [
    `busy ${(busy / 1e6).toFixed(1)} s on the main thread (${perRequest(busy).trim() || 'no request count'})`,
  ];
  for (const [name, us] of [...buckets].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${pct(us)}${name}`);
  }
  lines.push('top functions:');
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${pct(us)}${name}`);
  }
  return lines;
}

function bucketOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const lib = /\/(libs\/api\/[^/]+|libs\/[^/]+|apps\/[^/]+|bench)\//.exec(url);
  return lib ? `arca:${lib[1]}` : url;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top, requests] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top]');
    process.exitCode = 2;
  } else {
    for (const line of summarizeProfile(file, Number(top) || 15, Number(requests) || 0)) console.log(line);
  }
}
