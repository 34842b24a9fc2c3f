// RFC 8785 JSON Canonicalization Scheme: sorted keys (UTF-16 code units), no whitespace, ECMAScript number
// and string serialisation. Audit entries are hashed as these exact bytes.
import { isWellFormed, utf8Encode } from './bytes.js';

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function serialize(value: unknown, path: string, stack: Set<object>): string {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw new TypeError(`${path}: string contains a lone surrogate`);
      return JSON.stringify(value); // ES escaping is exactly RFC 8785 §3.2.2.2
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not allowed in JSON`);
      return JSON.stringify(value); // ES Number::toString, -0 → 0 (RFC 8785 §3.2.2.3)
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    case 'undefined':
    case 'function':
    case 'symbol':
    case 'bigint':
      throw new TypeError(`${path}: a ${typeof value} cannot be serialised`);
  }
  if (value === null) return 'null';
  if (stack.has(value)) throw new TypeError(`${path}: circular reference`);
  stack.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(serialize(value[i], `${path}[${i}]`, stack)); // holes throw
    out = `[${items.join(',')}]`;
  } else {
    if (!isPlainObject(value)) throw new TypeError(`${path}: only plain objects can be serialised`);
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires. Undefined members are left out.
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${serialize(key, path, stack)}:${serialize(record[key], `${path}.${key}`, stack)}`);
    out = `{${members.join(',')}}`;
  }
  stack.delete(value);
  return out;
}

/**
 * Canonical JSON text of a value built from null, booleans, finite numbers, strings, arrays and plain objects.
 * Object members whose value is undefined are omitted (as JSON.stringify does); anything else that JSON cannot
 * represent faithfully throws TypeError: NaN/Infinity, undefined/functions/symbols/bigints, lone surrogates,
 * class instances (Date, Map, Buffer …), cycles.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', new Set());
}

/** UTF-8 bytes of canonicalJson(value): what gets stored and hashed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value));
}
