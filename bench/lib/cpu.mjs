// CPU time of process trees from /proc (Linux): robust where wall-clock throughput is not, e.g. on a shared
// machine. Ticks are USER_HZ (100 per second on Linux).

import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after it are space-separated.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      cpu: Number(f[11]) + Number(f[12]), // utime + stime
    };
  } catch {
    return undefined;
  }
}

/** CPU ticks of `root` and its direct children (e.g. a postmaster and its backends), per pid. */
export function snapshot(root) {
  const pids = new Map();
  const self = stat(root);
  if (!self) return undefined;
  pids.set(root, self.cpu);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s?.ppid === root) pids.set(Number(name), s.cpu);
  }
  return { pids };
}

/**
 * Milliseconds of CPU used between two snapshots of the same tree, by the processes alive at the end. Children
 * that exited meanwhile are left out on purpose: their whole lifetime would land in the parent's cutime (e.g. the
 * idle pool connections of another server variant closing), which says nothing about this interval.
 */
export function cpuMs(before, after) {
  if (!before || !after) return NaN;
  let ticks = 0;
  for (const [pid, cpu] of after.pids) ticks += cpu - (before.pids.get(pid) ?? 0);
  return ticks * TICK_MS;
}

/** Busy and total CPU milliseconds of the whole machine since boot (/proc/stat, all cores). */
export function machineCpu() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = t.reduce((a, b) => a + b, 0);
    const idle = t[3] + t[4]; // idle + iowait
    return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
  } catch {
    return undefined;
  }
}
