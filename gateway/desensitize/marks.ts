import { createKeyedHash, type KeyedHash } from '../../crypto/index.ts';

/**
 * The keyed mark a canary cell carries: the first byte of HMAC-SM3(recipient fingerprint key,
 * cell text) is zero. Any value has it with probability 1/256 by chance; canary cells are
 * chosen to have it, so only the key holder can tell them apart from real cells.
 */
export const MARK_BITS = 8;
export const CHANCE_OF_MARK = 2 ** -MARK_BITS;

/** A cell's text as it survives CSV or JSON export; undefined when empty. */
export function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function createMarker(key: Uint8Array): (value: unknown) => boolean {
  const keyed: KeyedHash = createKeyedHash('hmac-sm3', key);
  return (value) => {
    const text = cellText(value);
    return text !== undefined && keyed.digest(text)[0] === 0;
  };
}
