/** Returned by a value transform that cannot interpret its input; the desensitizer delivers null and counts it. */
export const UNUSABLE: unique symbol = Symbol('unusable');
export type ValueTransform = (value: unknown) => unknown;

export const identity: ValueTransform = (value) => value;

/**
 * The text a value-deriving transform works on: strings as they are, numbers and booleans as
 * their JSON text, dates as ISO strings. Objects, arrays, NaN and infinities have no such text.
 */
export function textOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : undefined;
  }
}

/**
 * Wraps a transform of non-empty text into a transform of any value: values without text are
 * unusable, and the empty string stays empty (it carries nothing to protect).
 */
export function onText(transform: (text: string) => string | typeof UNUSABLE): ValueTransform {
  return (value) => {
    const text = typeof value === 'string' ? value : textOf(value);
    if (text === undefined) return UNUSABLE;
    return text.length === 0 ? '' : transform(text);
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether UTF-16 indices and code-point indices differ for this text. */
export function hasAstral(text: string): boolean {
  return SURROGATE.test(text);
}
