import { badInput } from '@arca/api-core';
import { parseVersionRef } from '@arca/api-artifacts';

// Pure rules of the lifecycle feature: alias names, model-card metrics, artifact policy lists.

export const ALIAS_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;
export const PROTECTED_ALIASES_MAX = 16;
export const ONNX_DOMAINS_MAX = 32;
/** Reverse-DNS operator domains such as `com.microsoft` or `ai.onnx.ml`: lowercase labels, at least two. */
export const ONNX_DOMAIN_PATTERN = /^[a-z][a-z0-9_-]{0,62}(\.[a-z0-9][a-z0-9_-]{0,62}){1,7}$/;
export const ONNX_DOMAIN_MAX = 128;
/** Domains every tenant accepts already; listing them is pointless and hides typos. */
const BUILT_IN_DOMAINS = new Set(['ai.onnx', 'ai.onnx.ml']);
export const METRICS_MAX_BYTES = 8 * 1024;
export const METRICS_KEYS_MAX = 64;
export const METRIC_KEY_MAX = 100;
export const METRIC_TEXT_MAX = 500;
export const CARD_TEXT_MAX = 4000;

/**
 * An alias name, or BAD_USER_INPUT naming `field`. Aliases share the namespace of version references, so a name
 * that parses as `latest` or a version number (`3`, `v3`) would be unreachable and is refused.
 */
export function checkAliasName(name: string, field = 'alias'): string {
  if (!ALIAS_PATTERN.test(name)) {
    throw badInput(
      `${field} must be 1–64 characters: a lowercase letter, then lowercase letters, digits, dots, dashes or underscores`,
      { field },
    );
  }
  if (parseVersionRef(name).kind !== 'alias') {
    throw badInput(`${field} "${name}" reads as a version reference (latest, a number or v<number>)`, {
      field,
    });
  }
  return name;
}

export type Metrics = Record<string, number | string>;

/** Model-card metrics: a JSON object of finite numbers and short strings, at most 8 KiB. */
export function parseMetrics(json: string, field = 'metrics'): Metrics {
  if (Buffer.byteLength(json, 'utf8') > METRICS_MAX_BYTES) {
    throw badInput(`${field} must be at most ${METRICS_MAX_BYTES} bytes of JSON`, { field });
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw badInput(`${field} must be a JSON object`, { field });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput(`${field} must be a JSON object`, { field });
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > METRICS_KEYS_MAX) {
    throw badInput(`${field} may hold at most ${METRICS_KEYS_MAX} entries`, { field });
  }
  const out: Metrics = {};
  for (const [key, v] of entries) {
    if (key.length === 0 || key.length > METRIC_KEY_MAX) {
      throw badInput(`${field} keys must be 1–${METRIC_KEY_MAX} characters`, { field });
    }
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (typeof v === 'string' && v.length <= METRIC_TEXT_MAX) out[key] = v;
    else {
      throw badInput(
        `${field}.${key.slice(0, 40)} must be a number or a string of at most ${METRIC_TEXT_MAX} characters`,
        { field },
      );
    }
  }
  return out;
}

/** The tenant's protected alias names: valid alias names, deduplicated, sorted. */
export function normalizeProtectedAliases(names: readonly string[]): string[] {
  const field = 'protectedAliases';
  const out = [...new Set(names.map((n) => n.trim()))].sort();
  if (out.length > PROTECTED_ALIASES_MAX) {
    throw badInput(`${field} may hold at most ${PROTECTED_ALIASES_MAX} names`, { field });
  }
  for (const name of out) checkAliasName(name, field);
  return out;
}

/** Extra ONNX operator domains: reverse-DNS names, deduplicated, sorted; built-in domains are refused. */
export function normalizeOnnxDomains(domains: readonly string[]): string[] {
  const field = 'onnxAllowedDomains';
  const out = [...new Set(domains.map((d) => d.trim()))].sort();
  if (out.length > ONNX_DOMAINS_MAX) {
    throw badInput(`${field} may hold at most ${ONNX_DOMAINS_MAX} domains`, { field });
  }
  for (const d of out) {
    if (d.length > ONNX_DOMAIN_MAX || !ONNX_DOMAIN_PATTERN.test(d)) {
      throw badInput(
        `${field}: "${d.slice(0, 60)}" is not a reverse-DNS domain such as com.example.ops (lowercase labels)`,
        { field },
      );
    }
    if (BUILT_IN_DOMAINS.has(d)) {
      throw badInput(`${field}: ${d} is always allowed; do not list it`, { field });
    }
  }
  return out;
}
