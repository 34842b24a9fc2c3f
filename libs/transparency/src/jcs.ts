// RFC 8785 JSON Canonicalization Scheme: sorted keys (UTF-16 code units), no whitespace, ECMAScript number
// and string serialisation. Audit entries are hashed as these exact bytes.
import { isWellFormed } from './bytes.js';

const encoder = new TextEncoder();

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

class Serializer {
  readonly #open = new Set<object>(); // objects being serialised: a repeat is a cycle
  readonly #trail: (string | number)[] = []; // where we are, for error messages only

  #fail(message: string): never {
    const path = this.#trail.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
    throw new TypeError(`canonicalJson: $${path}: ${message}`);
  }

  #string(value: string): string {
    if (!isWellFormed(value)) this.#fail('string contains a lone surrogate');
    return JSON.stringify(value); // ES escaping is exactly RFC 8785 §3.2.2.2
  }

  value(value: unknown): string {
    switch (typeof value) {
      case 'string':
        return this.#string(value);
      case 'number':
        if (!Number.isFinite(value)) this.#fail(`${value} is not allowed in JSON`);
        return JSON.stringify(value); // ES Number::toString, -0 → 0 (RFC 8785 §3.2.2.3)
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        return value === null ? 'null' : this.#object(value);
      case 'undefined':
      case 'function':
      case 'symbol':
      case 'bigint':
        return this.#fail(`a ${typeof value} cannot be serialised`);
    }
  }

  #object(value: object): string {
    if (this.#open.has(value)) this.#fail('circular reference');
    this.#open.add(value);
    const trail = this.#trail;
    let out: string;
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) {
        trail.push(i);
        items.push(this.value(value[i])); // holes are undefined and throw
        trail.pop();
      }
      out = `[${items.join(',')}]`;
    } else {
      if (!isPlainObject(value)) this.#fail('only plain objects can be serialised');
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires. Undefined members are left out.
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        trail.push(key);
        members.push(`${this.#string(key)}:${this.value(member)}`);
        trail.pop();
      }
      out = `{${members.join(',')}}`;
    }
    this.#open.delete(value);
    return out;
  }
}

/**
 * Canonical JSON text of a value built from null, booleans, finite numbers, strings, arrays and plain objects.
 * Object members whose value is undefined are omitted (as JSON.stringify does); anything else that JSON cannot
 * represent faithfully throws TypeError: NaN/Infinity, undefined/functions/symbols/bigints, lone surrogates,
 * class instances (Date, Map, Buffer …), cycles.
 */
export function canonicalJson(value: unknown): string {
  return new Serializer().value(value);
}

/** UTF-8 bytes of canonicalJson(value): what gets stored and hashed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value)); // well-formed by construction: lone surrogates were rejected
}
