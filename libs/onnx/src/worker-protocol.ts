import { isOnnxErrorCode, type OnnxErrorCode } from './errors.js';
import type { OnnxPolicy } from './policy.js';
import type { OnnxSummary } from './summary.js';

/** What the server passes to the inspector process (one JSON command-line argument; no secrets). */
export interface WorkerArgs {
  maxBytes: number;
  /** When known, the child allocates exactly this much once instead of collecting chunks. */
  expectedBytes?: number;
  policy?: OnnxPolicy;
}

/** The single JSON line the inspector process writes to stdout before exiting. */
export type WorkerResult =
  { ok: true; summary: OnnxSummary } | { ok: false; code: OnnxErrorCode; message: string };

export function parseWorkerResult(line: string): WorkerResult | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (record['ok'] === true && isSummary(record['summary'])) return { ok: true, summary: record['summary'] };
  if (record['ok'] === false && isOnnxErrorCode(record['code']) && typeof record['message'] === 'string') {
    return { ok: false, code: record['code'], message: record['message'] };
  }
  return null;
}

function isSummary(value: unknown): value is OnnxSummary {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s['irVersion'] === 'number' &&
    Array.isArray(s['inputs']) &&
    Array.isArray(s['outputs']) &&
    typeof s['parameterCount'] === 'number' &&
    typeof s['runtimeVerified'] === 'boolean'
  );
}
