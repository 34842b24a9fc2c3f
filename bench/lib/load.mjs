// Load generation (autocannon) and the small statistics the benches print.

import { cpus, freemem, loadavg, totalmem } from 'node:os';
import autocannon from 'autocannon';

/**
 * Runs autocannon against one endpoint. Every response body goes through `check` (status must be 200 and the
 * body exactly the expected data): a fast wrong answer must not count as throughput.
 */
export async function measure({ url, headers, body, connections, duration, check }) {
  let mismatches = 0;
  let firstMismatch;
  const result = await autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    pipelining: 1,
    duration,
    requests: [
      {
        onResponse: (status, resBody) => {
          if (status === 200 && check(resBody)) return;
          mismatches += 1;
          firstMismatch ??= `${status} ${String(resBody).slice(0, 300)}`;
        },
      },
    ],
  });
  return {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches,
    firstMismatch,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function machineInfo() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model?.trim() ?? 'unknown',
    node: process.version,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemGiB: +(freemem() / 2 ** 30).toFixed(1),
    loadavg: loadavg().map((l) => +l.toFixed(2)),
  };
}

export const fmt = {
  rps: (n) => n.toFixed(0),
  ms: (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1)),
  s: (n) => n.toFixed(2),
};
