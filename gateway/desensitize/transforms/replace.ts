import type { Scalar } from '../policy.ts';
import { textOf, type ValueTransform } from './values.ts';

/** The dictionary's entry for the value's text if there is one, else `value`. */
export function createReplace(value: Scalar, dictionary: ReadonlyMap<string, Scalar>): ValueTransform {
  if (dictionary.size === 0) return () => value;
  return (input) => {
    const text = textOf(input);
    const mapped = text === undefined ? undefined : dictionary.get(text);
    return mapped === undefined ? value : mapped;
  };
}
