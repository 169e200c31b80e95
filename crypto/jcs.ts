import { fail } from '../common/errors.ts';

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * RFC 8785 JSON Canonicalization Scheme. Signatures cover these bytes, so anything JSON cannot
 * carry faithfully is refused rather than silently altered: non-finite numbers, bigint, symbols,
 * functions, `undefined` in arrays or at the top, lone surrogates (input must be I-JSON), cycles,
 * and objects that are neither plain nor have `toJSON` (a Map would otherwise become `{}`).
 * Object members whose value is `undefined` are omitted, as JSON.stringify does.
 */
export function canonicalize(value: unknown): string {
  return serialize(value, new Set());
}

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

function serialize(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw fail.validation('JSON numbers must be finite');
      // ECMAScript Number-to-string is exactly the serialization RFC 8785 prescribes (-0 → "0").
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeObject(value, ancestors);
    default:
      throw fail.validation(`a ${typeof value} cannot be represented in JSON`);
  }
}

function serializeString(s: string): string {
  if (LONE_SURROGATE.test(s)) throw fail.validation('JSON strings must be well-formed Unicode');
  return JSON.stringify(s);
}

function serializeObject(value: object, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw fail.validation('cyclic structure cannot be canonicalized');
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return serialize(toJSON.call(value), ancestors);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === undefined) throw fail.validation('undefined cannot appear in a JSON array');
        items.push(serialize(item, ancestors));
      }
      return `[${items.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw fail.validation('only plain objects can be canonicalized');
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is the order RFC 8785 requires.
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      members.push(`${serializeString(key)}:${serialize(member, ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}
